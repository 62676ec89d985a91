"""Batch jobs and webhook attempts, stored in SQL so any API worker can resume them.

A job is claimed with a conditional UPDATE (only one worker wins). While a process holds a job
(`holding`), `leases.keeper` beats its heartbeat from a background thread, also in the middle of a slow
item; each item's result is saved as soon as it is made. A worker that dies leaves the job `running`:
`recover()` requeues it only when its owner is dead (see `assistant.service.leases.owner_alive`; finished items are
kept, not redone) or, after `MAX_RESUMES` interruptions, marks it failed with the finished items still in
`results`. Idempotency-Key reservations live in `assistant.service.idempotency` (imported here for its table).
"""

from __future__ import annotations

import json
import logging
import secrets
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import (
    and_,
    insert,
    select,
    update,
)

from assistant.errors import HuatiError, NotFoundError
from assistant.service import leases
from assistant.service.callbacks import attempts
from assistant.service.migrate import ensure_columns
from assistant.settings import Settings
from assistant.storage.db import get_engine
from assistant.storage.schema import jobs, webhook_attempts

log = logging.getLogger("huati.jobs")

MAX_RESUMES = 3
STALE_AFTER = timedelta(seconds=60)  # an owner on another host whose heartbeat is older than this is gone


def _now() -> datetime:
    return datetime.now(UTC)


def _iso(value: datetime | None) -> str | None:
    aware = leases.aware(value)
    return aware.isoformat() if aware is not None else None


def worker_id() -> str:
    return leases.worker_id()


# --------------------------------------------------------------------------- jobs


def create_job(
    key_id: str,
    items: list[dict[str, Any]],
    callback_url: str | None = None,
    settings: Settings | None = None,
) -> str:
    job_id = "job_" + secrets.token_hex(8)
    now = _now()
    with get_engine(settings).begin() as conn:
        conn.execute(
            insert(jobs).values(
                id=job_id,
                key_id=key_id,
                status="queued",
                items=items,
                results={},
                callback_url=callback_url,
                callback_state="pending" if callback_url else "none",
                resumes=0,
                created_at=now,
                updated_at=now,
            )
        )
    return job_id


def _row(job_id: str, settings: Settings | None):
    with get_engine(settings).connect() as conn:
        row = conn.execute(select(jobs).where(jobs.c.id == job_id)).first()
    if row is None:
        raise NotFoundError(f"找不到任务 {job_id}")
    return row


def _engine(settings: Settings | None):
    engine = get_engine(settings)
    ensure_columns(engine, webhook_attempts)
    return engine


def get_job(job_id: str, settings: Settings | None = None, key_id: str | None = None) -> dict[str, Any]:
    """The public view of a job. With `key_id`, a job of another key is reported as not found."""
    row = _row(job_id, settings)
    if key_id is not None and row.key_id != key_id:
        raise NotFoundError(f"找不到任务 {job_id}")
    results = _results(row)
    ordered = [results[str(i)] for i in range(len(row.items)) if str(i) in results]
    return {
        "id": row.id,
        "status": row.status,
        "total": len(row.items),
        "completed": len(ordered),
        "failed": sum(1 for r in ordered if r.get("status") == "error"),
        "items": [_masked(item) for item in row.items],
        "results": ordered,
        "error": row.error,
        "resumes": row.resumes,
        "created_at": _iso(row.created_at),
        "updated_at": _iso(row.updated_at),
        "callback": None
        if not row.callback_url
        else {
            "url": row.callback_url,
            "state": row.callback_state,
            "attempts": attempts(job_id, settings),
        },
    }


_SECRETS = {"api_key", "key"}


def _masked(value: Any) -> Any:
    """A stored item as shown to clients: delivery credentials are kept for the worker, never shown."""
    if isinstance(value, dict):
        out = {}
        for name, inner in value.items():
            if name in _SECRETS and isinstance(inner, str):
                out[name] = "***"
            elif name == "webhook_url" and isinstance(inner, str) and "?" in inner:
                out[name] = inner.split("?", 1)[0] + "?key=***"
            else:
                out[name] = _masked(inner)
        return out
    if isinstance(value, list):
        return [_masked(inner) for inner in value]
    return value


def _results(row) -> dict[str, Any]:
    value = row.results
    return json.loads(value) if isinstance(value, str) else dict(value or {})


def claim(job_id: str, owner: str, settings: Settings | None = None) -> bool:
    """Take a queued job. Only one caller's conditional UPDATE matches."""
    now = _now()
    with get_engine(settings).begin() as conn:
        result = conn.execute(
            update(jobs)
            .where(and_(jobs.c.id == job_id, jobs.c.status == "queued"))
            .values(status="running", owner=owner, heartbeat_at=now, updated_at=now)
        )
    return result.rowcount == 1


def queued(settings: Settings | None = None, limit: int = 10) -> list[str]:
    with get_engine(settings).connect() as conn:
        rows = conn.execute(
            select(jobs.c.id).where(jobs.c.status == "queued").order_by(jobs.c.created_at).limit(limit)
        ).all()
    return [r.id for r in rows]


def heartbeat(job_id: str, owner: str, settings: Settings | None = None) -> None:
    with get_engine(settings).begin() as conn:
        conn.execute(
            update(jobs).where(and_(jobs.c.id == job_id, jobs.c.owner == owner)).values(heartbeat_at=_now())
        )


def _lease_name(job_id: str) -> str:
    return f"job:{job_id}"


def hold(job_id: str, owner: str, settings: Settings | None = None) -> None:
    """From now on this process owns `job_id`: its heartbeat is renewed in the background, however long one
    item takes, and `recover()` in any process leaves the job alone until `drop`."""
    leases.keeper.hold(_lease_name(job_id), lambda: heartbeat(job_id, owner, settings))


