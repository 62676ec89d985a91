"""Plans tied to a group: rejected topics never come back, the timeline follows the group's own clock."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from assistant.drafting import draft_plan
from assistant.drafting.ranking import is_near_duplicate
from assistant.drafting.rhythm import group_rhythm
from assistant.models import PlanRequest

GROUP = "阳光宝妈群"


def _plan(settings, store, day: date, group: str | None = GROUP, product: str = "亮白牙膏"):
    request = PlanRequest(product=product, audience="宝妈群", date=day, group=group)
    return draft_plan(request, settings=settings, store=store)


def test_rejected_topics_never_come_back_to_that_group(huati_env, store):
    first = _plan(huati_env, store, date(2026, 12, 1))
    rejected = [first.topics[0].text, first.topics[2].text]
    store.add_feedback(first.id, 1, "rejected", note="太普通了，群里没人回")
    store.add_feedback(first.id, 3, "rejected")
    for offset in range(1, 21):  # beyond the 14-day memory window: rejection is for good
        plan = _plan(huati_env, store, date(2026, 12, 1) + timedelta(days=offset))
        for topic in plan.topics:
            assert not is_near_duplicate(topic.text, rejected), (offset, topic.text)
    # another group (and a plan with no group) may still get them
    other = _plan(huati_env, store, date(2026, 12, 1), group="别的群")
    assert other.topics[0].text == first.topics[0].text


def test_timeline_follows_the_groups_clock(huati_env, store):
    from assistant.storage.schema import group_hours

    rows = []
    start = date(2026, 11, 1)
    for d in range(28):  # four weeks: awake from 8, busiest 22-24
        day = start + timedelta(days=d)
        for hour, n in ((8, 8), (12, 4), (20, 6), (21, 10), (22, 30), (23, 25)):
            rows.append({"group_id": GROUP, "day": day, "hour": hour, "messages": n, "speakers": 4})
    with store.engine.begin() as conn:
        conn.execute(group_hours.insert(), rows)
    plan = _plan(huati_env, store, date(2026, 11, 29))
    times = {s.stage: s.time for s in plan.timeline}
    assert times["warm_up"] == "08:00" and times["launch"] == "22:00" and times["wrap_up"] >= "23:50"
    assert any("按这个群自己的聊天记录排" in n for n in plan.notes)
    plain = _plan(huati_env, store, date(2026, 11, 29), group=None)
    assert [s.time for s in plain.timeline] != [s.time for s in plan.timeline]
    assert not any("聊天记录" in n for n in plain.notes)


def test_too_little_activity_keeps_the_audience_default_and_says_so():
    hours = [(date(2026, 11, 1) + timedelta(days=d), 21, 20, 5) for d in range(5)]
    rhythm = group_rhythm(hours, date(2026, 11, 10), "宝妈群")
    assert rhythm.windows is None
    assert "还不够" in rhythm.note and "宝妈群" in rhythm.note


def test_feedback_counts_and_group_are_stored_and_exported(huati_env, store):
    from assistant.cli.plan_text import plan_markdown

    plan = _plan(huati_env, store, date(2026, 12, 4))
    row = store.add_feedback(
        plan.id,
        2,
        "posted",
        note="晚上九点发的",
        posted_at=datetime(2026, 12, 4, 21, 2),
        replies=14,
        repliers=9,
        orders=3,
    )
    assert (row["replies"], row["repliers"], row["orders"], row["posted_at"]) == (
        14,
        9,
        3,
        "2026-12-04T21:02",
    )
    store.add_feedback(plan.id, 1, "rejected", note="太普通了")
    saved = store.feedback_for(plan.id)
    assert [f["verdict"] for f in saved] == ["posted", "rejected"]
    md = plan_markdown(store.get_plan(plan.id), saved)
    assert "话题 2：发了（12-04 21:02）｜回复 14 条、接话 9 人、成交 3 单｜备注：晚上九点发的" in md
    assert "话题 1：不用｜备注：太普通了" in md and "群 阳光宝妈群" in md
    listed, total = store.list_plans(group=GROUP)
    assert total == 1 and listed[0].group == GROUP
