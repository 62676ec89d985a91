"""Callback attempts of batch jobs, one row each (shown in the job's `callback.attempts`)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func, insert, select

from assistant.settings import Settings
from assistant.storage.db import get_engine
from assistant.storage.schema import webhook_attempts


def _iso(value: datetime) -> str:
    return (value.replace(tzinfo=UTC) if value.tzinfo is None else value).isoformat()


def attempts(job_id: str, settings: Settings | None = None) -> list[dict[str, Any]]:
    with get_engine(settings).connect() as conn:
        rows = conn.execute(
            select(webhook_attempts)
            .where(webhook_attempts.c.job_id == job_id)
            .order_by(webhook_attempts.c.id)
        ).all()
    return [
        {
            "attempt": r.attempt,
            "url": r.url,
            "status_code": r.status_code,
            "error": r.error,
            "reason": r.reason,
            "seconds": round(r.seconds, 3),
            "at": _iso(r.at),
        }
        for r in rows
    ]


def count(job_id: str, settings: Settings) -> int:
    with get_engine(settings).connect() as conn:
        return conn.execute(
            select(func.count()).select_from(webhook_attempts).where(webhook_attempts.c.job_id == job_id)
        ).scalar_one()


def record_attempt(
    job_id: str,
    attempt: int,
    url: str,
    status_code: int | None,
    error: str | None,
    seconds: float,
    settings: Settings | None = None,
    reason: str | None = None,
) -> None:
    with get_engine(settings).begin() as conn:
        conn.execute(
            insert(webhook_attempts).values(
                job_id=job_id,
                attempt=attempt,
                url=url,
                status_code=status_code,
                error=error,
                seconds=seconds,
                at=datetime.now(UTC),
                reason=reason,
            )
        )
