"""A group's imported activity in SQL: message rows (speaker tokens, digests), hourly counts, imports. A mixin of
`GroupStore` (`storage/groups.py`)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from datetime import date as Date
from typing import Any

from sqlalchemy import delete, func, insert, select
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import IntegrityError

from assistant.storage.schema import group_hours, group_imports, group_messages


def insert_ignore(conn: Connection, table: Any, rows: list[dict[str, Any]]) -> None:
    """Insert rows; a row whose key is already there is skipped."""
    if conn.dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as pg_insert

        conn.execute(pg_insert(table).on_conflict_do_nothing(), rows)
    elif conn.dialect.name == "sqlite":
        conn.execute(insert(table).prefix_with("OR IGNORE"), rows)
    else:  # other databases: one row at a time, duplicates skipped
        for row in rows:
            with conn.begin_nested():
                try:
                    conn.execute(insert(table), row)
                except IntegrityError:  # a duplicate key
                    pass


class ActivityRecords:
    engine: Engine

    # ------------------------------------------------------------------ messages and activity

    def count_messages(self, group: str) -> int:
        with self.engine.connect() as conn:
            q = select(func.count()).select_from(group_messages).where(group_messages.c.group_id == group)
            return int(conn.execute(q).scalar() or 0)

    def add_messages(self, rows: list[dict[str, Any]]) -> None:
        """Insert message rows; one already there (same group and digest) is skipped."""
        if not rows:
            return
        with self.engine.begin() as conn:
            if conn.dialect.name != "sqlite":
                insert_ignore(conn, group_messages, rows)
                return
            # SQLite: straight to the driver (an import writes 100,000 rows; SQLAlchemy's per-row parameter
            # processing would take most of the time). Times in SQLAlchemy's own SQLite format, so that
            # comparisons with bound datetimes stay right.
            conn.exec_driver_sql(
                "INSERT OR IGNORE INTO group_messages (group_id, digest, at, speaker, kind, text, import_id) "
                "VALUES (?, ?, ?, ?, ?, ?, ?)",
                [
                    (
                        r["group_id"],
                        r["digest"],
                        r["at"].strftime("%Y-%m-%d %H:%M:%S.%f"),
                        r["speaker"],
                        r["kind"],
                        r["text"],
                        r["import_id"],
                    )
                    for r in rows
                ],
            )

    def recompute_hours(self, group: str, first: Date, last: Date) -> None:
        """Messages and distinct speakers per day and hour for the days `first`..`last`, from the messages."""
        m = group_messages
        start, end = datetime.combine(first, datetime.min.time()), datetime.combine(last, datetime.min.time())
        query = select(m.c.at, m.c.speaker).where(
            (m.c.group_id == group)
            & (m.c.at >= start)
            & (m.c.at < end + timedelta(days=1))
            & (m.c.kind != "system")
        )
        counts: dict[tuple[Date, int], list[Any]] = {}
        with self.engine.begin() as conn:
            for at, speaker in conn.execute(query):
                slot = counts.setdefault((at.date(), at.hour), [0, set()])
                slot[0] += 1
                slot[1].add(speaker)
            conn.execute(
                delete(group_hours).where(
                    (group_hours.c.group_id == group)
                    & (group_hours.c.day >= first)
                    & (group_hours.c.day <= last)
                )
            )
            rows = [
                {"group_id": group, "day": d, "hour": h, "messages": n, "speakers": len(s)}
                for (d, h), (n, s) in counts.items()
            ]
            if rows:
                conn.execute(insert(group_hours), rows)

    def record_import(self, row: dict[str, Any]) -> int:
        with self.engine.begin() as conn:
            key = conn.execute(
                insert(group_imports), {**row, "created_at": datetime.now(UTC)}
            ).inserted_primary_key
        return int(key[0]) if key else 0

    def set_import_totals(self, import_id: int, **values: Any) -> None:
        with self.engine.begin() as conn:
            conn.execute(group_imports.update().where(group_imports.c.id == import_id).values(**values))

    def imports(self, group: str) -> list[dict[str, Any]]:
        with self.engine.connect() as conn:
            q = select(group_imports).where(group_imports.c.group_id == group).order_by(group_imports.c.id)
            return [dict(r) for r in conn.execute(q).mappings()]

    def messages_between(self, group: str, start: datetime, end: datetime) -> list[tuple[datetime, str, str]]:
        """(time, speaker hash, kind) of the group's messages in [start, end], oldest first."""
        m = group_messages
        q = (
            select(m.c.at, m.c.speaker, m.c.kind)
            .where((m.c.group_id == group) & (m.c.at >= start) & (m.c.at <= end))
            .order_by(m.c.at)
        )
        with self.engine.connect() as conn:
            return [(a, s, k) for a, s, k in conn.execute(q)]

    def hours(
        self, group: str, since: Date | None = None, before: Date | None = None
    ) -> list[tuple[Date, int, int, int]]:
        h = group_hours
        q = select(h.c.day, h.c.hour, h.c.messages, h.c.speakers).where(h.c.group_id == group)
        if since is not None:
            q = q.where(h.c.day >= since)
        if before is not None:
            q = q.where(h.c.day < before)
        with self.engine.connect() as conn:
            return [(d, hr, n, s) for d, hr, n, s in conn.execute(q.order_by(h.c.day, h.c.hour))]

    def speakers(self, group: str, since: datetime, until: datetime) -> list[tuple[str, int, int]]:
        """(speaker hash, messages, active days) in the window, most messages first."""
        m = group_messages
        days = func.count(func.distinct(func.date(m.c.at)))
        q = (
            select(m.c.speaker, func.count(), days)
            .where((m.c.group_id == group) & (m.c.at >= since) & (m.c.at < until) & (m.c.speaker != ""))
            .group_by(m.c.speaker)
            .order_by(func.count().desc())
        )
        with self.engine.connect() as conn:
            return [(s, int(n), int(d)) for s, n, d in conn.execute(q)]
