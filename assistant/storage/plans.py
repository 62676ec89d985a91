"""Plans, their topics, per-topic feedback and revisions in SQL (SQLite WAL by default): history, export,
dedup. A revision replaces the topic in the stored plan (what the copywriter copies is the current text)
and keeps the text it replaced in `topic_revisions`."""

from __future__ import annotations

import secrets
from datetime import UTC, datetime, timedelta
from datetime import date as Date
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.engine import Connection

from assistant.errors import InputError, NotFoundError
from assistant.models import DailyPlan, Topic, TopicOrigin
from assistant.settings import Settings, get_settings
from assistant.storage.db import get_engine
from assistant.storage.feedback import FeedbackRecords
from assistant.storage.groups import GroupRecords, GroupStore
from assistant.storage.schema import feedback, plan_groups, plan_topics, plans, revisions

_ALPHABET = "abcdefghijkmnpqrstuvwxyz23456789"


def new_plan_id() -> str:
    """Short, URL-safe, unambiguous (no 0/o/1/l)."""
    return "".join(secrets.choice(_ALPHABET) for _ in range(10))


def _audience_key(plan: DailyPlan) -> str | None:
    return plan.audience.name if plan.audience else None


def write_plan(conn: Connection, plan: DailyPlan) -> str:
    """Insert a plan, its topics and its chat group inside the caller's transaction (a batch item saves its plan
    together with its own row). Gives the plan an id when it has none; returns the id."""
    if not plan.id:
        plan.id = new_plan_id()
    row = {
        "id": plan.id,
        "created_at": plan.created_at,
        "date": plan.date,
        "product_id": plan.product.id,
        "product_name": plan.product.name,
        "audience": _audience_key(plan),
        "engine": plan.engine,
        "model": plan.model,
        "data": plan.model_dump_json(by_alias=True),
    }
    topic_rows = [
        {
            "plan_id": plan.id,
            "idx": i,
            "topic_id": t.id,
            "text": t.text,
            "date": plan.date,
            "audience": _audience_key(plan),
            "product_id": plan.product.id,
        }
        for i, t in enumerate(plan.topics, 1)
    ]
    conn.execute(plans.insert(), row)
    if topic_rows:
        conn.execute(plan_topics.insert(), topic_rows)
    if plan.group:
        conn.execute(plan_groups.insert(), {"plan_id": plan.id, "group_id": plan.group})
    return plan.id


