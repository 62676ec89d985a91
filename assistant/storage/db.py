"""One SQL engine for all stored state. SQLite in WAL mode by default; any SQLAlchemy URL
(PostgreSQL for several API workers) through `HUATI_DATABASE_URL`.

Each store module declares its tables on the shared `metadata`; `get_engine` imports them
all and creates what is missing.
"""

from __future__ import annotations

import importlib
import threading

from sqlalchemy import MetaData, create_engine, event
from sqlalchemy.engine import Engine

from assistant.settings import Settings, get_settings

metadata = MetaData()

# Modules that declare tables on `metadata`. Missing ones are skipped while they are being written.
TABLE_MODULES = [
    "assistant.storage",  # plans, feedback
    "assistant.service.keys",  # API keys
    "assistant.service.jobs",  # batch jobs, webhook attempts, idempotency records
    "assistant.service.delivery.records",  # delivery results of plans (Postiz, 企业微信)
    "assistant.chat.sessions",  # chat sessions and messages
    "assistant.checks.judge",  # LLM judge cache
]

_engines: dict[str, Engine] = {}
_lock = threading.Lock()


def _import_tables() -> None:
    for name in TABLE_MODULES:
        try:
            importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name != name and not name.startswith(f"{exc.name}."):  # module or its package missing
                raise


def get_engine(settings: Settings | None = None) -> Engine:
    settings = settings or get_settings()
    url = settings.db_url
    with _lock:
        engine = _engines.get(url)
        if engine is not None:
            return engine
        if url.startswith("sqlite"):
            settings.ensure_home()
            engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})

            @event.listens_for(engine, "connect")
            def _sqlite_pragmas(dbapi_conn, _record):  # noqa: ANN001
                cur = dbapi_conn.cursor()
                cur.execute("PRAGMA journal_mode=WAL")
                cur.execute("PRAGMA synchronous=NORMAL")
                cur.execute("PRAGMA foreign_keys=ON")
                cur.execute("PRAGMA busy_timeout=30000")
                cur.close()
        else:
            engine = create_engine(url, pool_pre_ping=True)
        _import_tables()
        metadata.create_all(engine)
        _engines[url] = engine
        return engine


def dispose_engines() -> None:
    """Close every engine (tests switch HUATI_HOME between cases)."""
    with _lock:
        for engine in _engines.values():
            engine.dispose()
        _engines.clear()
