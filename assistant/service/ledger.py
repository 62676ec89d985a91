"""Batch jobs in SQL: the ledger that makes running an item twice change nothing.

The task queue only carries `(job_id, index)` messages and may deliver one twice (a sweep after a stall, a
worker killed after its commit) or lose one (a worker killed mid-item). Every lasting fact lives here, written
by conditional UPDATEs inside one transaction per step:

- `save_plan`: the item takes its plan only if it has none yet, and the plan is inserted in the same
  transaction (a crash leaves both or neither: no orphan plan, and a resumed item reuses the plan it has);
- `claim_delivery`: one runner at a time sends an item's deliveries (a claim older than the stall time is a
  dead runner's, and is taken over: at-least-once);
- `finish`: the item's result, the job's counters and — when it was the last item — the job's status, at once;
  the item's input keeps no credential after this.

Item states: queued → (drafted → delivering →) ok | error. `attempts` counts runs that started; an item whose
runs were cut off `MAX_ATTEMPTS` times is recorded as an error instead of being tried again.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import and_, case, delete, insert, select, update
from sqlalchemy.engine import Connection

from assistant.models import DailyPlan
from assistant.service.sealed import masked, seal
from assistant.settings import Settings
from assistant.storage.db import get_engine
from assistant.storage.plans import write_plan
from assistant.storage.schema import job_items, jobs, plan_deliveries

MAX_ATTEMPTS = 3
UNFINISHED = ("queued", "drafted", "delivering")
OPEN_JOB = ("queued", "running")
ALL_FAILED = "所有条目都生成失败，详见 results"


def now() -> datetime:
    return datetime.now(UTC)


def _aware(value: datetime) -> datetime:
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value


@dataclass
class Item:
    job_id: str
    idx: int
    status: str
    input: dict[str, Any]
    plan_id: str | None
    attempts: int
    updated_at: datetime


def create_job(key_id: str, items: list[dict[str, Any]], callback_url: str | None, settings: Settings) -> str:
    """The job and one row per item, in one transaction; credentials sealed at rest, masked in `jobs.items`."""
    job_id = "job_" + secrets.token_hex(8)
    at = now()
    rows = [
        {
            "job_id": job_id,
            "idx": i,
            "status": "queued",
            "input": seal(item, settings),
            "attempts": 0,
            "updated_at": at,
        }
        for i, item in enumerate(items)
    ]
    with get_engine(settings).begin() as conn:
        conn.execute(
            insert(jobs).values(
                id=job_id,
                key_id=key_id,
                status="queued",
                items=masked(items),
                results={},
                callback_url=callback_url,
                callback_state="pending" if callback_url else "none",
                resumes=0,
                total=len(items),
                ok=0,
                failed=0,
                created_at=at,
                updated_at=at,
            )
        )
        conn.execute(insert(job_items), rows)
    return job_id


def _item(conn: Connection, job_id: str, idx: int) -> Item | None:
    row = conn.execute(select(job_items).where(job_items.c.job_id == job_id, job_items.c.idx == idx)).first()
    if row is None:
        return None
    return Item(row.job_id, row.idx, row.status, dict(row.input), row.plan_id, row.attempts, row.updated_at)


def get_item(job_id: str, idx: int, settings: Settings) -> Item | None:
    with get_engine(settings).connect() as conn:
        return _item(conn, job_id, idx)


def start(job_id: str, idx: int, settings: Settings) -> Item | None:
    """The item to work on (None when it is finished or unknown), with this run counted in `attempts`."""
    with get_engine(settings).begin() as conn:
        found = _item(conn, job_id, idx)
        if found is None or found.status not in UNFINISHED:
            return None
        at = now()
        values: dict[str, Any] = {"updated_at": at}
        if found.status != "delivering":  # a sender's claim counts its own attempts (`claim_delivery`)
            values |= {"attempts": job_items.c.attempts + 1, "started_at": at}
            found.attempts += 1
        conn.execute(
            update(job_items).where(job_items.c.job_id == job_id, job_items.c.idx == idx).values(values)
        )
        conn.execute(
            update(jobs).where(jobs.c.id == job_id, jobs.c.status == "queued").values(status="running")
        )
    found.updated_at = at
    return found


def mark_running(job_id: str, settings: Settings) -> None:
    with get_engine(settings).begin() as conn:
        conn.execute(
            update(jobs)
            .where(jobs.c.id == job_id, jobs.c.status == "queued")
            .values(status="running", updated_at=now())
        )


def save_plan(
    job_id: str,
    idx: int,
    plan: DailyPlan,
    settings: Settings,
    *,
    result: dict[str, Any] | None = None,
    shown_input: dict[str, Any] | None = None,
) -> tuple[str | None, bool]:
    """Give the item its plan, in one transaction with the plan's rows; with `result` (nothing to deliver) the
    item is finished in the same transaction. Returns (the item's plan id — ours, or the one a concurrent run
    saved first — and whether this call finished the job)."""
    with get_engine(settings).begin() as conn:
        won = (
            conn.execute(
                update(job_items)
                .where(
                    job_items.c.job_id == job_id,
                    job_items.c.idx == idx,
                    job_items.c.plan_id.is_(None),
                    job_items.c.status == "queued",
                )
                .values(plan_id=plan.id, status="drafted", updated_at=now())
            ).rowcount
            == 1
        )
        if won:
            write_plan(conn, plan)
            finished = _finish(conn, job_id, idx, "ok", result, shown_input) if result is not None else False
            return plan.id, finished
        found = _item(conn, job_id, idx)
    return (found.plan_id if found else None), False


def claim_delivery(job_id: str, idx: int, settings: Settings) -> bool:
    """Take the item's deliveries: a drafted item, or one whose sender's claim is older than the stall time
    (that sender died: taking over counts as another attempt)."""
    stale = now() - timedelta(seconds=settings.job_stall_seconds)
    where = and_(job_items.c.job_id == job_id, job_items.c.idx == idx)
    claims: list[tuple[Any, dict[str, Any]]] = [
        (job_items.c.status == "drafted", {}),
        (
            and_(job_items.c.status == "delivering", job_items.c.claimed_at < stale),
            {"attempts": job_items.c.attempts + 1},
        ),
    ]
    with get_engine(settings).begin() as conn:
        for condition, extra in claims:
            at = now()
            values = {"status": "delivering", "claimed_at": at, "updated_at": at, **extra}
            if conn.execute(update(job_items).where(where, condition).values(values)).rowcount == 1:
                return True
    return False


def release_deliveries(settings: Settings) -> int:
    """Claims of senders that cannot be alive any more (the only consumer host just started): drafted again."""
    with get_engine(settings).begin() as conn:
        return conn.execute(
            update(job_items).where(job_items.c.status == "delivering").values(status="drafted")
        ).rowcount


def _finish(
    conn: Connection,
    job_id: str,
    idx: int,
    status: str,
    result: dict[str, Any] | None,
    shown_input: dict[str, Any] | None,
) -> bool:
    values: dict[str, Any] = {"status": status, "result": result, "updated_at": now()}
    if shown_input is not None:
        values["input"] = shown_input
    changed = conn.execute(
        update(job_items)
        .where(job_items.c.job_id == job_id, job_items.c.idx == idx, job_items.c.status.in_(UNFINISHED))
        .values(values)
    )
    if changed.rowcount != 1:
        return False
    counter = jobs.c.ok if status == "ok" else jobs.c.failed
    conn.execute(update(jobs).where(jobs.c.id == job_id).values({counter: counter + 1, "updated_at": now()}))
    done = conn.execute(
        update(jobs)
        .where(jobs.c.id == job_id, jobs.c.status.in_(OPEN_JOB), jobs.c.ok + jobs.c.failed >= jobs.c.total)
        .values(
            status=case((jobs.c.ok > 0, "done"), else_="failed"),
            error=case((jobs.c.ok > 0, None), else_=ALL_FAILED),
            updated_at=now(),
        )
    )
    return done.rowcount == 1


def finish(
    job_id: str,
    idx: int,
    status: str,
    result: dict[str, Any],
    settings: Settings,
    *,
    shown_input: dict[str, Any] | None = None,
    delivery: tuple[str, list[dict[str, Any]], str] | None = None,
) -> bool:
    """The item's end state (and its delivery record `(plan_id, results, event_id)`, one per event id), the
    job's counters and status, in one transaction. True when this call finished the job."""
    with get_engine(settings).begin() as conn:
        if delivery is not None:
            plan_id, results, event_id = delivery
            conn.execute(delete(plan_deliveries).where(plan_deliveries.c.event_id == event_id))
            conn.execute(
                insert(plan_deliveries).values(
                    plan_id=plan_id, results=results, event_id=event_id, created_at=now()
                )
            )
        return _finish(conn, job_id, idx, status, result, shown_input)


