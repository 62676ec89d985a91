"""Optional LLM judge, one rubric prompt per check dimension (`prompts/judge_<dimension>.j2`).

Rendered by the shared prompt renderer (`assistant.llm.prompts`); the topic enters as quoted data. Temperature 0, strict JSON output,
the model recorded in every result. Results are cached in SQLite (`judge_cache`) under
sha256(model + prompt version + rendered prompt), so re-running an eval costs nothing.
"""

from __future__ import annotations

import hashlib
import json
import re
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import select

from assistant.errors import InputError, ProviderError
from assistant.llm import prompts
from assistant.llm.client import get_chat_model, model_name
from assistant.models import Audience, CheckResult, Product
from assistant.settings import Settings, get_settings
from assistant.storage.db import get_engine
from assistant.storage.schema import judge_cache

if TYPE_CHECKING:
    from langchain_core.language_models import BaseChatModel

DIMENSIONS = ("compliance", "low_barrier", "relevance", "tone")
_FENCE = re.compile(r"^```(?:json)?\s*|\s*```$")


def prompt_version(dimension: str, settings: Settings | None = None) -> str:
    return prompts.version(f"judge_{dimension}", settings)


def prompt_versions(settings: Settings | None = None) -> dict[str, str]:
    return {f"judge_{d}": prompt_version(d, settings) for d in DIMENSIONS}


def render(
    dimension: str,
    topic: str,
    product: Product,
    *,
    audience: Audience | None = None,
    trends: list[str] | None = None,
    settings: Settings | None = None,
) -> tuple[str, str]:
    """(prompt, version) for one dimension; the topic, product and trends enter as quoted data."""
    if dimension not in DIMENSIONS:
        raise InputError(f"未知的评判维度：{dimension}（可选：{'、'.join(DIMENSIONS)}）")
    return prompts.render(
        f"judge_{dimension}",
        settings,
        topic=topic,
        product_name=product.name,
        category=product.category,
        noun=product.noun,
        scenarios=product.scenarios,
        forbidden_claims=product.forbidden_claims,
        trends=list(trends or []),
        audience_name=audience.name if audience else "",
        audience_tone=audience.tone if audience else "",
    )


def cache_key(model: str, version: str, prompt: str) -> str:
    return hashlib.sha256("\x1f".join((model, version, prompt)).encode("utf-8")).hexdigest()


def parse(raw: str) -> dict[str, Any]:
    """Strict JSON verdict {"pass", "score", "reasons", "spans"}; ProviderError when malformed."""
    text = _FENCE.sub("", raw.strip())
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ProviderError(f"评判模型没有返回合法 JSON：{raw[:120]!r}") from exc
    if not isinstance(data, dict) or not isinstance(data.get("pass"), bool):
        raise ProviderError(f"评判结果缺少布尔字段 pass：{raw[:120]!r}")
    try:
        score = float(data.get("score", 1.0 if data["pass"] else 0.0))
    except (TypeError, ValueError) as exc:
        raise ProviderError(f"评判结果的 score 不是数字：{raw[:120]!r}") from exc
    reasons = data.get("reasons") or []
    spans = data.get("spans") or []
    if not isinstance(reasons, list) or not isinstance(spans, list):
        raise ProviderError("评判结果的 reasons/spans 应是列表")
    return {
        "pass": data["pass"],
        "score": min(1.0, max(0.0, score)),
        "reasons": [str(r) for r in reasons],
        "spans": [str(s) for s in spans],
    }


def _cached(key: str, settings: Settings) -> dict[str, Any] | None:
    with get_engine(settings).connect() as conn:
        row = conn.execute(select(judge_cache.c.result).where(judge_cache.c.key == key)).first()
    return json.loads(row[0]) if row else None


def _store(key: str, model: str, version: str, dimension: str, verdict: dict, settings: Settings) -> None:
    values = {
        "key": key,
        "model": model,
        "prompt_version": version,
        "dimension": dimension,
        "result": json.dumps(verdict, ensure_ascii=False),
        "created_at": datetime.now(UTC),
    }
    with get_engine(settings).begin() as conn:
        if conn.execute(select(judge_cache.c.key).where(judge_cache.c.key == key)).first() is None:
            conn.execute(judge_cache.insert().values(**values))


def _result(verdict: dict[str, Any], topic: str, model: str, version: str, cached: bool) -> CheckResult:
    spans = []
    for s in verdict["spans"]:
        i = topic.find(s) if s else -1
        if i >= 0:
            spans.append([i, i + len(s)])
    return CheckResult(
        passed=verdict["pass"],
        score=round(verdict["score"], 3),
        reasons=verdict["reasons"] or (["LLM 评判：通过"] if verdict["pass"] else ["LLM 评判：不通过"]),
        details={
            "engine": "llm",
            "model": model,
            "prompt_version": version,
            "cached": cached,
            "spans": spans,
        },
    )


def _prepare(
    dimension: str,
    topic: str,
    product: Product,
    audience: Audience | None,
    trends: list[str] | None,
    chat_model: BaseChatModel | None,
    name: str | None,
    settings: Settings | None,
) -> tuple[Settings, BaseChatModel, str, str, str, str]:
    settings = settings or get_settings()
    chat_model = chat_model if chat_model is not None else get_chat_model(settings, "judge")
    model = name or model_name(chat_model)
    prompt, version = render(dimension, topic, product, audience=audience, trends=trends, settings=settings)
    return settings, chat_model, model, version, prompt, cache_key(model, version, prompt)


def _content(message: Any) -> str:
    content = getattr(message, "content", message)
    return content if isinstance(content, str) else json.dumps(content, ensure_ascii=False)


def judge(
    dimension: str,
    topic: str,
    product: Product,
    *,
    audience: Audience | None = None,
    trends: list[str] | None = None,
    chat_model: BaseChatModel | None = None,
    model_name: str | None = None,
    settings: Settings | None = None,
) -> CheckResult:
    """One dimension judged by the LLM (cached)."""
    settings, chat_model, model, version, prompt, key = _prepare(
        dimension, topic, product, audience, trends, chat_model, model_name, settings
    )
    hit = _cached(key, settings)
    if hit is not None:
        return _result(hit, topic, model, version, cached=True)
    try:
        message = chat_model.invoke(prompt)
    except Exception as exc:  # any provider failure becomes a clear error
        raise ProviderError(f"评判模型调用失败：{type(exc).__name__}: {exc}") from exc
    verdict = parse(_content(message))
    _store(key, model, version, dimension, verdict, settings)
    return _result(verdict, topic, model, version, cached=False)


async def ajudge(
    dimension: str,
    topic: str,
    product: Product,
    *,
    audience: Audience | None = None,
    trends: list[str] | None = None,
    chat_model: BaseChatModel | None = None,
    model_name: str | None = None,
    settings: Settings | None = None,
) -> CheckResult:
    """Async `judge`: eval runs send judge calls concurrently."""
    settings, chat_model, model, version, prompt, key = _prepare(
        dimension, topic, product, audience, trends, chat_model, model_name, settings
    )
    hit = _cached(key, settings)
    if hit is not None:
        return _result(hit, topic, model, version, cached=True)
    try:
        message = await chat_model.ainvoke(prompt)
    except Exception as exc:
        raise ProviderError(f"评判模型调用失败：{type(exc).__name__}: {exc}") from exc
    verdict = parse(_content(message))
    _store(key, model, version, dimension, verdict, settings)
    return _result(verdict, topic, model, version, cached=False)
