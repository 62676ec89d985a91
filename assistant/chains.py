"""The LLM path in LCEL: retrieve -> render prompt -> chat model -> structured output (one repair retry)
-> guard with the checks -> revise failing topics once, concurrently -> rank (checks + MMR).

Round trips in sequence: draft (1) + repair (only for malformed output) + revise (all at once).
"""

from __future__ import annotations

import asyncio
import json
import re
from dataclasses import dataclass, field
from typing import Any, Literal

from pydantic import BaseModel, Field, ValidationError

from assistant import prompts
from assistant.errors import ProviderError
from assistant.models import Hook, TokenUsage, Topic, TopicType
from assistant.offline_engine import DayContext
from assistant.ranking import jaccard, mmr
from assistant.settings import Settings

EXTRA_CANDIDATES = 2  # ask for n + 2 so the guard can drop some


class DraftTopic(BaseModel):
    type: TopicType = TopicType.experience
    opening: str = ""
    question: str = Field(..., min_length=2, max_length=200)
    hook_kind: Literal["trend", "calendar", "season", "scenario", "case"] | None = None
    hook_title: str = ""
    bridge: str = ""
    follow_ups: list[str] = []

    def to_topic(self, sources: dict[str, str]) -> Topic:
        hook = None
        if self.hook_kind and self.hook_title.strip():
            hook = Hook(kind=self.hook_kind, title=self.hook_title.strip(),
                        source=sources.get(self.hook_title.strip(), "llm"))  # fmt: skip
        return Topic(type=self.type, opening=self.opening.strip(), question=self.question.strip(), hook=hook,
                     bridge=self.bridge.strip(), follow_ups=[f for f in self.follow_ups if f.strip()][:3])  # fmt: skip


class DraftTopics(BaseModel):
    topics: list[DraftTopic] = Field(..., min_length=1)


class MalformedOutput(ValueError):
    pass


_FENCE = re.compile(r"```(?:json)?\s*(.*?)```", re.S)


def parse_json_object(raw: str, model: type[BaseModel]) -> BaseModel:
    """Tolerant parser: strips code fences and chatter around the JSON; a bare list means `topics`."""
    text = (raw or "").strip()
    m = _FENCE.search(text)
    if m:
        text = m.group(1).strip()
    starts = [i for i in (text.find("{"), text.find("[")) if i >= 0]
    if not starts:
        raise MalformedOutput("输出里没有 JSON")
    start = min(starts)
    end = max(text.rfind("}"), text.rfind("]"))
    try:
        data = json.loads(text[start : end + 1])
    except json.JSONDecodeError as exc:
        raise MalformedOutput(f"JSON 语法错误：{exc.msg}（第 {exc.pos} 个字符）") from exc
    if isinstance(data, list):
        data = {"topics": data}
    if model is DraftTopic and isinstance(data, dict) and "topic" in data and isinstance(data["topic"], dict):
        data = data["topic"]
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        raise MalformedOutput(f"字段不符合要求：{'.'.join(map(str, first['loc']))} {first['msg']}") from exc


def _content(message: Any) -> str:
    content = getattr(message, "content", message)
    if isinstance(content, list):
        return "".join(part.get("text", "") if isinstance(part, dict) else str(part) for part in content)
    return str(content)


@dataclass
class Usage:
    calls: int = 0
    input_tokens: int = 0
    output_tokens: int = 0
    round_trips: int = 0

    def add(self, message: Any) -> None:
        self.calls += 1
        meta = getattr(message, "usage_metadata", None) or {}
        if not meta:
            raw = (getattr(message, "response_metadata", None) or {}).get("token_usage") or {}
            meta = {
                "input_tokens": raw.get("prompt_tokens", 0),
                "output_tokens": raw.get("completion_tokens", 0),
            }
        self.input_tokens += int(meta.get("input_tokens") or 0)
        self.output_tokens += int(meta.get("output_tokens") or 0)

    def public(self) -> TokenUsage:
        return TokenUsage(calls=self.calls, input_tokens=self.input_tokens, output_tokens=self.output_tokens)


@dataclass
class LLMDraft:
    topics: list[Topic]
    usage: Usage
    prompt_versions: dict[str, str] = field(default_factory=dict)