def unfinished(job_id: str, settings: Settings) -> list[int]:
    with get_engine(settings).connect() as conn:
        rows = conn.execute(
            select(job_items.c.idx)
            .where(job_items.c.job_id == job_id, job_items.c.status.in_(UNFINISHED))
            .order_by(job_items.c.idx)
        )
        return [r.idx for r in rows]


def stalled(cutoff: datetime, settings: Settings) -> list[tuple[str, int, datetime]]:
    """Unfinished items of open jobs untouched since `cutoff`: (job_id, index, updated_at)."""
    with get_engine(settings).connect() as conn:
        rows = conn.execute(
            select(job_items.c.job_id, job_items.c.idx, job_items.c.updated_at)
            .join(jobs, jobs.c.id == job_items.c.job_id)
            .where(
                job_items.c.status.in_(UNFINISHED),
                job_items.c.updated_at < cutoff,
                jobs.c.status.in_(OPEN_JOB),
            )
            .order_by(job_items.c.job_id, job_items.c.idx)
        ).all()
    return [(r.job_id, r.idx, _aware(r.updated_at)) for r in rows]


def touch(job_id: str, idx: int, seen: datetime, settings: Settings) -> bool:
    """Mark a stalled item as re-sent, only if nobody did since `seen` (one sweeper wins)."""
    with get_engine(settings).begin() as conn:
        return (
            conn.execute(
                update(job_items)
                .where(job_items.c.job_id == job_id, job_items.c.idx == idx, job_items.c.updated_at == seen)
                .values(updated_at=now())
            ).rowcount
            == 1
        )


