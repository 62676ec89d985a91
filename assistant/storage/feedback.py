"""Per-topic feedback: the operator's verdict (accepted / rejected / edited / posted) and, for a posted topic,
what it drew (when it went out, replies, people who replied, orders). Counts go to `topic_outcomes`
beside the verdict, so the learning reads one table whether the operator typed them or an import counted them."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Literal

from sqlalchemy import select

from assistant.errors import InputError
from assistant.models import DailyPlan
from assistant.storage.schema import feedback, topic_outcomes

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine

Verdict = Literal["accepted", "rejected", "edited", "posted"]
VERDICTS = ("accepted", "rejected", "edited", "posted")
COUNTS = ("replies", "repliers", "orders")
MAX_COUNT = 100_000


def check_outcome(verdict: str, posted_at: datetime | None, counts: dict[str, int | None]) -> None:
    """Counts and a posting time belong to a topic that went out; they are never negative and no more people
    replied than replies were written."""
    given = {k: v for k, v in counts.items() if v is not None}
    for name, value in given.items():
        if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_COUNT:
            raise InputError(f"{name} 应是 0 到 {MAX_COUNT} 之间的整数，收到：{value}", field=name)
    if verdict == "rejected" and (given or posted_at is not None):
        raise InputError(
            "标成不用（rejected）的话题没有发出去，不能记发出时间、回复数或成交数", field="verdict"
        )
    replies, repliers = given.get("replies"), given.get("repliers")
    if replies is not None and repliers is not None and repliers > replies:
        raise InputError(f"接话的人数（{repliers}）不能比回复条数（{replies}）还多", field="repliers")


def topic_index(plan: DailyPlan, key: int | str) -> int:
    text = str(key).strip()
    if text.isdigit():
        index = int(text)
        if 1 <= index <= len(plan.topics):
            return index
        raise InputError(f"方案 {plan.id} 只有 {len(plan.topics)} 个话题，没有第 {index} 个", field="topic")
    for i, t in enumerate(plan.topics, 1):
        if t.id == text:
            return i
    raise InputError(f"方案 {plan.id} 里没有话题 {text}", field="topic")


def _iso(value: Any) -> Any:
    return value.isoformat(timespec="minutes") if isinstance(value, datetime) else value


class FeedbackRecords:
    """Mixin of `Store`: feedback rows with their counts."""

    engine: Engine

    def get_plan(self, plan_id: str) -> DailyPlan:  # provided by Store
        raise NotImplementedError

    def add_feedback(
        self,
        plan_id: str,
        topic_index_or_id: int | str,
        verdict: Verdict,
        edited_text: str | None = None,
        note: str | None = None,
        *,
        posted_at: datetime | None = None,
        replies: int | None = None,
        repliers: int | None = None,
        orders: int | None = None,
    ) -> dict[str, Any]:
        if verdict not in VERDICTS:
            raise InputError(
                f"反馈只能是 accepted / rejected / edited / posted，收到：{verdict}", field="verdict"
            )
        if verdict == "edited" and not (edited_text or "").strip():
            raise InputError("选择 edited 时请用 --text 写上改后的话题", field="text")
        counts = {"replies": replies, "repliers": repliers, "orders": orders}
        check_outcome(verdict, posted_at, counts)
        plan = self.get_plan(plan_id)
        index = topic_index(plan, topic_index_or_id)
        topic = plan.topics[index - 1]
        now = datetime.now(UTC)
        row: dict[str, Any] = {
            "plan_id": plan.id,
            "topic_index": index,
            "topic_id": topic.id,
            "verdict": verdict,
            "edited_text": (edited_text or "").strip() or None,
            "note": note,
            "created_at": now,
        }
        outcome = verdict == "posted" or posted_at is not None or any(v is not None for v in counts.values())
        with self.engine.begin() as conn:
            key = conn.execute(feedback.insert(), row).inserted_primary_key
            if outcome and key is not None:
                conn.execute(
                    topic_outcomes.insert(),
                    {
                        "plan_id": plan.id,
                        "topic_index": index,
                        "topic_id": topic.id,
                        "group_id": plan.group,
                        "source": "feedback",
                        "feedback_id": key[0],
                        "posted_at": posted_at,
                        **counts,
                        "topic_type": topic.type.value,
                        "hook_kind": topic.hook.kind if topic.hook else "none",
                        "pattern": topic.pattern,
                        "created_at": now,
                    },
                )
        return {**row, "created_at": now.isoformat(), "posted_at": _iso(posted_at), **counts}

    def feedback_for(self, plan_id: str) -> list[dict[str, Any]]:
        """Feedback rows, oldest first, each with `posted_at`, `replies`, `repliers`, `orders` (None if not given)."""
        o = topic_outcomes
        query = (
            select(feedback, o.c.posted_at, o.c.replies, o.c.repliers, o.c.orders)
            .select_from(
                feedback.outerjoin(o, (o.c.feedback_id == feedback.c.id) & (o.c.source == "feedback"))
            )
            .where(feedback.c.plan_id == plan_id)
            .order_by(feedback.c.id)
        )
        with self.engine.connect() as conn:
            rows = conn.execute(query).mappings().all()
        return [
            {**dict(r), "created_at": r["created_at"].isoformat(), "posted_at": _iso(r["posted_at"])}
            for r in rows
        ]

    get_feedback = feedback_for  # alias used by the chat tools

    def measured_for(self, plan_id: str) -> list[dict[str, Any]]:
        """Replies counted in imported chats for this plan's topics (one row per topic found in a chat)."""
        o = topic_outcomes
        query = (
            select(
                o.c.topic_index,
                o.c.topic_id,
                o.c.group_id,
                o.c.posted_at,
                o.c.replies_30,
                o.c.replies_60,
                o.c.replies_120,
                o.c.repliers_120,
                o.c.match_score,
            )
            .where((o.c.plan_id == plan_id) & (o.c.source == "import"))
            .order_by(o.c.topic_index)
        )
        with self.engine.connect() as conn:
            rows = conn.execute(query).mappings().all()
        return [{**dict(r), "posted_at": _iso(r["posted_at"])} for r in rows]
