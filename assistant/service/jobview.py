"""The public view of a batch job (`GET /v1/jobs/{id}`, the callback's body): read from the ledger only."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select

from assistant.errors import NotFoundError
from assistant.service.callbacks import attempts
from assistant.settings import Settings
from assistant.storage.db import get_engine
from assistant.storage.schema import job_items, jobs


def iso(value: datetime | None) -> str | None:
    if value is None:
        return None
    return (value.replace(tzinfo=UTC) if value.tzinfo is None else value).isoformat()


def get_job(
    job_id: str, settings: Settings, key_id: str | None = None, *, results: bool = True
) -> dict[str, Any]:
    """Status, counters, the inputs (credentials masked), finished items' results in index order, callback.
    With `key_id`, a job of another key is reported as not found; `results=False` leaves the results out."""
    with get_engine(settings).connect() as conn:
        row = conn.execute(select(jobs).where(jobs.c.id == job_id)).first()
        if row is None or (key_id is not None and row.key_id != key_id):
            raise NotFoundError(f"找不到任务 {job_id}")
        finished = []
        if results:
            finished = [
                r.result
                for r in conn.execute(
                    select(job_items.c.result)
                    .where(job_items.c.job_id == job_id, job_items.c.status.in_(("ok", "error")))
                    .order_by(job_items.c.idx)
                )
            ]
    return {
        "id": row.id,
        "status": row.status,
        "total": row.total,
        "completed": row.ok + row.failed,
        "failed": row.failed,
        "items": list(row.items),
        "results": finished,
        "error": row.error,
        "resumes": row.resumes,
        "created_at": iso(row.created_at),
        "updated_at": iso(row.updated_at),
        "callback": None
        if not row.callback_url
        else {"url": row.callback_url, "state": row.callback_state, "attempts": attempts(job_id, settings)},
    }
