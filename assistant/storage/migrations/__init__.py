"""Alembic migrations of every table in `assistant.storage.schema` (run by `assistant.storage.migrate`).

`HEAD` names the newest revision so that a process can tell whether its database is current without importing
Alembic; `tests/storage/test_migrations.py` checks it against the revision files.
"""

HEAD = "0003_web_sessions"
BASELINE = "0001_baseline"


def include_object(obj: object, name: str | None, type_: str, reflected: bool, compare_to: object) -> bool:
    """The queue's own tables (huey_*, made by revision 0002 on PostgreSQL) are not in the model."""
    return not (type_ in ("table", "index") and name is not None and name.startswith("huey_"))