def _messages(system: str, user: str) -> list[Any]:
    from langchain_core.messages import HumanMessage, SystemMessage

    return [SystemMessage(content=system), HumanMessage(content=user)]


def _product_data(ctx: DayContext) -> dict[str, Any]:
    p = ctx.product
    from assistant.offline_engine import everyday_noun

    return {"商品名": p.name, "日常叫法": everyday_noun(p), "类目": p.category, "卖点": p.selling_points,
            "使用场景": p.scenarios, "禁止宣称": p.forbidden_claims}  # fmt: skip


def _audience_data(ctx: DayContext) -> dict[str, Any] | None:
    a = ctx.audience
    if a is None:
        return None
    return {"群名": a.name, "称呼": a.address, "描述": a.description, "兴趣": a.interests, "语气": a.tone}


def render_draft(ctx: DayContext, count: int, cases: list[dict[str, str]], settings: Settings,
                 schema: bool) -> tuple[list[Any], dict[str, str]]:  # fmt: skip
    system, v1 = prompts.render("draft_system", settings)
    trends = [*ctx.user_trends, *(t.title for t in ctx.trends)]
    events = [{"名称": e.name, "类型": e.kind, "距今天数": e.days_from} for e in ctx.events]
    user, v2 = prompts.render(
        "draft_topics", settings, day=ctx.date.isoformat(), count=count, types=[t.value for t in TopicType],
        product=_product_data(ctx), audience=_audience_data(ctx), events=events, trends=trends, cases=cases,
        recent=ctx.recent[-20:], schema=_schema(DraftTopics) if schema else "",
    )  # fmt: skip
    return _messages(system, user), {"draft_system": v1, "draft_topics": v2}


def _schema(model: type[BaseModel]) -> str:
    return json.dumps(model.model_json_schema(), ensure_ascii=False)


class Structured:
    """Structured output with the configured method and one repair retry for malformed output."""

    def __init__(self, chat_model: Any, settings: Settings, usage: Usage):
        self.model = chat_model
        self.settings = settings
        self.usage = usage
        self.method = settings.llm_structured_method
        self.versions: dict[str, str] = {}

    async def _call(self, messages: list[Any], schema: type[BaseModel]) -> tuple[BaseModel | None, str, str]:
        if self.method == "prompt":
            message = await self.model.ainvoke(messages)
            self.usage.add(message)
            raw = _content(message)
            try:
                return parse_json_object(raw, schema), raw, ""
            except MalformedOutput as exc:
                return None, raw, str(exc)
        runnable = self.model.with_structured_output(schema, method=self.method, include_raw=True)
        out = await runnable.ainvoke(messages)
        self.usage.add(out["raw"])
        raw = _content(out["raw"])
        if out.get("parsed") is not None:
            return out["parsed"], raw, ""
        try:  # some servers put the JSON in the text anyway
            return parse_json_object(raw, schema), raw, ""
        except MalformedOutput as exc:
            return None, raw, str(out.get("parsing_error") or exc)

    async def ainvoke(self, messages: list[Any], schema: type[BaseModel]) -> BaseModel:
        parsed, raw, error = await self._call(messages, schema)
        if parsed is not None:
            return parsed
        repair, version = prompts.render("repair_topics", self.settings, error=error, raw=raw[:4000],
                                         schema=_schema(schema))  # fmt: skip
        self.versions["repair_topics"] = version
        parsed, raw, error = await self._call([*messages, _ai(raw), _human(repair)], schema)
        if parsed is None:
            raise ProviderError(f"模型两次输出都不是合格的 JSON：{error}")
        return parsed


def _ai(text: str) -> Any:
    from langchain_core.messages import AIMessage

    return AIMessage(content=text)


def _human(text: str) -> Any:
    from langchain_core.messages import HumanMessage

    return HumanMessage(content=text)


def _check(topic: Topic, ctx: DayContext) -> Topic:
    from assistant.checks import run_checks

    trend = [topic.hook.title] if topic.hook and topic.hook.kind == "trend" else None
    report = run_checks(topic.text[:2000], ctx.product, audience=ctx.audience, date=ctx.date, trend=trend)
    topic.checks = report.checks
    topic.score = report.score if report.passed else report.score - 1
    return topic