def drop(job_id: str) -> None:
    leases.keeper.drop(_lease_name(job_id))


@contextmanager
def holding(job_id: str, owner: str, settings: Settings | None = None) -> Iterator[None]:
    hold(job_id, owner, settings)
    try:
        yield
    finally:
        drop(job_id)


def _abandoned(row, now: datetime) -> bool:
    return not leases.owner_alive(row.owner, row.heartbeat_at, STALE_AFTER, _lease_name(row.id), now)


def recover(settings: Settings | None = None) -> dict[str, list[str]]:
    """Requeue jobs whose worker died (dead local process or stale heartbeat); fail them after MAX_RESUMES."""
    now = _now()
    out: dict[str, list[str]] = {"requeued": [], "failed": []}
    engine = get_engine(settings)
    with engine.connect() as conn:
        rows = conn.execute(select(jobs).where(jobs.c.status == "running")).all()
    for row in rows:
        if not _abandoned(row, now):
            continue
        guard = and_(jobs.c.id == row.id, jobs.c.status == "running", jobs.c.owner == row.owner)
        if row.resumes + 1 > MAX_RESUMES:
            values = {
                "status": "failed",
                "updated_at": now,
                "error": f"任务执行进程中断了 {row.resumes + 1} 次，已停止重试；已完成的条目保留在 results 中",
            }
            bucket = "failed"
        else:
            values = {"status": "queued", "owner": None, "resumes": row.resumes + 1, "updated_at": now}
            bucket = "requeued"
        with engine.begin() as conn:
            if conn.execute(update(jobs).where(guard).values(**values)).rowcount == 1:
                out[bucket].append(row.id)
    # Finished jobs whose worker died before the callback was delivered: release them for another worker.
    with engine.connect() as conn:
        rows = conn.execute(
            select(jobs).where(
                and_(
                    jobs.c.status.in_(("done", "failed")),
                    jobs.c.callback_state == "pending",
                    jobs.c.owner.is_not(None),
                )
            )
        ).all()
    for row in rows:
        if _abandoned(row, now):
            guard = and_(jobs.c.id == row.id, jobs.c.owner == row.owner, jobs.c.callback_state == "pending")
            with engine.begin() as conn:
                if conn.execute(update(jobs).where(guard).values(owner=None, updated_at=now)).rowcount == 1:
                    out.setdefault("callbacks", []).append(row.id)
    return out


def _owned(job_id: str, owner: str | None):
    return jobs.c.id == job_id if owner is None else and_(jobs.c.id == job_id, jobs.c.owner == owner)


def save_result(
    job_id: str,
    index: int,
    result: dict[str, Any],
    settings: Settings | None = None,
    owner: str | None = None,
) -> bool:
    """Store one item's result; with `owner`, only while that owner still holds the job (False otherwise)."""
    engine = get_engine(settings)
    with engine.begin() as conn:
        row = conn.execute(select(jobs.c.results).where(jobs.c.id == job_id)).first()
        if row is None:
            return False
        results = json.loads(row.results) if isinstance(row.results, str) else dict(row.results or {})
        results[str(index)] = result
        saved = conn.execute(
            update(jobs)
            .where(_owned(job_id, owner))
            .values(results=results, heartbeat_at=_now(), updated_at=_now())
        )
    return saved.rowcount == 1


def finish(
    job_id: str,
    status: str,
    error: str | None = None,
    settings: Settings | None = None,
    owner: str | None = None,
) -> bool:
    with get_engine(settings).begin() as conn:
        done = conn.execute(
            update(jobs).where(_owned(job_id, owner)).values(status=status, error=error, updated_at=_now())
        )
    return done.rowcount == 1


def run_job(
    job_id: str,
    owner: str,
    draft: Callable[[dict[str, Any]], dict[str, Any]],
    settings: Settings | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> str:
    """Make every item that has no result yet; returns the final status. `draft(item) -> plan dict`."""
    with holding(job_id, owner, settings):
        return _run_items(job_id, owner, draft, settings, progress)


def _run_items(
    job_id: str,
    owner: str,
    draft: Callable[[dict[str, Any]], dict[str, Any]],
    settings: Settings | None,
    progress: Callable[[int, int], None] | None,
) -> str:
    row = _row(job_id, settings)
    items = list(row.items)
    done = _results(row)
    for index, item in enumerate(items):
        if str(index) in done:
            continue
        try:
            plan = draft(item)
            result = {"index": index, "status": "ok", "plan_id": plan.get("id"), "plan": plan}
        except HuatiError as exc:
            result = {
                "index": index,
                "status": "error",
                "error": {"title": exc.title, "status": exc.status, "detail": str(exc), "field": exc.field},
            }
        except Exception as exc:  # one bad item must not lose the others
            log.exception("job %s item %d failed", job_id, index)
            result = {
                "index": index,
                "status": "error",
                "error": {
                    "title": "内部错误",
                    "status": 500,
                    "detail": "生成失败：服务器内部错误，已记录日志",
                    "reason": type(exc).__name__,
                },
            }
        if not save_result(job_id, index, result, settings, owner=owner):
            log.warning("job %s was taken over by another worker; %s stops", job_id, owner)
            return "lost"
        if progress:
            progress(index + 1, len(items))
    results = _results(_row(job_id, settings))
    ok = sum(1 for r in results.values() if r.get("status") == "ok")
    status = "done" if ok else "failed"
    if not finish(job_id, status, None if ok else "所有条目都生成失败，详见 results", settings, owner=owner):
        return "lost"
    return status
