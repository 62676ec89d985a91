"""Group records in SQL: the group list, imported messages (hashed speakers), hourly activity, imports, and the
outcomes of posted topics. `GroupRecords` is the plain data drafting reads for one group and day (through
`Store.group_records`); `assistant.groups` writes everything here."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from datetime import date as Date
from typing import Any

from sqlalchemy import delete, func, insert, select
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import IntegrityError

from assistant.models import DailyPlan
from assistant.storage.schema import (
    GROUP_TABLES,
    chat_groups,
    feedback,
    group_hours,
    group_imports,
    group_messages,
    plan_groups,
    plans,
    topic_outcomes,
)


@dataclass(frozen=True)
class Outcome:
    """What one posted topic drew: replies in the first hour counted from a chat, else the operator's count."""

    group: str
    plan_id: str
    index: int
    day: Date
    type: str
    hook: str
    pattern: str
    replies: int
    source: str  # import | feedback


@dataclass
class GroupRecords:
    """Everything drafting needs about one group on one day, as plain data."""

    group: str
    outcomes: list[Outcome] = field(default_factory=list)  # every group's, before the day (the prior)
    hours: list[tuple[Date, int, int, int]] = field(default_factory=list)  # (day, hour, messages, speakers)
    rejected: list[str] = field(default_factory=list)  # texts this group's operator turned down

    @property
    def empty(self) -> bool:
        return not self.hours and not self.rejected and not any(o.group == self.group for o in self.outcomes)


def _insert_ignore(conn: Connection, table: Any, rows: list[dict[str, Any]]) -> None:
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


