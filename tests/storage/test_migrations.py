"""Alembic migrations on SQLite and PostgreSQL: from an empty database, from a database made by release 0.1
(its schema module, `release_schema.py`, and data written as that release wrote it), several processes at
once, downgrade and back, and the model matching the migrations."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine, func, insert, select, text

from assistant.storage import migrate
from assistant.storage.migrations import BASELINE, HEAD, include_object
from assistant.storage.migrations import release_0_1 as release
from assistant.storage.schema import metadata

REPO = Path(__file__).resolve().parents[2]
NOW = datetime(2026, 12, 4, 20, 0, tzinfo=UTC)
JOB_ITEMS = [
    {"product": "亮白牙膏", "date": "2026-12-05", "n": 1, "delivery": {"wecom": {"key": "robot-secret-1"}}},
    {"product": "保温杯", "date": "2026-12-06", "n": 1, "delivery": {"wecom": {"key": "robot-secret-2"}}},
]


@pytest.fixture(params=["sqlite", "postgresql"])
def url(request, tmp_path):
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path}/huati.db"
    return request.getfixturevalue("pg_database")


def _diff(url: str) -> list:
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            ctx = MigrationContext.configure(
                conn, opts={"compare_type": True, "include_object": include_object}
            )
            return compare_metadata(ctx, metadata)
    finally:
        engine.dispose()


def _release_database(url: str) -> dict[str, int]:
    """What release 0.1 leaves behind: create_all and a row in every kind of table, a half-done job with a
    delivery credential in its items. Returns the row count of each table."""
    engine = create_engine(url)
    release.metadata.create_all(engine)
    plan = {"id": "p_1", "topics": [{"text": "今天聊什么"}]}
    with engine.begin() as conn:
        conn.execute(
            insert(release.api_keys).values(
                id="key_1", name="postiz", prefix="hk_ab", hash="h" * 64, kind="api", created_at=NOW
            )
        )
        conn.execute(
            insert(release.plans).values(
                id="p_1",
                created_at=NOW,
                date=date(2026, 12, 5),
                product_id="toothpaste",
                product_name="亮白牙膏",
                audience="宝妈群",
                engine="offline",
                model="huati-offline-patterns",
                data=json.dumps(plan, ensure_ascii=False),
            )
        )
        conn.execute(
            insert(release.plan_topics).values(
                plan_id="p_1", idx=1, topic_id="t1", text="今天聊什么", date=date(2026, 12, 5)
            )
        )
        conn.execute(
            insert(release.feedback).values(
                plan_id="p_1", topic_index=1, topic_id="t1", verdict="accepted", created_at=NOW
            )
        )
        conn.execute(
            insert(release.idempotency).values(
                key_id="key_1", idem_key="k1", body_hash="b" * 64, plan_id="p_1", state="done", created_at=NOW
            )
        )
        conn.execute(
            insert(release.plan_deliveries).values(plan_id="p_1", results=[{"ok": True}], created_at=NOW)
        )
        conn.execute(
            insert(release.jobs).values(
                id="job_1",
                key_id="key_1",
                status="running",
                items=JOB_ITEMS,
                results={"0": {"index": 0, "status": "ok", "plan_id": "p_1", "plan": plan}},
                callback_url="https://example.com/hook",
                callback_state="pending",
                resumes=0,
                created_at=NOW,
                updated_at=NOW,
            )
        )
        conn.execute(
            insert(release.webhook_attempts).values(
                job_id="job_0",
                attempt=1,
                url="https://example.com/hook",
                seconds=0.1,
                at=NOW,
                reason="HTTP 503",
            )
        )
        counts = {
            t.name: conn.execute(select(func.count()).select_from(t)).scalar_one()
            for t in release.metadata.sorted_tables
        }
    engine.dispose()
    return counts


def test_head_is_the_newest_revision():
    revisions = [r for r, _ in migrate.history()]
    assert revisions[0] == BASELINE and revisions[-1] == HEAD


def test_from_empty(url):
    out = migrate.upgrade(url)
    assert out == {"before": None, "adopted": False, "after": HEAD}
    assert _diff(url) == []
    assert migrate.upgrade(url)["before"] == HEAD  # a second run has nothing to do
    assert migrate.current(url) == HEAD


def test_from_a_release_database_nothing_is_lost(url):
    from assistant.service import sealed

    before = _release_database(url)
    out = migrate.upgrade(url)
    assert out["adopted"] is True and out["after"] == HEAD
    assert _diff(url) == []
    engine = create_engine(url)
    with engine.connect() as conn:
        after = {
            t.name: conn.execute(select(func.count()).select_from(t)).scalar_one()
            for t in release.metadata.sorted_tables
        }
        assert after == before  # every row of every table is still there
        assert (
            conn.execute(text("SELECT text FROM plan_topics WHERE plan_id='p_1'")).scalar_one()
            == "今天聊什么"
        )
        job = conn.execute(text("SELECT total, ok, failed, status, items FROM jobs WHERE id='job_1'")).one()
        items = conn.execute(text("SELECT idx, status, plan_id, input FROM job_items ORDER BY idx")).all()
    engine.dispose()
    assert (job.total, job.ok, job.failed, job.status) == (2, 1, 0, "running")
    shown = job.items if isinstance(job.items, list) else json.loads(job.items)
    assert shown == sealed.masked(JOB_ITEMS)  # no credential in what clients read
    inputs = [r.input if isinstance(r.input, dict) else json.loads(r.input) for r in items]
    assert [(r.idx, r.status, r.plan_id) for r in items] == [(0, "ok", "p_1"), (1, "queued", None)]
    assert inputs[0] == sealed.masked(JOB_ITEMS[0])  # finished: not kept after use
    assert inputs[1] == JOB_ITEMS[1]  # still to run: its robot key is needed


def test_a_release_job_reads_the_same_through_the_new_code(tmp_path, monkeypatch):
    from assistant.service.jobview import get_job
    from assistant.settings import Settings, reset_settings
    from assistant.storage.db import dispose_engines

    home = tmp_path / "home"
    home.mkdir()
    _release_database(f"sqlite:///{home}/huati.db")
    monkeypatch.setenv("HUATI_HOME", str(home))
    reset_settings()
    dispose_engines()
    try:
        job = get_job("job_1", Settings())  # opening the database upgrades it (embedded SQLite)
    finally:
        dispose_engines()
        reset_settings()
    assert job["total"] == 2 and job["completed"] == 1 and job["status"] == "running"
    assert job["results"] == [
        {
            "index": 0,
            "status": "ok",
            "plan_id": "p_1",
            "plan": {"id": "p_1", "topics": [{"text": "今天聊什么"}]},
        }
    ]
    assert job["items"][0]["delivery"]["wecom"]["key"] == "***"
    assert job["callback"]["state"] == "pending"


def test_from_an_older_release_missing_late_columns(url):
    """Databases first made before webhook_attempts.reason and idempotency_keys.owner/lease_until existed."""
    _release_database(url)
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(text("ALTER TABLE webhook_attempts DROP COLUMN reason"))
        conn.execute(text("ALTER TABLE idempotency_keys DROP COLUMN owner"))
        conn.execute(text("ALTER TABLE idempotency_keys DROP COLUMN lease_until"))
    engine.dispose()
    assert migrate.upgrade(url)["adopted"] is True
    assert _diff(url) == []


def test_from_a_database_that_had_web_sessions_before_migrations(url):
    """A build between release 0.1 and the migrations made `web_sessions` with create_all: adopted, its sessions
    kept, and the schema matches the model."""
    from assistant.storage.schema import web_sessions

    before = _release_database(url)
    engine = create_engine(url)
    web_sessions.create(engine)
    with engine.begin() as conn:
        conn.execute(
            insert(web_sessions).values(
                token_hash="t" * 64, key_id="key_1", created_at=1.0, last_seen=2.0, user_agent="ua"
            )
        )
    engine.dispose()
    out = migrate.upgrade(url)
    assert out["adopted"] is True and out["after"] == HEAD
    assert _diff(url) == []
    engine = create_engine(url)
    with engine.connect() as conn:
        kept = conn.execute(select(web_sessions.c.key_id, web_sessions.c.last_seen)).all()
        plans = conn.execute(select(func.count()).select_from(release.plans)).scalar_one()
    engine.dispose()
    assert [tuple(r) for r in kept] == [("key_1", 2.0)] and plans == before["plans"]


def test_several_processes_upgrade_at_once(url, tmp_path):
    """Four `huati db upgrade` started together on an empty database: all succeed, one does the work."""
    env = {**os.environ, "HUATI_HOME": str(tmp_path / "home"), "PYTHONPATH": str(REPO)}
    if url.startswith("postgresql"):
        env["HUATI_DATABASE_URL"] = url
    else:
        env["HUATI_HOME"] = str(Path(url.removeprefix("sqlite:///")).parent)
    procs = [
        subprocess.Popen(
            [sys.executable, "-m", "assistant.cli.main", "db", "upgrade"],
            cwd=REPO,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(4)
    ]
    outs = [p.communicate(timeout=120) for p in procs]
    assert all(p.returncode == 0 for p in procs), [o[1][-800:] for o in outs]
    assert sum("已升级" in o[0] for o in outs) == 1 and sum("已是最新" in o[0] for o in outs) == 3
    assert _diff(url) == []
    engine = create_engine(url)
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM alembic_version")).scalar_one() == 1
    engine.dispose()


def test_downgrade_to_the_baseline_and_back(url):
    _release_database(url)
    migrate.upgrade(url)
    assert migrate.downgrade(url, BASELINE)["after"] == BASELINE
    engine = create_engine(url)
    with engine.connect() as conn:
        row = conn.execute(
            select(release.jobs.c["items"], release.jobs.c.results).where(release.jobs.c.id == "job_1")
        ).one()
        tables = set(conn.dialect.get_table_names(conn))
    engine.dispose()
    assert "job_items" not in tables
    assert row.results["0"]["plan_id"] == "p_1"  # release 0.1 reads its job again
    assert row.items[1]["delivery"]["wecom"]["key"] == "robot-secret-2"  # and can still run item 1
    assert migrate.upgrade(url)["after"] == HEAD and _diff(url) == []


def test_postgres_behind_head_is_refused_with_the_command(pg_database, monkeypatch):
    from assistant.errors import ConfigError
    from assistant.settings import Settings
    from assistant.storage.db import dispose_engines, get_engine

    monkeypatch.setenv("HUATI_DATABASE_URL", pg_database)
    with pytest.raises(ConfigError, match="huati db upgrade"):
        get_engine(Settings())
    migrate.upgrade(pg_database)
    get_engine(Settings())
    dispose_engines()


def test_huey_tables_are_hueys_own_ddl():
    """Revision 0002 creates the queue's PostgreSQL tables with huey's DDL (fails when huey changes it)."""
    import importlib

    from huey.storage import PostgresStorage

    revision = importlib.import_module("assistant.storage.migrations.versions.0002_job_items")
    storage = PostgresStorage.__new__(PostgresStorage)
    PostgresStorage.__init__(
        storage, "huati", dsn="postgresql://nobody@127.0.0.1:1/none", create_tables=False
    )
    assert [" ".join(s.split()) for s in storage.ddl] == [" ".join(s.split()) for s in revision.HUEY_DDL]


def test_the_queue_runs_on_the_migrated_postgres_schema(pg_upgraded):
    from huey import PostgresHuey

    huey = PostgresHuey("huati", dsn=pg_upgraded.replace("+psycopg", ""), results=False, create_tables=False)

    @huey.task()
    def ping(x):
        return x

    ping(1)
    assert huey.pending_count() == 1
    assert huey.dequeue() is not None and huey.pending_count() == 0


def test_db_commands_speak_chinese(tmp_path):
    env = {**os.environ, "HUATI_HOME": str(tmp_path / "home"), "PYTHONPATH": str(REPO)}

    def run(*args: str) -> str:
        out = subprocess.run(
            [sys.executable, "-m", "assistant.cli.main", "db", *args],
            cwd=REPO,
            env=env,
            capture_output=True,
            text=True,
            check=True,
        )
        return " ".join(out.stdout.split())

    assert "需要升级" in run("current")
    assert f"空库 → {HEAD}" in run("upgrade")
    assert "已是最新" in run("upgrade")
    assert BASELINE in run("history") and "最新" in run("current")
