"""Columns added after a table was first created: `create_all` never alters existing tables, so a module that
adds a nullable column calls `ensure_columns` once per engine before using it."""

from __future__ import annotations

import threading

from sqlalchemy import Table, inspect, text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError

_done: set[tuple[str, str]] = set()
_lock = threading.Lock()


def ensure_columns(engine: Engine, table: Table) -> None:
    """ALTER TABLE … ADD COLUMN for every nullable column of `table` the database does not have yet."""
    marker = (f"{id(engine)}:{engine.url}", table.name)
    if marker in _done:
        return
    with _lock:
        if marker in _done:
            return
        present = {c["name"] for c in inspect(engine).get_columns(table.name)}
        missing = [c for c in table.columns if c.name not in present and c.nullable]
        for column in missing:
            kind = column.type.compile(dialect=engine.dialect)
            try:
                with engine.begin() as conn:
                    conn.execute(text(f'ALTER TABLE {table.name} ADD COLUMN "{column.name}" {kind}'))
            except DBAPIError:  # another worker added it first
                if column.name not in {c["name"] for c in inspect(engine).get_columns(table.name)}:
                    raise
        _done.add(marker)
