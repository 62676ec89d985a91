"""Callbacks of finished batch jobs: which job's callback a worker may send, and every attempt recorded."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import and_, insert, select, update

from assistant.service import leases
from assistant.service.migrate import ensure_columns
from assistant.settings import Settings
from assistant.storage.db import get_engine
from assistant.storage.schema import jobs, webhook_attempts


def now() -> datetime:
    return datetime.now(UTC)


def iso(value: datetime | None) -> str | None:
    aware = leases.aware(value)
    return aware.isoformat() if aware is not None else None


def _engine(settings: Settings | None):
    engine = get_engine(settings)
    ensure_columns(engine, webhook_attempts)
    return engine


def attempts(job_id: str, settings: Settings | None = None) -> list[dict[str, Any]]:
    with _engine(settings).connect() as conn:
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
            "at": iso(r.at),
        }
        for r in rows
    ]


def claim_callbacks(owner: str, settings: Settings | None = None, limit: int = 10) -> list[str]:
    """Take finished jobs with an undelivered callback and no live owner (each goes to exactly one worker)."""
    engine = get_engine(settings)
    with engine.connect() as conn:
        ids = [
            r.id
            for r in conn.execute(
                select(jobs.c.id)
                .where(
                    and_(
                        jobs.c.status.in_(("done", "failed")),
                        jobs.c.callback_state == "pending",
                        jobs.c.owner.is_(None),
                    )
                )
                .limit(limit)
            )
        ]
    claimed = []
    for job_id in ids:
        with engine.begin() as conn:
            guard = and_(jobs.c.id == job_id, jobs.c.owner.is_(None), jobs.c.callback_state == "pending")
            if conn.execute(update(jobs).where(guard).values(owner=owner, heartbeat_at=now())).rowcount == 1:
                claimed.append(job_id)
    return claimed


def set_callback_state(job_id: str, state: str, settings: Settings | None = None) -> None:
    with get_engine(settings).begin() as conn:
        conn.execute(update(jobs).where(jobs.c.id == job_id).values(callback_state=state, updated_at=now()))


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
    with _engine(settings).begin() as conn:
        conn.execute(
            insert(webhook_attempts).values(
                job_id=job_id,
                attempt=attempt,
                url=url,
                status_code=status_code,
                error=error,
                seconds=seconds,
                at=now(),
                reason=reason,
            )
        )
        conn.execute(update(jobs).where(jobs.c.id == job_id).values(heartbeat_at=now()))  # still alive
