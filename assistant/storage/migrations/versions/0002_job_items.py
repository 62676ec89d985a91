"""batch jobs on a task queue: one ledger row per item, counters on jobs, delivery event ids, huey's tables

Revision ID: 0002_job_items
Revises: 0001_baseline
Create Date: 2026-12-04

Data: every job of release 0.1 keeps reading the same through the API. Its `items` and `results` JSON become
`job_items` rows (unfinished items keep their input, delivery credentials included, so that they can still run;
finished ones keep it masked) and `jobs.items` is masked. On PostgreSQL the queue's own tables are created here
(huey's DDL, `HUEY_DDL`; the queue runs with create_tables=False); on SQLite the queue has its own file.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from alembic import op

revision = "0002_job_items"
down_revision = "0001_baseline"
branch_labels = None
depends_on = None

HUEY_DDL = [
    "create table if not exists huey_kv (queue text not null, key text not null, value bytea not null, "
    "primary key(queue, key))",
    "create table if not exists huey_schedule (id bigserial primary key, queue text not null, "
    "data bytea not null, timestamp double precision not null)",
    "create index if not exists huey_schedule_queue_timestamp on huey_schedule (queue, timestamp)",
    "create table if not exists huey_task (id bigserial primary key, queue text not null, data bytea not null, "
    "priority double precision not null default 0.0)",
    "create index if not exists huey_task_queue_priority_id on huey_task (queue, priority desc, id)",
    "create table if not exists huey_counter (queue text not null, key text not null, "
    "value bigint not null default 0, primary key(queue, key))",
]


def _masked(value: Any) -> Any:
    """Release 0.1's masking of delivery credentials (frozen here)."""
    if isinstance(value, dict):
        out = {}
        for name, inner in value.items():
            if name in ("api_key", "key") and isinstance(inner, str):
                out[name] = "***"
            elif name == "webhook_url" and isinstance(inner, str) and "?" in inner:
                out[name] = inner.split("?", 1)[0] + "?key=***"
            else:
                out[name] = _masked(inner)
        return out
    if isinstance(value, list):
        return [_masked(inner) for inner in value]
    return value


def _json(value: Any, empty: Any) -> Any:
    return json.loads(value) if isinstance(value, str) else (value if value is not None else empty)


def upgrade() -> None:
    with op.batch_alter_table("jobs") as batch:
        batch.add_column(sa.Column("total", sa.Integer(), nullable=False, server_default="0"))
        batch.add_column(sa.Column("ok", sa.Integer(), nullable=False, server_default="0"))
        batch.add_column(sa.Column("failed", sa.Integer(), nullable=False, server_default="0"))
    items = op.create_table(
        "job_items",
        sa.Column("job_id", sa.String(length=32), nullable=False),
        sa.Column("idx", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("input", sa.JSON(), nullable=False),
        sa.Column("plan_id", sa.String(length=16), nullable=True),
        sa.Column("result", sa.JSON(), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("claimed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["job_id"], ["jobs.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("job_id", "idx"),
    )
    op.create_index("ix_job_items_status_updated", "job_items", ["status", "updated_at"], unique=False)
    with op.batch_alter_table("plan_deliveries") as batch:
        batch.add_column(sa.Column("event_id", sa.String(length=80), nullable=True))
    op.create_index("uq_plan_deliveries_event_id", "plan_deliveries", ["event_id"], unique=True)

    conn = op.get_bind()
    jobs = sa.table(
        "jobs",
        sa.column("id", sa.String),
        sa.column("items", sa.JSON),
        sa.column("results", sa.JSON),
        sa.column("total", sa.Integer),
        sa.column("ok", sa.Integer),
        sa.column("failed", sa.Integer),
    )
    now = datetime.now(UTC)
    for job in conn.execute(sa.select(jobs.c.id, jobs.c["items"], jobs.c.results)).all():
        inputs = _json(job.items, [])
        results = _json(job.results, {})
        rows, ok, failed = [], 0, 0
        for idx, item in enumerate(inputs):
            result = results.get(str(idx))
            status = "queued" if result is None else ("ok" if result.get("status") == "ok" else "error")
            ok += status == "ok"
            failed += status == "error"
            rows.append(
                {
                    "job_id": job.id,
                    "idx": idx,
                    "status": status,
                    "input": item if result is None else _masked(item),
                    "plan_id": (result or {}).get("plan_id"),
                    "result": result,
                    "attempts": 0 if result is None else 1,
                    "updated_at": now,
                }
            )
        if rows:
            op.bulk_insert(items, rows)
        conn.execute(
            sa.update(jobs)
            .where(jobs.c.id == job.id)
            .values({"items": _masked(inputs), "total": len(inputs), "ok": ok, "failed": failed})
        )
    if conn.dialect.name == "postgresql":
        for statement in HUEY_DDL:
            op.execute(statement)


def downgrade() -> None:
    """Back to release 0.1: each job's items and results are written back into its JSON columns first."""
    conn = op.get_bind()
    jobs = sa.table(
        "jobs", sa.column("id", sa.String), sa.column("items", sa.JSON), sa.column("results", sa.JSON)
    )
    items = sa.table(
        "job_items",
        sa.column("job_id", sa.String),
        sa.column("idx", sa.Integer),
        sa.column("input", sa.JSON),
        sa.column("result", sa.JSON),
    )
    rows = conn.execute(sa.select(items).order_by(items.c.job_id, items.c.idx)).all()
    by_job: dict[str, list[Any]] = {}
    for row in rows:
        by_job.setdefault(row.job_id, []).append(row)
    for job_id, job_rows in by_job.items():
        results = {str(r.idx): _json(r.result, None) for r in job_rows if r.result is not None}
        inputs = [_json(r.input, {}) for r in job_rows]
        conn.execute(sa.update(jobs).where(jobs.c.id == job_id).values({"items": inputs, "results": results}))
    if conn.dialect.name == "postgresql":
        for table in ("huey_counter", "huey_task", "huey_schedule", "huey_kv"):
            op.execute(f"drop table if exists {table}")
    op.drop_index("uq_plan_deliveries_event_id", table_name="plan_deliveries")
    with op.batch_alter_table("plan_deliveries") as batch:
        batch.drop_column("event_id")
    op.drop_index("ix_job_items_status_updated", table_name="job_items")
    op.drop_table("job_items")
    with op.batch_alter_table("jobs") as batch:
        batch.drop_column("failed")
        batch.drop_column("ok")
        batch.drop_column("total")
