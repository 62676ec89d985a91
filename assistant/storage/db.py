"""One SQL engine for all stored state. SQLite in WAL mode by default; any SQLAlchemy URL
(PostgreSQL for several API workers) through `HUATI_DATABASE_URL`.

Every table is declared in `assistant.storage.schema` and made by the migrations (`assistant.storage.migrate`):
`get_engine` upgrades an embedded SQLite database by itself and refuses any other database that is behind.
"""

from __future__ import annotations

import os
import threading

from sqlalchemy import create_engine, event, make_url
from sqlalchemy.engine import Engine

from assistant.settings import Settings, get_settings
from assistant.storage.migrate import ensure_current

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
            create_owner_only(url)
            ensure_current(url)
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
            ensure_current(url)
            engine = create_engine(url, pool_pre_ping=True)
        _engines[url] = engine
        return engine


def create_owner_only(url: str) -> None:
    """Create a new SQLite file 0600 before SQLite does (it would use the umask, typically 0644); SQLite gives
    its -wal and -shm files the database file's permissions."""
    database = make_url(url).database
    if not database or database == ":memory:" or database.startswith("file:"):
        return
    try:
        os.close(os.open(database, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    except OSError:  # it exists already, or SQLite itself reports why it cannot be opened
        pass


def dispose_engines() -> None:
    """Close every engine (tests switch HUATI_HOME between cases)."""
    with _lock:
        for engine in _engines.values():
            engine.dispose()
        _engines.clear()
