"""Schema migrations: Alembic revisions in `assistant/storage/migrations/` for every table of `schema.py`.

`huati db upgrade` runs `upgrade`; the embedded SQLite default upgrades itself when a process first opens the
database (`assistant.storage.db.get_engine`), any other database must be upgraded by the operator before the
service starts (`ensure_current` says so in one Chinese line).

`upgrade` is safe from several processes at once (API workers starting together, workers on several machines):
it runs in ONE transaction that first takes a database-wide lock — `pg_advisory_xact_lock` on PostgreSQL,
`BEGIN IMMEDIATE` on SQLite (whose DDL is transactional too) — so the second process waits, then finds the
database at head and does nothing. On SQLite the migration connection never sets `foreign_keys=ON`: a table
rebuilt by a batch migration would otherwise cascade-delete its children.

A database made by release 0.1 (tables from `metadata.create_all`, no `alembic_version`) is adopted: nullable
columns that release added lazily are added when missing, then it is stamped at the baseline and upgraded like
any other. Tables of that release it lacks (made by an earlier build) are created, as the release itself did
on start. Nothing is dropped or rewritten.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, event, inspect, text
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import DBAPIError
from sqlalchemy.pool import NullPool

from assistant.errors import ConfigError
from assistant.storage.migrations import BASELINE, HEAD, release_0_1

SCRIPTS = Path(__file__).resolve().parent / "migrations"
LOCK_KEY = 0x68756174  # "huat": the advisory lock id of Huati's migrations
# Columns release 0.1 added after first creating a table (its `ensure_columns`); older databases may lack them.
LATE_COLUMNS = {"webhook_attempts": ("reason",), "idempotency_keys": ("owner", "lease_until")}
RELEASE_TABLES = {"plans", "jobs", "api_keys", "idempotency_keys"}


def migration_engine(url: str) -> Engine:
    """An engine for DDL: no pool, and on SQLite a real transaction around DDL (pysqlite does not BEGIN before
    DDL by itself) that takes the write lock at once."""
    if not url.startswith("sqlite"):
        return create_engine(url, poolclass=NullPool)
    engine = create_engine(url, poolclass=NullPool, connect_args={"timeout": 60})

    @event.listens_for(engine, "connect")
    def _connect(dbapi_conn: Any, _record: Any) -> None:
        dbapi_conn.isolation_level = None  # the "begin" listener below emits BEGIN itself
        dbapi_conn.execute("PRAGMA busy_timeout=60000")
        dbapi_conn.execute("PRAGMA journal_mode=WAL")

    @event.listens_for(engine, "begin")
    def _begin(conn: Connection) -> None:
        conn.exec_driver_sql("BEGIN IMMEDIATE")

    return engine


def _config(conn: Connection | None = None) -> Any:
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(SCRIPTS))
    if conn is not None:
        cfg.attributes["connection"] = conn
    return cfg


def revision_of(conn: Connection) -> str | None:
    """The database's revision (None: no Alembic history yet), read with plain SQL."""
    try:
        with conn.begin_nested() if conn.in_transaction() else conn.begin():
            return conn.execute(text("SELECT version_num FROM alembic_version")).scalar()
    except DBAPIError:
        return None


def current(url: str) -> str | None:
    engine = create_engine(url, poolclass=NullPool)  # a plain read: no write lock
    try:
        with engine.connect() as conn:
            return revision_of(conn)
    finally:
        engine.dispose()


def _lock(conn: Connection) -> None:
    if conn.dialect.name == "postgresql":
        conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": LOCK_KEY})
    # SQLite: BEGIN IMMEDIATE already holds the database's write lock


def _adopt(conn: Connection) -> bool:
    """Stamp a release-0.1 database at the baseline (after adding late columns it may lack)."""
    from alembic import command

    tables = set(inspect(conn).get_table_names())
    if "alembic_version" in tables or not tables & RELEASE_TABLES:
        return False
    release_0_1.metadata.create_all(conn)  # what the release would have created on its next start
    for table, columns in LATE_COLUMNS.items():
        present = {c["name"] for c in inspect(conn).get_columns(table)}
        for name in columns:
            if name not in present:  # as the release added it: its own type, compiled for this database
                kind = release_0_1.metadata.tables[table].c[name].type.compile(dialect=conn.dialect)
                conn.execute(text(f'ALTER TABLE {table} ADD COLUMN "{name}" {kind}'))
    command.stamp(_config(conn), BASELINE)
    return True


def upgrade(url: str, revision: str = "head") -> dict[str, Any]:
    """Bring the database to `revision`; returns {before, adopted, after}."""
    from alembic import command

    engine = migration_engine(url)
    try:
        with engine.begin() as conn:
            _lock(conn)
            before = revision_of(conn)
            adopted = _adopt(conn) if before is None else False
            command.upgrade(_config(conn), revision)
            after = revision_of(conn)
    finally:
        engine.dispose()
    return {"before": before, "adopted": adopted, "after": after}


def downgrade(url: str, revision: str) -> dict[str, Any]:
    from alembic import command

    engine = migration_engine(url)
    try:
        with engine.begin() as conn:
            _lock(conn)
            before = revision_of(conn)
            command.downgrade(_config(conn), revision)
            after = revision_of(conn)
    finally:
        engine.dispose()
    return {"before": before, "after": after}


def history() -> list[tuple[str, str]]:
    """(revision, first line of its description), oldest first."""
    from alembic.script import ScriptDirectory

    scripts = ScriptDirectory.from_config(_config())
    revisions = list(scripts.walk_revisions())
    return [(r.revision, (r.doc or "").splitlines()[0]) for r in reversed(revisions)]


def ensure_current(url: str) -> None:
    """SQLite: upgrade when behind. Anything else: a ConfigError naming the command when the schema is behind."""
    found = current(url)
    if found == HEAD:
        return
    if url.startswith("sqlite"):
        upgrade(url)
        return
    state = "还没有建表" if found is None else f"结构是旧版本（{found}，需要 {HEAD}）"
    raise ConfigError(
        f"数据库{state}：先运行 huati db upgrade",
        field="database_url",
        hint="每个版本升级后在任意一台机器上运行一次 huati db upgrade（可重复运行）",
    )
