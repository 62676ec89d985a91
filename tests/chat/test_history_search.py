"""History answers (past plans only, which topic got which feedback, the best one, honest counts) and
searches that resolve named festivals to their dates and never overclaim."""

from __future__ import annotations

import re
from datetime import date as Date
from datetime import timedelta

from assistant import chat
from assistant.chat.lookup import hits_reply
from assistant.models import SearchHit, TrendItem
from assistant.retrieval import today
from assistant.retrieval.calendar import events_for, spring_festival
from assistant.storage import Store


def _copies(plan_id: str, days_ago: list[int]) -> list[str]:
    """Store copies of a plan dated `days_ago` days before today (negative: in the future)."""
    store = Store()
    base = store.get_plan(plan_id)
    ids = []
    for n in days_ago:
        copy = base.model_copy(update={"id": "", "date": today() - timedelta(days=n)}, deep=True)
        ids.append(store.save_plan(copy))
    return ids


def test_last_week_leaves_out_future_plans(chat_env):
    s = chat.new_session()
    future = chat.respond(s.id, "后天卖儿童保温杯，宝妈群，给我两个话题").plan_id
    past = _copies(future, [3])[0]
    reply = chat.respond(s.id, "上周那个保温杯的话题效果怎样？").message.content
    assert past in reply and future not in reply
    assert "共 1 份" in reply and "另有 1 份日期在今天之后" in reply
    assert "还没有运营反馈" in reply  # no feedback: says it cannot tell how it went


def test_more_plans_than_listed_says_so(chat_env):
    s = chat.new_session()
    first = chat.respond(s.id, "今天卖电热毯，给我两个话题").plan_id
    _copies(first, [1] * 10)
    reply = chat.respond(s.id, "最近的方案").message.content
    assert "共 11 份，列出最近 10 份" in reply
    assert len(re.findall(r"^· ", reply, flags=re.M)) == 10


def test_which_did_best_is_an_answer(chat_env):
    s = chat.new_session()
    a = chat.respond(s.id, "今天卖空气炸锅，宝妈群，给我三个话题").plan_id
    b = _copies(a, [2])[0]
    store = Store()
    store.add_feedback(a, 1, "rejected", note="没人回")
    store.add_feedback(b, 3, "accepted", note="回复 50 多条")
    reply = chat.respond(s.id, "上周发的话题哪个效果最好").message.content
    first = reply.splitlines()[0]
    best = store.get_plan(b).topics[2].text
    assert (
        first.startswith("按运营反馈看，效果最好的是")
        and b in first
        and best in first
        and "回复 50 多条" in first
    )


def test_which_did_best_without_feedback_says_it_cannot_tell(chat_env):
    s = chat.new_session()
    chat.respond(s.id, "今天卖空气炸锅，给我两个话题")
    reply = chat.respond(s.id, "上周哪个话题效果最好").message.content
    assert "没法判断哪个效果最好" in reply and "huati feedback" in reply


def _date_in(text: str) -> Date:
    return Date.fromisoformat(re.search(r"\d{4}-\d{2}-\d{2}", text)[0])


def test_solar_term_resolves_to_its_next_date(chat_env):
    s = chat.new_session()
    reply = chat.respond(s.id, "冬至有什么可以聊的").message.content
    day = _date_in(reply)
    assert today() <= day <= today() + timedelta(days=366)
    assert "冬至" in [e.name for e in events_for(day, 0)]  # the calendar agrees it is 冬至 that day
    assert "相关的" not in reply and "冬季" not in reply  # no other events passed off as related


def test_spring_festival_resolves_to_its_date(chat_env):
    s = chat.new_session()
    reply = chat.respond(s.id, "春节有什么可以聊的").message.content
    day = _date_in(reply)
    assert day in (spring_festival(today().year), spring_festival(today().year + 1)) and day >= today()
    assert "双12" not in reply and "大雪" not in reply
    assert "案例库里没有直接讲「春节」的案例" in reply  # no index in this home: says so


