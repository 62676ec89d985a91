"""Chat conversations persisted in SQL: sessions (with the plan they work on) and their messages.

Tables live in `assistant.storage.schema`, so they are created with everything else and survive restarts.
"""

from __future__ import annotations

import json
import secrets
from datetime import UTC, datetime
from typing import Any, Literal

from pydantic import BaseModel
from sqlalchemy import insert, select, update

from assistant.errors import InputError, NotFoundError
from assistant.settings import Settings
from assistant.storage.db import get_engine
from assistant.storage.schema import chat_messages, chat_sessions

MAX_MESSAGE_CHARS = 2000
MAX_TITLE_CHARS = 60


class ChatMessage(BaseModel):
    id: int
    role: Literal["user", "assistant"]
    content: str
    engine: str | None = None
    model: str | None = None
    data: dict[str, Any] = {}
    created_at: datetime


class ChatSession(BaseModel):
    id: str
    title: str = ""
    plan_id: str | None = None
    created_at: datetime
    updated_at: datetime
    messages: list[ChatMessage] = []


def _now() -> datetime:
    return datetime.now(UTC)


def _aware(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def create_session(title: str = "", settings: Settings | None = None) -> ChatSession:
    engine = get_engine(settings)
    now = _now()
    sid = secrets.token_hex(8)
    with engine.begin() as conn:
        conn.execute(
            insert(chat_sessions).values(
                id=sid, title=title[:MAX_TITLE_CHARS], plan_id=None, created_at=now, updated_at=now
            )
        )
    return ChatSession(id=sid, title=title[:MAX_TITLE_CHARS], created_at=now, updated_at=now)


def get_session(session_id: str, settings: Settings | None = None, with_messages: bool = True) -> ChatSession:
    engine = get_engine(settings)
    with engine.connect() as conn:
        row = conn.execute(select(chat_sessions).where(chat_sessions.c.id == session_id)).mappings().first()
        if row is None:
            raise NotFoundError(f"找不到对话 {session_id}", hint="用 /new 或 POST /v1/chat/sessions 新建一个")
        messages: list[ChatMessage] = []
        if with_messages:
            rows = conn.execute(
                select(chat_messages)
                .where(chat_messages.c.session_id == session_id)
                .order_by(chat_messages.c.id)
            ).mappings()
            messages = [
                ChatMessage(
                    id=r["id"],
                    role=r["role"],
                    content=r["content"],
                    engine=r["engine"],
                    model=r["model"],
                    data=json.loads(r["data"]) if r["data"] else {},
                    created_at=_aware(r["created_at"]),
                )
                for r in rows
            ]
    return ChatSession(
        id=row["id"],
        title=row["title"],
        plan_id=row["plan_id"],
        created_at=_aware(row["created_at"]),
        updated_at=_aware(row["updated_at"]),
        messages=messages,
    )


def list_sessions(limit: int = 20, settings: Settings | None = None) -> list[ChatSession]:
    engine = get_engine(settings)
    with engine.connect() as conn:
        rows = conn.execute(
            select(chat_sessions).order_by(chat_sessions.c.updated_at.desc()).limit(limit)
        ).mappings()
        return [
            ChatSession(
                id=r["id"],
                title=r["title"],
                plan_id=r["plan_id"],
                created_at=_aware(r["created_at"]),
                updated_at=_aware(r["updated_at"]),
            )
            for r in rows
        ]


def validate_message(message: str) -> str:
    text = (message or "").strip()
    if not text:
        raise InputError(
            "消息不能为空，说说你想要什么，例如：明天卖空气炸锅，宝妈群，给我三个话题", field="message"
        )
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:  # undecodable bytes (surrogate escapes) or lone surrogates from JSON
        raise InputError(
            "消息里有无法识别的字符（不是有效的 UTF-8 文字），请重新输入", field="message"
        ) from None
    if len(text) > MAX_MESSAGE_CHARS:
        raise InputError(f"消息太长（{len(text)} 字），请控制在 {MAX_MESSAGE_CHARS} 字以内", field="message")
    return text


def add_message(
    session_id: str,
    role: str,
    content: str,
    *,
    engine_name: str | None = None,
    model: str | None = None,
    data: dict[str, Any] | None = None,
    settings: Settings | None = None,
) -> ChatMessage:
    engine = get_engine(settings)
    now = _now()
    with engine.begin() as conn:
        result = conn.execute(
            insert(chat_messages).values(
                session_id=session_id,
                role=role,
                content=content,
                engine=engine_name,
                model=model,
                data=json.dumps(data, ensure_ascii=False) if data else None,
                created_at=now,
            )
        )
        values: dict[str, Any] = {"updated_at": now}
        if role == "user":
            row = conn.execute(select(chat_sessions.c.title).where(chat_sessions.c.id == session_id)).first()
            if row is not None and not row[0]:
                values["title"] = content[:MAX_TITLE_CHARS]
        conn.execute(update(chat_sessions).where(chat_sessions.c.id == session_id).values(**values))
    key = result.inserted_primary_key
    assert key is not None
    return ChatMessage(
        id=key[0],
        role=role,
        content=content,
        engine=engine_name,
        model=model,
        data=data or {},
        created_at=now,
    )


def set_plan(session_id: str, plan_id: str | None, settings: Settings | None = None) -> None:
    engine = get_engine(settings)
    with engine.begin() as conn:
        conn.execute(
            update(chat_sessions)
            .where(chat_sessions.c.id == session_id)
            .values(plan_id=plan_id, updated_at=_now())
        )