class GroupStore:
    def __init__(self, engine: Engine):
        self.engine = engine

    # ------------------------------------------------------------------ groups

    def touch(self, group: str) -> None:
        now = datetime.now(UTC)
        with self.engine.begin() as conn:
            updated = conn.execute(
                chat_groups.update().where(chat_groups.c.id == group).values(updated_at=now)
            )
            if not updated.rowcount:
                _insert_ignore(conn, chat_groups, [{"id": group, "created_at": now, "updated_at": now}])

    def known(self, group: str) -> bool:
        with self.engine.connect() as conn:
            if conn.execute(select(chat_groups.c.id).where(chat_groups.c.id == group)).first():
                return True
            return (
                conn.execute(select(plan_groups.c.plan_id).where(plan_groups.c.group_id == group)).first()
                is not None
            )

    def list_groups(self) -> list[dict[str, Any]]:
        """Every group with its plans, posted topics, imported messages and their time span."""
        with self.engine.connect() as conn:
            ids = set(conn.execute(select(chat_groups.c.id)).scalars()) | set(
                conn.execute(select(plan_groups.c.group_id).distinct()).scalars()
            )
            n_plans: dict[str, int] = dict(
                conn.execute(
                    select(plan_groups.c.group_id, func.count()).group_by(plan_groups.c.group_id)
                ).all()
            )
            spans = {
                g: (n, lo, hi)
                for g, n, lo, hi in conn.execute(
                    select(
                        group_messages.c.group_id,
                        func.count(),
                        func.min(group_messages.c.at),
                        func.max(group_messages.c.at),
                    ).group_by(group_messages.c.group_id)
                ).all()
            }
        posted: dict[str, int] = {}
        for o in self.outcomes():
            posted[o.group] = posted.get(o.group, 0) + 1
        out = []
        for g in sorted(ids):
            n, lo, hi = spans.get(g, (0, None, None))
            out.append(
                {
                    "id": g,
                    "plans": int(n_plans.get(g, 0)),
                    "posted": posted.get(g, 0),
                    "messages": int(n),
                    "first_at": lo.isoformat(timespec="minutes") if lo else None,
                    "last_at": hi.isoformat(timespec="minutes") if hi else None,
                }
            )
        return out

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
                _insert_ignore(conn, group_messages, rows)
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

    # ------------------------------------------------------------------ plans and outcomes

    def plans_of(self, group: str, since: Date | None = None, until: Date | None = None) -> list[DailyPlan]:
        q = select(plans.c.data).where(
            plans.c.id.in_(select(plan_groups.c.plan_id).where(plan_groups.c.group_id == group))
        )
        if since is not None:
            q = q.where(plans.c.date >= since)
        if until is not None:
            q = q.where(plans.c.date <= until)
        with self.engine.connect() as conn:
            return [
                DailyPlan.model_validate_json(d) for d in conn.execute(q.order_by(plans.c.date)).scalars()
            ]

    def manual_posts(self, plan_ids: Sequence[str]) -> dict[tuple[str, int], datetime]:
        """(plan, topic) -> the posting time the operator gave, latest word wins."""
        o = topic_outcomes
        q = (
            select(o.c.plan_id, o.c.topic_index, o.c.posted_at)
            .where(o.c.plan_id.in_(list(plan_ids)) & (o.c.source == "feedback") & o.c.posted_at.is_not(None))
            .order_by(o.c.id)
        )
        with self.engine.connect() as conn:
            return {(p, i): at for p, i, at in conn.execute(q)}

    def edited_texts(self, plan_ids: Sequence[str]) -> dict[tuple[str, int], str]:
        q = (
            select(feedback.c.plan_id, feedback.c.topic_index, feedback.c.edited_text)
            .where(feedback.c.plan_id.in_(list(plan_ids)) & feedback.c.edited_text.is_not(None))
            .order_by(feedback.c.id)
        )
        with self.engine.connect() as conn:
            return {(p, i): t for p, i, t in conn.execute(q)}

    def save_measured(self, group: str, rows: Iterable[dict[str, Any]]) -> int:
        """Replace the counted outcomes of these topics by `rows` (an import counts a topic again from scratch)."""
        rows = list(rows)
        now = datetime.now(UTC)
        with self.engine.begin() as conn:
            for row in rows:
                conn.execute(
                    delete(topic_outcomes).where(
                        (topic_outcomes.c.plan_id == row["plan_id"])
                        & (topic_outcomes.c.topic_index == row["topic_index"])
                        & (topic_outcomes.c.source == "import")
                    )
                )
            if rows:
                conn.execute(
                    insert(topic_outcomes),
                    [{**r, "group_id": group, "source": "import", "created_at": now} for r in rows],
                )
        return len(rows)

    def outcomes(self, before: Date | None = None, group: str | None = None) -> list[Outcome]:
        """One outcome per posted topic with a count (the chat's first-hour replies beat the operator's count)."""
        o = topic_outcomes
        q = (
            select(
                o.c.group_id,
                o.c.plan_id,
                o.c.topic_index,
                plans.c.date,
                o.c.topic_type,
                o.c.hook_kind,
                o.c.pattern,
                o.c.source,
                o.c.replies,
                o.c.replies_60,
            )
            .select_from(o.join(plans, plans.c.id == o.c.plan_id))
            .where(o.c.group_id.is_not(None))
            .order_by(o.c.id)
        )
        if before is not None:
            q = q.where(plans.c.date < before)
        if group is not None:
            q = q.where(o.c.group_id == group)
        best: dict[tuple[str, int], Outcome] = {}
        with self.engine.connect() as conn:
            for g, p, i, day, kind, hook, pattern, source, replies, replies_60 in conn.execute(q):
                count = replies_60 if source == "import" else replies
                if count is None or (
                    source == "feedback" and best.get((p, i), None) and best[(p, i)].source == "import"
                ):
                    continue
                best[(p, i)] = Outcome(
                    g, p, i, day, kind or "", hook or "none", pattern or "", int(count), source
                )
        return list(best.values())

    def rejected_texts(self, group: str) -> list[str]:
        """Topics of this group's plans whose latest verdict is rejected (and what the operator edited them to)."""
        ids = select(plan_groups.c.plan_id).where(plan_groups.c.group_id == group)
        q = (
            select(feedback.c.plan_id, feedback.c.topic_index, feedback.c.verdict)
            .where(feedback.c.plan_id.in_(ids))
            .order_by(feedback.c.id)
        )
        with self.engine.connect() as conn:
            latest = {(p, i): v for p, i, v in conn.execute(q)}
            wanted = {p for (p, _i), v in latest.items() if v == "rejected"}
            if not wanted:
                return []
            datas = conn.execute(select(plans.c.id, plans.c.data).where(plans.c.id.in_(wanted))).all()
        texts = []
        for plan_id, data in datas:
            plan = DailyPlan.model_validate_json(data)
            for i, topic in enumerate(plan.topics, 1):
                if latest.get((plan_id, i)) == "rejected":
                    texts.append(topic.text)
        return texts

    def records(self, group: str, day: Date, weeks: int = 8) -> GroupRecords:
        return GroupRecords(
            group,
            outcomes=self.outcomes(before=day),
            hours=self.hours(group, since=day - timedelta(weeks=weeks), before=day),
            rejected=self.rejected_texts(group),
        )

    # ------------------------------------------------------------------ forget

    def forget(self, group: str) -> dict[str, int]:
        """Delete every row of the group; its plans stay, no longer tied to it. Returns rows deleted per table."""
        deleted: dict[str, int] = {}
        with self.engine.begin() as conn:
            linked = list(
                conn.execute(select(plan_groups.c.plan_id).where(plan_groups.c.group_id == group)).scalars()
            )
            for plan_id, data in conn.execute(
                select(plans.c.id, plans.c.data).where(plans.c.id.in_(linked))
            ).all():
                plan = DailyPlan.model_validate_json(data)
                plan.group = None
                if plan.request is not None:
                    plan.request.group = None
                conn.execute(
                    plans.update()
                    .where(plans.c.id == plan_id)
                    .values(data=plan.model_dump_json(by_alias=True))
                )
            deleted["plans_untied"] = len(linked)
            for table in GROUP_TABLES:
                column = table.c.id if table is chat_groups else table.c.group_id
                deleted[table.name] = conn.execute(delete(table).where(column == group)).rowcount or 0
            deleted[topic_outcomes.name] += (
                conn.execute(delete(topic_outcomes).where(topic_outcomes.c.plan_id.in_(linked))).rowcount or 0
            )
        return deleted
