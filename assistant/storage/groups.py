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
from sqlalchemy.engine import Engine

from assistant.models import DailyPlan
from assistant.storage.group_activity import ActivityRecords, insert_ignore
from assistant.storage.schema import (
    GROUP_TABLES,
    chat_groups,
    feedback,
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


class GroupStore(ActivityRecords):
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
                insert_ignore(conn, chat_groups, [{"id": group, "created_at": now, "updated_at": now}])

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
