"""Plans, feedback and history in SQLite; dedup of recent topics across days."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from assistant.drafting import draft_plan
from assistant.drafting.ranking import is_near_duplicate
from assistant.errors import InputError, NotFoundError
from assistant.models import PlanRequest
from assistant.storage import Store

DAY = date(2026, 12, 21)


def _draft(product="亮白牙膏", day=DAY, audience="宝妈群", n=3, save=True):
    return draft_plan(PlanRequest(product=product, date=day, audience=audience, n=n), save=save)


def test_save_get_list(huati_env):
    a = _draft()
    b = _draft("空气炸锅", audience="职场白领群")
    assert a.id and b.id and a.id != b.id and a.id.isalnum() and len(a.id) <= 12
    store = Store()
    got = store.get_plan(a.id)
    assert got.model_dump() == a.model_dump()
    assert got.request and got.request.product == "亮白牙膏"  # inputs kept with outputs
    plans, total = store.list_plans()
    assert total == 2 and [p.id for p in plans] == [b.id, a.id]
    plans, total = store.list_plans(product="toothpaste")
    assert total == 1 and plans[0].id == a.id
    plans, total = store.list_plans(audience="职场白领群")
    assert [p.id for p in plans] == [b.id]
    plans, total = store.list_plans(limit=1, offset=1)
    assert total == 2 and [p.id for p in plans] == [a.id]
    assert store.list_plans(date=DAY + timedelta(days=1)) == ([], 0)


def test_save_false_stores_nothing(huati_env):
    _draft(save=False)
    assert Store().list_plans() == ([], 0)


def test_unknown_plan(huati_env):
    with pytest.raises(NotFoundError):
        Store().get_plan("nope")


def test_feedback(huati_env):
    plan = _draft()
    store = Store()
    store.add_feedback(plan.id, 1, "accepted")
    store.add_feedback(plan.id, plan.topics[1].id, "edited", edited_text="改过的话题：你家牙膏谁买？")
    rows = store.feedback_for(plan.id)
    assert [(r["topic_index"], r["verdict"]) for r in rows] == [(1, "accepted"), (2, "edited")]
    assert rows[1]["edited_text"].startswith("改过的话题")
    with pytest.raises(InputError):
        store.add_feedback(plan.id, 9, "accepted")
    with pytest.raises(InputError):
        store.add_feedback(plan.id, 1, "edited")
    with pytest.raises(InputError):
        store.add_feedback(plan.id, 1, "maybe")  # type: ignore[arg-type]
    with pytest.raises(NotFoundError):
        store.add_feedback("missing", 1, "accepted")


def test_no_repeats_for_the_same_group_across_days(huati_env):
    seen: list[str] = []
    for i in range(4):
        plan = _draft(day=DAY + timedelta(days=i))
        texts = [t.text for t in plan.topics]
        for t in texts:
            assert not is_near_duplicate(t, seen), (t, seen)
        seen += texts
    # another group may get the same topics
    other = _draft(day=DAY, audience="职场白领群")
    assert other.topics


class _NoHistory:
    def recent_topics(self, *a, **kw):
        return []


def test_redraft_same_day_is_stable_and_old_history_expires(huati_env, monkeypatch):
    from assistant.settings import get_settings, reset_settings

    first = _draft()
    again = _draft()
    assert [t.text for t in first.topics] == [t.text for t in again.topics]
    monkeypatch.setenv("HUATI_HISTORY_DAYS", "2")
    reset_settings()
    settings = get_settings()
    firsts = [f.question for f in first.topics]
    req = clean = None
    for offset in range(3, 30):  # a later day whose memory-free plan would repeat a day-1 question
        req = PlanRequest(product="亮白牙膏", date=DAY + timedelta(days=offset), audience="宝妈群", n=3)
        clean = draft_plan(req, save=False, store=_NoHistory(), settings=settings)
        if any(t.question in firsts for t in clean.topics):
            break
    else:
        pytest.fail("no later day repeats a day-1 question without memory")
    later = draft_plan(req, save=False, settings=settings)  # day 1 is outside the 2-day window
    assert [t.text for t in later.topics] == [t.text for t in clean.topics]
    inside = draft_plan(
        req.model_copy(update={"date": DAY + timedelta(days=1)}), save=False, settings=settings
    )
    assert not any(t.question in [f.question for f in first.topics] for t in inside.topics)


def test_rejected_topics_do_not_block(huati_env):
    plan = _draft()
    store = Store()
    texts = store.recent_topic_texts("宝妈群", since_date=DAY, before_date=DAY + timedelta(days=1))
    assert set(texts) == {t.text for t in plan.topics}
    store.add_feedback(plan.id, 1, "rejected")
    texts = store.recent_topic_texts("宝妈群", since_date=DAY, before_date=DAY + timedelta(days=1))
    assert plan.topics[0].text not in texts


def test_history_for_dedup_lists_each_text_once(huati_env):
    # Drafting the same day again (the page's button pressed twice) repeats texts; dedup matches each once.
    day = date(2026, 12, 21)
    request = PlanRequest(product="亮白牙膏", audience="宝妈群", date=day)
    first = draft_plan(request)
    draft_plan(request)
    recent = Store().recent_topic_texts("宝妈群", since_date=day, before_date=day + timedelta(days=1))
    assert sorted(recent) == sorted(t.text for t in first.topics)


def test_recent_topics_carry_the_last_date_each_text_was_proposed(huati_env):
    first = _draft(day=DAY)
    again = _draft(day=DAY + timedelta(days=3), save=False)
    Store().save_plan(again.model_copy(update={"topics": [first.topics[0], *again.topics[1:]]}))
    store = Store()
    store.add_feedback(first.id, 2, "edited", edited_text="你家牙膏是谁挑的？")
    pairs = store.recent_topics("宝妈群", since_date=DAY, before_date=DAY + timedelta(days=10))
    when = dict(pairs)
    assert len(when) == len(pairs)  # each text once
    assert when[first.topics[0].text] == DAY + timedelta(days=3)  # proposed again later: the later day
    assert when[first.topics[1].text] == DAY and when["你家牙膏是谁挑的？"] == DAY
    assert [d for _t, d in pairs] == sorted(d for _t, d in pairs)
    assert store.recent_topic_texts("宝妈群", since_date=DAY, before_date=DAY + timedelta(days=10)) == [
        t for t, _d in pairs
    ]


class _MemoryStore:
    """A store that is not SQL: drafting must read the group's history (texts and dates) only through it."""

    def __init__(self) -> None:
        self.seen: list[tuple[str, date]] = []

    def recent_topics(self, audience, product=None, since_date=None, before_date=None):
        return [(t, d) for t, d in self.seen if since_date <= d < before_date]


def test_repeat_notes_take_their_dates_from_the_store(huati_env, monkeypatch):
    from assistant.settings import get_settings, reset_settings

    monkeypatch.setenv("HUATI_HISTORY_DAYS", "60")
    reset_settings()
    store, start, noted = _MemoryStore(), date(2026, 3, 2), 0
    for i in range(30):
        day = start + timedelta(days=i)
        request = PlanRequest(product="竹纤维抽纸", category="家居日用", audience="宝妈群", date=day)
        plan = draft_plan(request, save=False, store=store, settings=get_settings())
        last = {t: d for t, d in store.seen}
        for t in plan.topics:
            if "重复" in t.note:
                noted += 1
                quoted = t.note.split("「", 1)[1].split("」", 1)[0].rstrip("…")
                when = next(d for text, d in last.items() if text.startswith(quoted))
                assert t.note.startswith(f"和{when.month}月{when.day}日"), (t.note, when)
        store.seen += [(t.text, day) for t in plan.topics]
    assert noted
