"""Operators' chat over Huati's tools: `respond()` (one reply) and `astream()` (text chunks, then the reply).

With an LLM configured (or a `chat_model` passed) a tool-calling agent answers; otherwise, or when the
provider fails, the offline intent router does. Every reply records and states which engine answered.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel

from assistant.chat import replies, sessions
from assistant.chat.tools import ChatContext, ToolResult
from assistant.errors import HuatiError
from assistant.llm.choice import choose_model
from assistant.models import Topic
from assistant.settings import OFFLINE_MODEL, Settings, get_settings
from assistant.sync import run_sync

if TYPE_CHECKING:
    from langchain_core.language_models import BaseChatModel

__all__ = ["ChatReply", "astream", "respond", "new_session"]


class ChatReply(BaseModel):
    session_id: str
    message: sessions.ChatMessage
    engine: str
    model: str
    tools: list[str] = []
    plan_id: str | None = None
    fallback_reason: str | None = None
    prompt_versions: dict[str, str] = {}


def new_session(title: str = "", settings: Settings | None = None) -> sessions.ChatSession:
    return sessions.create_session(title, settings)


def _context(
    session: sessions.ChatSession, settings: Settings, chat_model: BaseChatModel | None
) -> ChatContext:
    from assistant.retrieval import today

    ctx = ChatContext(
        session_id=session.id,
        settings=settings,
        plan_id=session.plan_id,
        chat_model=chat_model,
        today=today(),
    )
    for msg in session.messages:
        for step in msg.data.get("steps", []):
            if step.get("tool") == "draft":
                ctx.revised, ctx.focus = {}, None
            elif step.get("tool") in ("revise", "show") and step.get("plan_id") == ctx.plan_id:
                ctx.focus = int(step["index"])
                if step.get("topic") and not step.get("revision_id"):  # before revisions were saved in plans
                    ctx.revised[ctx.focus] = Topic.model_validate(step["topic"])
    return ctx


def _step_record(result: ToolResult) -> dict[str, Any]:
    record: dict[str, Any] = {"tool": result.tool, "plan_id": result.plan_id}
    if result.tool == "revise":
        record.update(
            index=result.data["index"], topic=result.data["topic"], revision_id=result.data["revision_id"]
        )
    elif result.tool == "show":
        record.update(index=result.data["index"])
    elif result.tool == "draft":
        record.update(topics=result.data.get("topics", []))
    return record


async def _answer(ctx: ChatContext, session: sessions.ChatSession, text: str) -> AsyncIterator[str | dict]:
    """Reply text chunks, then a dict: body, engine, model, steps, fallback_reason."""
    from assistant.chat.agent import AgentDone, AgentFailed, run_agent
    from assistant.chat.offline import answer_offline

    choice = choose_model(ctx.settings, "chat", chat_model=ctx.chat_model, on_config_error="fallback")
    ctx.chat_model, fallback = choice.model, choice.fallback_reason
    streamed = ""
    if ctx.chat_model is not None:
        name = choice.name
        try:
            async for item in run_agent(ctx, session.messages, text):
                if isinstance(item, AgentDone):
                    yield {
                        "body": item.reply,
                        "engine": "llm",
                        "model": name,
                        "steps": item.steps,
                        "prompt_versions": item.versions,
                    }
                    return
                streamed += item
                yield item
        except AgentFailed as exc:
            fallback = f"大模型出错（{exc}），已改用离线引擎"
            ctx.chat_model = None
            if streamed:  # the partial LLM text stays visible; the offline answer follows it
                yield "\n"
            if any("error" not in step for step in exc.steps):  # tools ran: reuse them, never run twice
                body = "\n\n".join(exc.results) if exc.results else "大模型调用的工具没有完成，请再说一次。"
                for line in body.splitlines(keepends=True):
                    yield line
                body = f"{streamed}\n{body}" if streamed else body
                yield {
                    "body": body,
                    "engine": "offline",
                    "model": OFFLINE_MODEL,
                    "steps": exc.steps,
                    "fallback_reason": fallback + "（本轮已执行的工具结果照原样给出，没有重复执行）",
                }
                return
    body, steps = await asyncio.to_thread(answer_offline, ctx, text)
    for line in body.splitlines(keepends=True):  # line by line: the page renders as it arrives
        yield line
        await asyncio.sleep(0)
    body = f"{streamed}\n{body}" if streamed else body
    yield {
        "body": body,
        "engine": "offline",
        "model": OFFLINE_MODEL,
        "steps": steps,
        "fallback_reason": fallback,
    }


async def astream(
    session_id: str, message: str, settings: Settings | None = None, chat_model: BaseChatModel | None = None
) -> AsyncIterator[str | ChatReply]:
    """Yield reply text chunks as they are ready, then the stored `ChatReply` as the final item."""
    settings = settings or get_settings()
    text = sessions.validate_message(message)
    session = sessions.get_session(session_id, settings)
    sessions.add_message(session_id, "user", text, settings=settings)
    ctx = _context(session, settings, chat_model)
    meta: dict[str, Any] = {}
    async for item in _answer(ctx, session, text):
        if isinstance(item, dict):
            meta = item
        else:
            yield item
    footer = replies.engine_line(meta["engine"], meta["model"], fell_back=bool(meta.get("fallback_reason")))
    if meta.get("fallback_reason"):
        footer = f"（{meta['fallback_reason']}）\n{footer}"
    tail = f"\n{footer}" if not meta["body"].endswith("\n") else footer
    yield tail
    full = meta["body"] + tail
    if ctx.plan_id != session.plan_id:
        sessions.set_plan(session_id, ctx.plan_id, settings)
    data = {
        "steps": meta["steps"],
        "fallback_reason": meta.get("fallback_reason"),
        "prompt_versions": meta.get("prompt_versions", {}),
    }
    stored = sessions.add_message(
        session_id,
        "assistant",
        full,
        engine_name=meta["engine"],
        model=meta["model"],
        data=data,
        settings=settings,
    )
    yield ChatReply(
        session_id=session_id,
        message=stored,
        engine=meta["engine"],
        model=meta["model"],
        tools=[s["tool"] for s in meta["steps"]],
        plan_id=ctx.plan_id,
        fallback_reason=meta.get("fallback_reason"),
        prompt_versions=meta.get("prompt_versions", {}),
    )


async def arespond(
    session_id: str, message: str, settings: Settings | None = None, chat_model: BaseChatModel | None = None
) -> ChatReply:
    final: ChatReply | None = None
    async for item in astream(session_id, message, settings, chat_model):
        if isinstance(item, ChatReply):
            final = item
    assert final is not None
    return final


def respond(
    session_id: str, message: str, settings: Settings | None = None, chat_model: BaseChatModel | None = None
) -> ChatReply:
    """One chat turn, stored with the session. Raises HuatiError for a missing session or empty message."""
    return run_sync(arespond(session_id, message, settings, chat_model))


def error_reply(exc: HuatiError) -> str:
    return f"没办法完成：{exc}"