def count_resume(job_id: str, settings: Settings) -> None:
    with get_engine(settings).begin() as conn:
        conn.execute(
            update(jobs).where(jobs.c.id == job_id).values(resumes=jobs.c.resumes + 1, updated_at=now())
        )


def callbacks_due(cutoff: datetime, settings: Settings) -> list[tuple[str, datetime]]:
    """Finished jobs whose callback is still pending and untouched since `cutoff`: (job_id, updated_at)."""
    with get_engine(settings).connect() as conn:
        rows = conn.execute(
            select(jobs.c.id, jobs.c.updated_at).where(
                jobs.c.status.in_(("done", "failed")),
                jobs.c.callback_state == "pending",
                jobs.c.updated_at < cutoff,
            )
        ).all()
    return [(r.id, _aware(r.updated_at)) for r in rows]


def touch_job(job_id: str, seen: datetime, settings: Settings) -> bool:
    with get_engine(settings).begin() as conn:
        return (
            conn.execute(
                update(jobs).where(jobs.c.id == job_id, jobs.c.updated_at == seen).values(updated_at=now())
            ).rowcount
            == 1
        )


def set_callback_state(job_id: str, state: str, settings: Settings) -> None:
    with get_engine(settings).begin() as conn:
        conn.execute(
            update(jobs)
            .where(jobs.c.id == job_id, jobs.c.callback_state == "pending")
            .values(callback_state=state, updated_at=now())
        )
