"""Structured output in LCEL: chat model -> tolerant JSON parser -> one repair call for malformed output.

`structured_output(chat_model, settings, schema)` is a Runnable from `{"messages": [...], "run": Run}` to a
`schema` instance. `Run` records what one plan (or one revision) cost: model calls, tokens from each
response's `usage_metadata` (or the OpenAI `token_usage`), sequential round trips, prompt versions.
"""

from __future__ import annotations

import asyncio
import json
import re
import threading
from collections import Counter
from dataclasses import dataclass, field
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ValidationError

from assistant.errors import ProviderError
from assistant.llm import prompts
from assistant.models import TokenUsage
from assistant.settings import Settings

if TYPE_CHECKING:
    from langchain_core.language_models import BaseChatModel


class MalformedOutput(ValueError):
    pass


_FENCE = re.compile(r"```(?:json)?\s*(.*?)```", re.S)


def parse_json_object(raw: str, model: type[BaseModel]) -> BaseModel:
    """Tolerant parser: strips code fences and chatter around the JSON; a bare list means `topics`;
    `{"topic": {...}}` around a single object is unwrapped."""
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
    if (
        isinstance(data, dict)
        and "topic" not in model.model_fields
        and len(data) == 1
        and isinstance(data.get("topic"), dict)
    ):
        data = data["topic"]
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        raise MalformedOutput(f"字段不符合要求：{'.'.join(map(str, first['loc']))} {first['msg']}") from exc


def content(message: Any) -> str:
    value = getattr(message, "content", message)
    if isinstance(value, list):
        return "".join(part.get("text", "") if isinstance(part, dict) else str(part) for part in value)
    return str(value)


@dataclass
class Usage:
    calls: int = 0
    input_tokens: int = 0
    output_tokens: int = 0
    round_trips: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def add(self, message: Any) -> None:
        meta = getattr(message, "usage_metadata", None) or {}
        if not meta:
            raw = (getattr(message, "response_metadata", None) or {}).get("token_usage") or {}
            meta = {
                "input_tokens": raw.get("prompt_tokens", 0),
                "output_tokens": raw.get("completion_tokens", 0),
            }
        with self._lock:
            self.calls += 1
            self.input_tokens += int(meta.get("input_tokens") or 0)
            self.output_tokens += int(meta.get("output_tokens") or 0)

    def public(self) -> TokenUsage:
        return TokenUsage(calls=self.calls, input_tokens=self.input_tokens, output_tokens=self.output_tokens)


@dataclass
class Run:
    """Per-invocation record shared by the steps of one chain run."""

    usage: Usage = field(default_factory=Usage)
    versions: dict[str, str] = field(default_factory=dict)
    dropped: Counter[str] = field(default_factory=Counter)


@lru_cache(maxsize=16)
def schema_json(model: type[BaseModel]) -> str:
    return json.dumps(model.model_json_schema(), ensure_ascii=False)


def messages(system: str, user: str) -> list[Any]:
    from langchain_core.messages import HumanMessage, SystemMessage

    return [SystemMessage(content=system), HumanMessage(content=user)]


def pick(key: str) -> Any:
    """`itemgetter` as an async Runnable: a sync lambda would hop to a thread pool on every `ainvoke`."""
    from langchain_core.runnables import RunnableLambda

    async def get(x: dict[str, Any]) -> Any:
        return x[key]

    return RunnableLambda(get, name=f"pick_{key}")


def structured_output(
    chat_model: BaseChatModel, settings: Settings, schema: type[BaseModel], key: str | None = None
) -> Any:
    """Runnable `{"messages", "run", ...} -> schema instance` (or, with `key`, the input dict plus
    `{key: instance}`): the model call, the tolerant parser, and one repair call for malformed output
    (`prompts/repair_topics.j2`); a second malformed output raises ProviderError."""
    from langchain_core.messages import AIMessage, HumanMessage
    from langchain_core.runnables import Runnable, RunnableLambda, RunnablePassthrough, RunnableSequence

    method = settings.llm_structured_method
    llm: Runnable[Any, Any] = chat_model
    if method != "prompt":
        llm = chat_model.with_structured_output(schema, method=method, include_raw=True)

    async def parse(x: dict[str, Any]) -> dict[str, Any]:
        x = dict(x)
        out = x.pop("out")
        message = out["raw"] if isinstance(out, dict) else out
        x["run"].usage.add(message)
        x["raw"] = raw = content(message)
        x["parsed"], x["error"] = None, ""
        if isinstance(out, dict) and out.get("parsed") is not None:
            x["parsed"] = out["parsed"]
            return x
        try:  # prompt method; or a server that put the JSON in the text anyway
            x["parsed"] = parse_json_object(raw, schema)
        except MalformedOutput as exc:
            error = out.get("parsing_error") if isinstance(out, dict) else None
            x["error"] = str(error or exc)
        return x

    async def bounded(msgs: Any) -> Any:
        """One model call, retries included, within HUATI_LLM_TIMEOUT seconds."""
        try:
            return await asyncio.wait_for(llm.ainvoke(msgs), timeout=settings.llm_timeout)
        except TimeoutError as exc:
            raise ProviderError(f"大模型在 {settings.llm_timeout:g} 秒内没有答完（含重试）") from exc

    call = RunnablePassthrough.assign(
        out=RunnableSequence(pick("messages"), RunnableLambda(bounded, name="call_model"))
    )
    attempt: Runnable[dict[str, Any], dict[str, Any]] = RunnableSequence(
        call, RunnableLambda(parse, name="parse")
    )

    def done(x: dict[str, Any]) -> Any:
        parsed = x["parsed"]
        if key is None:
            return parsed
        state = {k: v for k, v in x.items() if k not in ("raw", "parsed", "error", "first_messages")}
        return {**state, "messages": x.get("first_messages", x["messages"]), key: parsed}

    async def repair(x: dict[str, Any]) -> dict[str, Any]:
        text, version = prompts.render(
            "repair_topics", settings, error=x["error"], raw=x["raw"][:4000], schema=schema_json(schema)
        )
        x["run"].versions["repair_topics"] = version
        x["run"].usage.round_trips += 1
        msgs = [*x["messages"], AIMessage(content=x["raw"]), HumanMessage(content=text)]
        return {**x, "first_messages": x["messages"], "messages": msgs}

    async def final(x: dict[str, Any]) -> Any:
        if x["parsed"] is None:
            raise ProviderError(f"模型两次输出都不是合格的 JSON：{x['error']}")
        return done(x)

    repaired: Runnable[dict[str, Any], Any] = RunnableSequence(
        RunnableLambda(repair, name="repair"), attempt, RunnableLambda(final, name="final")
    )

    async def route(x: dict[str, Any]) -> Any:
        # a Runnable returned by a RunnableLambda is invoked with the same input: the repair retry
        return done(x) if x["parsed"] is not None else repaired

    return RunnableSequence(
        call, RunnableLambda(parse, name="parse"), RunnableLambda(route, name=f"structured_{schema.__name__}")
    )
