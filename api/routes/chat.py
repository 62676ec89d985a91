"""Chat endpoints: create a session, send a message (SSE when asked for, JSON otherwise), read a session."""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import AsyncIterator
from typing import Any

from fastapi import APIRouter, Body, Request, status
from fastapi.responses import StreamingResponse
from pydantic import BaseModel, Field

from api.deps import ApiKeyDep
from api.routing import AuthFirstRoute
from api.schemas import problems
from assistant import chat
from assistant.chat import sessions
from assistant.errors import HuatiError

router = APIRouter(prefix="/v1/chat", tags=["对话"], route_class=AuthFirstRoute)
log = logging.getLogger("huati.api.chat")


class ChatSessionCreate(BaseModel):
    title: str = Field("", max_length=sessions.MAX_TITLE_CHARS)


class ChatMessageCreate(BaseModel):
    message: str = Field(..., min_length=1, max_length=sessions.MAX_MESSAGE_CHARS, description="用户的一句话")


class ChatSessionPublic(BaseModel):
    id: str
    title: str
    plan_id: str | None
    created_at: Any
    updated_at: Any
    messages: list[sessions.ChatMessage] = []


class ChatReplyPublic(BaseModel):
    session_id: str
    reply: str = Field(..., description="助手的回复；最后一行写明是哪个引擎回答的")
    engine: str
    model: str
    tools: list[str]
    plan_id: str | None
    fallback_reason: str | None
    message: sessions.ChatMessage


def _public(reply: chat.ChatReply) -> dict[str, Any]:
    return ChatReplyPublic(
        session_id=reply.session_id,
        reply=reply.message.content,
        engine=reply.engine,
        model=reply.model,
        tools=reply.tools,
        plan_id=reply.plan_id,
        fallback_reason=reply.fallback_reason,
        message=reply.message,
    ).model_dump(mode="json")


def sse(event: str, data: dict[str, Any]) -> str:
    """One Server-Sent Events frame; data is one JSON line, so newlines in text cannot break the framing."""
    return f"event: {event}\ndata: {json.dumps(data, ensure_ascii=False)}\n\n"


async def _produce(session_id: str, message: str, queue: asyncio.Queue) -> None:
    try:
        async for item in chat.astream(session_id, message):
            await queue.put(item)
    except HuatiError as exc:
        await queue.put(exc)
    except Exception as exc:  # reported as a generic error event
        log.exception("chat stream failed")
        await queue.put(exc)
    finally:
        await queue.put(None)


async def _events(session_id: str, message: str) -> AsyncIterator[str]:
    """SSE frames. The turn runs in its own task, so a client that disconnects mid-stream does not cut it
    short: the reply is still stored with the session."""
    queue: asyncio.Queue = asyncio.Queue()
    task = asyncio.create_task(_produce(session_id, message, queue))
    _RUNNING.add(task)
    task.add_done_callback(_RUNNING.discard)
    while (item := await queue.get()) is not None:
        if isinstance(item, str):
            yield sse("token", {"text": item})
        elif isinstance(item, chat.ChatReply):
            yield sse("done", _public(item))
        elif isinstance(item, HuatiError):
            yield sse("error", {"title": item.title, "status": item.status, "detail": str(item)})
        else:
            yield sse("error", {"title": "内部错误", "status": 500, "detail": "服务器内部错误，请稍后再试"})


_RUNNING: set[asyncio.Task] = set()  # keep references so unfinished turns are not garbage-collected


@router.post(
    "/sessions",
    status_code=status.HTTP_201_CREATED,
    response_model=ChatSessionPublic,
    summary="开一个新对话",
    responses={201: {"description": "新对话"}, **problems()},
)
def create_session(_key: ApiKeyDep, body: ChatSessionCreate | None = Body(None)) -> Any:
    return chat.new_session((body.title if body else "").strip()).model_dump(mode="json")


@router.get(
    "/sessions/{session_id}",
    response_model=ChatSessionPublic,
    summary="读取对话（含全部消息）",
    responses={200: {"description": "对话和消息"}, **problems(404)},
)
def read_session(session_id: str, _key: ApiKeyDep) -> Any:
    return sessions.get_session(session_id).model_dump(mode="json")


@router.post(
    "/sessions/{session_id}/messages",
    response_model=ChatReplyPublic,
    summary="发一条消息：JSON 回复，或 Accept: text/event-stream 时流式返回",
    responses={
        200: {
            "content": {"text/event-stream": {}},
            "description": "JSON 回复；或 SSE 事件 `token`（{text}，分段文本）、`done`（完整回复）、"
            "`error`（{title, status, detail}）",
        },
        **problems(404),
    },
)
async def post_message(session_id: str, body: ChatMessageCreate, request: Request, _key: ApiKeyDep) -> Any:
    text = sessions.validate_message(body.message)
    sessions.get_session(session_id, with_messages=False)  # 404 before any streaming starts
    if "text/event-stream" in request.headers.get("accept", ""):
        return StreamingResponse(
            _events(session_id, text),
            media_type="text/event-stream",
            headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
        )
    return _public(await chat.arespond(session_id, text))
