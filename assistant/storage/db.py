"""One SQL engine for all stored state. SQLite in WAL mode by default; any SQLAlchemy URL
(PostgreSQL for several API workers) through `HUATI_DATABASE_URL`.

Every table is declared in `assistant.storage.schema`; `get_engine` creates what is missing.
"""

from __future__ import annotations

import threading

from sqlalchemy import create_engine, event
from sqlalchemy.engine import Engine

from assistant.settings import Settings, get_settings
from assistant.storage.schema import metadata

_engines: dict[str, Engine] = {}
_lock = threading.Lock()


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
            def _sqlite_pragmas(dbapi_conn, _record):
                cur = dbapi_conn.cursor()
                cur.execute("PRAGMA journal_mode=WAL")
                cur.execute("PRAGMA synchronous=NORMAL")
                cur.execute("PRAGMA foreign_keys=ON")
                cur.execute("PRAGMA busy_timeout=30000")
                cur.close()
        else:
            engine = create_engine(url, pool_pre_ping=True)
        metadata.create_all(engine)
        _engines[url] = engine
        return engine


def dispose_engines() -> None:
    """Close every engine (tests switch HUATI_HOME between cases)."""
    with _lock:
        for engine in _engines.values():
            engine.dispose()
        _engines.clear()