def test_festival_cases_must_mention_it(indexed_home):
    s = chat.new_session()
    reply = chat.respond(s.id, "元宵节有什么可以聊的").message.content
    listed = re.findall(r"^\d+\. (.+)$", reply, flags=re.M)
    assert all("元宵" in line for line in listed) or "没有直接讲「元宵」" in reply


def test_upcoming_festivals_are_listed(chat_env):
    s = chat.new_session()
    reply = chat.respond(s.id, "下周有什么节日").message.content
    expected = [e.name for e in events_for(today(), 14) if e.kind != "season" and e.days_from >= 0]
    assert expected and all(name in reply for name in expected)


def test_hits_that_do_not_mention_the_query_are_not_called_related():
    hits = [
        SearchHit(id="a", kind="cases", title="冬至吃饺子", text="冬至聊饺子还是汤圆", score=1, source="x"),
        SearchHit(id="b", kind="cases", title="双12囤货", text="年末大促", score=0.5, source="y"),
    ]
    text = hits_reply("冬至", hits)
    direct, rest = text.split("没有直接提到「冬至」")
    assert "冬至吃饺子" in direct and "双12囤货" in rest
    assert hits_reply("春节", hits[1:]).startswith("没有找到直接提到「春节」的内容")


def test_whats_hot_lists_trends_even_with_a_plan_open(chat_env):
    from assistant.retrieval.trend_store import save_trends

    save_trends(
        [TrendItem(date=today(), platform="微博热搜", title="今冬最冷一周来了", heat=1e6)], index=False
    )
    s = chat.new_session()
    plan_id = chat.respond(s.id, "明天卖空气炸锅，给我两个话题").plan_id
    before = [t.text for t in Store().get_plan(plan_id).topics]
    for ask in ("今天有什么热搜", "最近有什么热搜"):
        reply = chat.respond(s.id, ask)
        assert reply.tools == ["search"] and "今冬最冷一周来了" in reply.message.content
    assert [t.text for t in Store().get_plan(plan_id).topics] == before


def test_ad_hoc_product_is_flagged(chat_env):
    s = chat.new_session()
    reply = chat.respond(s.id, "帮我写个卖火星土壤的话题").message.content
    assert "「火星土壤」是新商品，未在商品库中" in reply and "补充类目和卖点" in reply
    catalogue = chat.respond(s.id, "明天卖空气炸锅，给我两个话题").message.content
    assert "未在商品库中" not in catalogue


def test_compliance_advice_is_not_cut(chat_env):
    from assistant.checks import run_checks

    s = chat.new_session()
    reply = chat.respond(s.id, "帮我看看这句：全网最低价，赶紧下单")
    assert reply.tools == ["check"]
    lines = reply.message.content.splitlines()
    expected = run_checks("全网最低价，赶紧下单", "群聊话题").checks["compliance"].reasons[0].rstrip("。；;")
    compliance = next(line for line in lines if line.startswith("· 合规"))
    assert expected in compliance  # shown whole, not cut mid-example
    assert not any(line.startswith("· 贴合产品") for line in lines)  # no product known: left out
    assert "没有指定商品" in reply.message.content


def test_history_lists_latest_dates_first_with_a_summary(chat_env):
    s = chat.new_session()
    today_plan = chat.respond(s.id, "今天卖空气炸锅，给我两个话题").plan_id
    older, newer = _copies(today_plan, [5, 2])  # the older plan was stored first, the newer one later
    Store().add_feedback(older, 1, "accepted")
    Store().add_feedback(newer, 2, "rejected", note="没人回")
    reply = chat.respond(s.id, "上周的话题效果怎样").message.content
    assert reply.index(today_plan) < reply.index(newer) < reply.index(older)
    assert "合计：采用 1 个、弃用 1 个；另有 1 份方案还没有反馈。" in reply


def test_next_event_counts_an_ongoing_season_and_rolls_over_the_year():
    from assistant.chat.lookup import next_event

    spring = spring_festival(2027)
    during = next_event("年货节", spring - timedelta(days=10))  # 年货节 runs up to a few days before 春节
    assert during is not None and during.days_from < 0 and during.date < spring
    after = next_event("春节", spring + timedelta(days=1))
    assert after is not None and after.date == spring_festival(2028)