def problems(topic: Topic) -> list[str]:
    return [f"{name}: {'；'.join(r.reasons[:2])}" for name, r in topic.checks.items() if not r.passed]


async def arevise_llm(structured: Structured, topic: Topic, instruction: str, ctx: DayContext,
                      trends: list[str] | None = None) -> Topic:  # fmt: skip
    system, _ = prompts.render("draft_system", structured.settings)
    data = {"type": topic.type.value, "opening": topic.opening, "question": topic.question,
            "bridge": topic.bridge, "follow_ups": topic.follow_ups}  # fmt: skip
    user, version = prompts.render(
        "revise_topic", structured.settings, instruction=instruction, problems=problems(topic), topic=data,
        product=_product_data(ctx), audience=_audience_data(ctx), trends=trends or [], schema=_schema(DraftTopic),
    )  # fmt: skip
    structured.versions["revise_topic"] = version
    draft = await structured.ainvoke(_messages(system, user), DraftTopic)
    new = draft.to_topic({})  # type: ignore[attr-defined]
    if new.hook is None:
        new.hook = topic.hook
    return _check(new, ctx)


def _retrieve(ctx: DayContext, settings: Settings) -> Any:
    """LCEL retrieval step: cases from the index (when built), the rest already in the context."""
    from langchain_core.runnables import RunnableLambda, RunnableParallel

    def cases(_: Any) -> list[dict[str, str]]:
        try:
            from assistant.retrieval import search

            hits = search(f"{ctx.product.noun} 群话题 {ctx.audience.name if ctx.audience else ''}", kind="cases",
                          date=ctx.date, k=3, settings=settings)  # fmt: skip
        except Exception:  # noqa: BLE001 - no index: draft without cases
            return []
        return [{"标题": h.title, "摘录": h.text[:300], "来源": h.source} for h in hits]

    return RunnableParallel(cases=RunnableLambda(cases))


async def adraft_llm(
    ctx: DayContext, n: int, chat_model: Any, settings: Settings
) -> tuple[LLMDraft, list[Any]]:
    """Returns the ranked topics and the retrieved case hits (for provenance)."""
    from langchain_core.runnables import RunnableLambda

    usage = Usage()
    structured = Structured(chat_model, settings, usage)
    versions: dict[str, str] = {}

    def render(data: dict[str, Any]) -> dict[str, Any]:
        messages, v = render_draft(ctx, n + EXTRA_CANDIDATES, data["cases"], settings,
                                   schema=settings.llm_structured_method == "prompt")  # fmt: skip
        versions.update(v)
        data["messages"] = messages
        return data

    chain = _retrieve(ctx, settings) | RunnableLambda(render)
    data = await chain.ainvoke({})
    usage.round_trips += 1
    drafted = await structured.ainvoke(data["messages"], DraftTopics)
    sources = {t.title: (t.url or f"{t.platform} {t.date.isoformat()}") for t in ctx.trends}
    sources.update({e.name: f"calendar:{e.date.isoformat()}" for e in ctx.events})
    sources.update({t: "用户输入" for t in ctx.user_trends})
    topics = [_check(d.to_topic(sources), ctx) for d in drafted.topics]  # type: ignore[attr-defined]
    failing = [i for i, t in enumerate(topics) if t.score < 0]
    if failing:
        usage.round_trips += 1
        fixed = await asyncio.gather(
            *(arevise_llm(structured, topics[i], "修正检查发现的问题", ctx) for i in failing),
            return_exceptions=True,
        )
        for i, new in zip(failing, fixed, strict=True):
            if isinstance(new, Topic) and new.score > topics[i].score:
                topics[i] = new
    versions.update(structured.versions)
    ranked = rank(topics, n)
    return LLMDraft(ranked, usage, versions), data["cases"]


def rank(topics: list[Topic], n: int) -> list[Topic]:
    """Passing topics first (checks score), diverse by MMR; never a non-compliant topic."""
    ok = [t for t in topics if t.checks.get("compliance") and t.checks["compliance"].passed]
    ok.sort(key=lambda t: -t.score)

    def sim(a: Topic, b: Topic) -> float:
        return 0.6 * jaccard(a.text, b.text) + 0.4 * (a.type == b.type)

    return mmr(ok, [t.score for t in ok], sim, n)
