"""Counting what a posted topic drew: messages by other members in its first 30 / 60 / 120 minutes, and how many
people wrote them. A window ends early when the next topic goes out (those replies are the next topic's)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from assistant.groups.matching import PostedTopic, topics_of
from assistant.storage.groups import GroupStore

if TYPE_CHECKING:
    from assistant.storage import Store

WINDOWS = (30, 60, 120)  # minutes
NEAREST = timedelta(minutes=3)  # a posting time given by hand names the message within this of it


def count_after(
    messages: list[tuple[datetime, str, str]], posted_at: datetime, poster: str, cut: datetime | None = None
) -> dict[str, int]:
    """replies_30 / replies_60 / replies_120 and repliers_120 from (time, speaker, kind) rows."""
    out = {f"replies_{w}": 0 for w in WINDOWS}
    people: set[str] = set()
    for at, speaker, kind in messages:
        if at < posted_at or (cut is not None and at >= cut):
            continue
        if not speaker or speaker == poster or kind == "system":
            continue
        minutes = (at - posted_at).total_seconds() / 60
        for w in WINDOWS:
            if minutes <= w:
                out[f"replies_{w}"] += 1
        if minutes <= WINDOWS[-1]:
            people.add(speaker)
    return {**out, "repliers_120": len(people)}


def poster_near(messages: list[tuple[datetime, str, str]], at: datetime) -> tuple[datetime, str] | None:
    """The message nearest to a posting time given by hand (its sender is taken for the operator)."""
    close = [(abs(m - at), m, s) for m, s, k in messages if s and k != "system" and abs(m - at) <= NEAREST]
    if not close:
        return None
    _, when, who = min(close)
    return when, who


def measure(
    store: GroupStore, group: str, posts: list[tuple[PostedTopic, datetime, str, float | None]]
) -> int:
    """Count and save the replies of each (topic, posted at, poster, match score); returns how many."""
    posts = sorted(posts, key=lambda p: p[1])
    rows: list[dict[str, Any]] = []
    for i, (topic, at, poster, score) in enumerate(posts):
        nxt = posts[i + 1][1] if i + 1 < len(posts) and posts[i + 1][1] > at else None
        messages = store.messages_between(group, at, at + timedelta(minutes=WINDOWS[-1]))
        rows.append(
            {
                "plan_id": topic.plan_id,
                "topic_index": topic.index,
                "topic_id": topic.topic_id,
                "posted_at": at,
                **count_after(messages, at, poster, nxt),
                "match_score": score,
                "topic_type": topic.type,
                "hook_kind": topic.hook,
                "pattern": topic.pattern,
            }
        )
    return store.save_measured(group, rows)


def by_time(
    store: GroupStore, group: str, topics: list[PostedTopic]
) -> list[tuple[PostedTopic, datetime, str, float | None]]:
    """Topics with a posting time given by hand, found in the stored messages by that time alone."""
    out: list[tuple[PostedTopic, datetime, str, float | None]] = []
    for t in topics:
        if t.hint is None:
            continue
        near = poster_near(store.messages_between(group, t.hint - NEAREST, t.hint + NEAREST), t.hint)
        if near is not None:
            out.append((t, near[0], near[1], None))
    return out


def count_for_plan(store: Store, plan_id: str, index: int | None = None) -> list[str]:
    """After `feedback … posted --at`: when the group's imported chat covers that time, count the replies from
    it right away. Returns lines for the operator (none when there is nothing to count)."""
    plan = store.get_plan(plan_id)
    if not plan.group:
        return []
    groups = store.groups
    topics = [t for t in topics_of(groups, plan.group, plan.date, plan.date) if t.plan_id == plan.id]
    posts = by_time(groups, plan.group, topics)
    if not posts:
        return []
    measure(groups, plan.group, posts)
    lines = []
    for m in store.measured_for(plan.id):
        if index is not None and m["topic_index"] != index:
            continue
        lines.append(
            f"群聊记录里话题 {m['topic_index']} 发出后：30 分钟 {m['replies_30']} 条、60 分钟 {m['replies_60']} 条、"
            f"120 分钟 {m['replies_120']} 条回复，{m['repliers_120']} 人接话"
        )
    return lines
