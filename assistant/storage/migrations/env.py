"""Alembic environment. `assistant.storage.migrate` passes an open connection (already holding the migration
lock) in `config.attributes["connection"]`; developers may also run the `alembic` command line with
`-c assistant/storage/migrations/alembic.ini` (`revision --autogenerate -m "..."`)."""

from __future__ import annotations

from typing import Any

from alembic import context
from sqlalchemy import create_engine

from assistant.storage.migrations import include_object
from assistant.storage.schema import metadata

config = context.config


def _configure(connection: Any) -> None:
    context.configure(
        connection=connection,
        target_metadata=metadata,
        render_as_batch=connection.dialect.name == "sqlite",  # SQLite alters most things by copy-and-move
        compare_type=True,
        include_object=include_object,
    )


connection = config.attributes.get("connection")
if connection is not None:
    _configure(connection)
    context.run_migrations()  # inside the caller's transaction
else:
    with create_engine(config.get_main_option("sqlalchemy.url") or "").begin() as conn:
        _configure(conn)
        context.run_migrations()