class Store(FeedbackRecords):
    def __init__(self, settings: Settings | None = None):
        self.settings = settings or get_settings()
        self.engine = get_engine(self.settings)
        self.groups = GroupStore(self.engine)

    def group_records(self, group: str, day: Date) -> GroupRecords:
        """What drafting reads about a chat group on `day`: outcomes (all groups', for the prior), its hourly
        activity in the weeks before, and the topics its operator rejected."""
        return self.groups.records(group, day)

    # ------------------------------------------------------------------ plans

    def save_plan(self, plan: DailyPlan) -> str:
        with self.engine.begin() as conn:
            conn.execute(plan_topics.delete().where(plan_topics.c.plan_id == plan.id))
            conn.execute(plan_groups.delete().where(plan_groups.c.plan_id == plan.id))
            conn.execute(plans.delete().where(plans.c.id == plan.id))
            return write_plan(conn, plan)

    def get_plan(self, plan_id: str) -> DailyPlan:
        with self.engine.connect() as conn:
            data = conn.execute(select(plans.c.data).where(plans.c.id == str(plan_id).strip())).scalar()
        if data is None:
            raise NotFoundError(f"找不到方案 {plan_id}", hint="用 huati history 查看已有方案")
        return DailyPlan.model_validate_json(data)

    def list_plans(
        self,
        date: Date | None = None,
        product: str | None = None,
        audience: str | None = None,
        limit: int = 20,
        offset: int = 0,
        *,
        date_from: Date | None = None,
        date_to: Date | None = None,
        by_date: bool = False,
        group: str | None = None,
    ) -> tuple[list[DailyPlan], int]:
        """Newest first (created, or plan date with `by_date`). `product` matches the catalogue id or name;
        `audience` the group type; `group` the chat group; `date_from` / `date_to` bound the plan date (inclusive)."""
        query = select(plans.c.data)
        count = select(func.count()).select_from(plans)
        conds = []
        if date is not None:
            conds.append(plans.c.date == date)
        if product:
            conds.append((plans.c.product_id == product) | (plans.c.product_name == product))
        if audience:
            conds.append(plans.c.audience == audience)
        if date_from is not None:
            conds.append(plans.c.date >= date_from)
        if date_to is not None:
            conds.append(plans.c.date <= date_to)
        if group:
            conds.append(plans.c.id.in_(select(plan_groups.c.plan_id).where(plan_groups.c.group_id == group)))
        for cond in conds:
            query, count = query.where(cond), count.where(cond)
        order = (plans.c.date.desc(), plans.c.created_at.desc()) if by_date else (plans.c.created_at.desc(),)
        query = query.order_by(*order, plans.c.id).limit(max(1, limit)).offset(max(0, offset))
        with self.engine.connect() as conn:
            rows = conn.execute(query).scalars().all()
            total = conn.execute(count).scalar() or 0
        return [DailyPlan.model_validate_json(r) for r in rows], int(total)

    # ------------------------------------------------------------------ revisions

    def save_revision(
        self,
        plan_id: str,
        index: int,
        topic: Topic,
        *,
        instruction: str = "",
        engine: str = "offline",
        model: str = "",
        source: str = "",
    ) -> dict[str, Any]:
        """Replace topic `index` (1-based) of the stored plan by `topic`, keeping the replaced text as a
        revision record. The day's timeline follows a new lead topic. Returns the record."""
        plan = self.get_plan(plan_id)
        if not 1 <= index <= len(plan.topics):
            raise InputError(
                f"方案 {plan.id} 只有 {len(plan.topics)} 个话题，没有第 {index} 个", field="topic"
            )
        before = plan.topics[index - 1]
        plan.topics[index - 1] = topic
        plan.topic_origins.pop(before.id, None)
        if engine in ("offline", "llm"):  # who wrote the new text, whatever wrote the rest of the plan
            plan.topic_origins[topic.id] = TopicOrigin(engine=engine, model=model or plan.model)
        if index == 1:
            retarget_timeline(plan, before)
        now = datetime.now(UTC)
        row: dict[str, Any] = {
            "plan_id": plan.id,
            "topic_index": index,
            "before_text": before.text,
            "after_text": topic.text,
            "instruction": instruction,
            "engine": engine,
            "model": model,
            "source": source,
            "created_at": now,
        }
        with self.engine.begin() as conn:
            conn.execute(
                plans.update().where(plans.c.id == plan.id).values(data=plan.model_dump_json(by_alias=True))
            )
            conn.execute(
                plan_topics.update()
                .where((plan_topics.c.plan_id == plan.id) & (plan_topics.c.idx == index))
                .values(text=topic.text, topic_id=topic.id)
            )
            key = conn.execute(revisions.insert(), row).inserted_primary_key
            assert key is not None
            row["id"] = key[0]
        return {**row, "created_at": now.isoformat()}

    def revisions_for(self, plan_id: str, index: int | None = None) -> list[dict[str, Any]]:
        """Revision records of a plan (or of one topic), oldest first."""
        query = select(revisions).where(revisions.c.plan_id == plan_id)
        if index is not None:
            query = query.where(revisions.c.topic_index == index)
        with self.engine.connect() as conn:
            rows = conn.execute(query.order_by(revisions.c.id)).mappings().all()
        return [{**dict(r), "created_at": r["created_at"].isoformat()} for r in rows]

    # ------------------------------------------------------------------ history for dedup

    def recent_topic_texts(
        self,
        audience: str | None,
        product: str | None = None,
        since_date: Date | None = None,
        before_date: Date | None = None,
    ) -> list[str]:
        """Topic texts proposed for this group since `since_date` (edited texts included), for dedup."""
        return [text for text, _day in self.recent_topics(audience, product, since_date, before_date)]

    def recent_topics(
        self,
        audience: str | None,
        product: str | None = None,
        since_date: Date | None = None,
        before_date: Date | None = None,
    ) -> list[tuple[str, Date]]:
        """(text, last plan date it was proposed on) for this group since `since_date`, each text once, edited
        and replaced texts included. Rejected topics are left out: the operator never posted them."""
        query = select(plan_topics.c.plan_id, plan_topics.c.idx, plan_topics.c.text, plan_topics.c.date)
        if audience is None:
            query = query.where(plan_topics.c.audience.is_(None))
        else:
            query = query.where(plan_topics.c.audience == audience)
        if product:
            query = query.where(plan_topics.c.product_id == product)
        if since_date is not None:
            query = query.where(plan_topics.c.date >= since_date)
        if before_date is not None:
            query = query.where(plan_topics.c.date < before_date)
        with self.engine.connect() as conn:
            rows = conn.execute(query.order_by(plan_topics.c.date)).all()
            plan_ids = {r[0] for r in rows}
            replaced = conn.execute(
                select(revisions.c.plan_id, revisions.c.topic_index, revisions.c.before_text).where(
                    revisions.c.plan_id.in_(plan_ids)
                )
            ).all()
            verdicts = conn.execute(
                select(feedback.c.plan_id, feedback.c.topic_index, feedback.c.verdict, feedback.c.edited_text)
                .where(feedback.c.plan_id.in_(plan_ids))
                .order_by(feedback.c.id)
            ).all()
        last = {(p, i): (v, e) for p, i, v, e in verdicts}
        day_of = {plan_id: day for plan_id, _idx, _text, day in rows}
        out: dict[str, Date] = {}  # a day drafted again repeats the same texts: each once, latest date
        for plan_id, idx, text, day in rows:
            verdict, edited = last.get((plan_id, idx), (None, None))
            if verdict == "rejected":
                continue
            out[text] = day
            if edited:
                out[edited] = day
        for plan_id, idx, text in replaced:
            if last.get((plan_id, idx), (None,))[0] != "rejected":
                out[text] = max(out.get(text, day_of[plan_id]), day_of[plan_id])
        return sorted(out.items(), key=lambda item: item[1])  # oldest first, as the engine reads them


def retarget_timeline(plan: DailyPlan, old_lead: Topic) -> None:
    """The day's timeline follows the lead topic: point its steps at the new one when the lead changed."""
    new = plan.topics[0] if plan.topics else None
    if new is None or new.text == old_lead.text:
        return
    follow_ups = iter(new.follow_ups)
    for step in plan.timeline:
        if step.stage == "launch" and step.text == old_lead.text:
            step.text = new.text
        elif step.stage == "follow_up" and step.text in old_lead.follow_ups:
            step.text = next(follow_ups, "")
        elif step.stage == "product_link" and old_lead.bridge and step.text == old_lead.bridge:
            step.text = new.bridge or step.text


def history_since(day: Date, days: int) -> Date:
    return day - timedelta(days=days)
