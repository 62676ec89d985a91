"""Offline intent router: many phrasings map to the right tool and arguments."""

from __future__ import annotations

from datetime import date

import pytest

from assistant.chat.router import cn_number, parse_count, parse_date, route

TODAY = date(2026, 12, 18)  # a Friday


def r(text: str, has_plan: bool = False):  # noqa: ANN201
    return route(text, has_plan=has_plan, today=TODAY)


@pytest.mark.parametrize(
    ("text", "product", "audience", "day", "n"),
    [
        ("明天卖空气炸锅, 宝妈群, 给我三个话题", "空气炸锅", "宝妈群", date(2026, 12, 19), 3),
        ("后天推电热毯，银发群，来5个话题", "电热毯", "银发群", date(2026, 12, 20), 5),
        ("周六主推手工水饺 大学生 两个话题", "手工水饺", "大学生群", date(2026, 12, 19), 2),
        ("12月22日卖电热毯给叔叔阿姨群出两个话题", "电热毯", "银发群", date(2026, 12, 22), 2),
        ("帮我写三个推智能手表的话题", "智能手表", None, None, 3),
        ("今天卖牙膏，给我话题", "亮白牙膏", None, TODAY, 3),
        ("下周三卖猫砂，铲屎官群，4条话题", "豆腐猫砂", "宠物主群", date(2026, 12, 23), 4),
        ("2027-01-05 推赣南脐橙 团购群 出话题", "赣南脐橙", "社区团购群", date(2027, 1, 5), 3),
    ],
)
def test_draft_requests(text, product, audience, day, n):  # noqa: ANN001
    intent = r(text)
    assert intent.tool == "draft"
    assert intent.args == {"product": product, "audience": audience, "date": day, "n": n}


@pytest.mark.parametrize(
    ("text", "index", "trends", "word"),
    [
        ("第二个更口语一点", 2, False, "口语"),
        ("第3个太长了，更短", 3, False, "短"),
        ("更短", 1, False, "短"),
        ("换个角度", 1, False, "角度"),
        ("第一个换个角度再写", 1, False, "角度"),
        ("结合今天的热搜再来一个", 1, True, "热搜"),
        ("第二条结合热点改一下", 2, True, "热点"),
    ],
)
def test_revise_requests(text, index, trends, word):  # noqa: ANN001
    intent = r(text, has_plan=True)
    assert intent.tool == "revise"
    assert intent.args["index"] == index
    assert intent.args["use_trends"] is trends
    assert word in intent.args["instruction"]


def test_revise_without_a_plan_is_not_a_revision():
    assert r("第二个更口语一点", has_plan=False).tool != "revise"


@pytest.mark.parametrize(
    ("text", "topic"),
    [
        ("这句有没有违规? 这款面霜用了立刻变白", "这款面霜用了立刻变白"),
        ("这句有没有违规：「全网最低价，快来抢」", "全网最低价，快来抢"),
        ("“你用过美白牙膏吗？”", "你用过美白牙膏吗？"),
        ("帮我查一下这句能不能发：宝宝用了再也不红屁屁", "宝宝用了再也不红屁屁"),
        ('"冬天你们家开几度暖气？"合规吗', "冬天你们家开几度暖气？"),
    ],
)
def test_check_requests(text, topic):  # noqa: ANN001
    intent = r(text)
    assert intent.tool == "check"
    assert intent.args["text"] == topic


def test_check_without_text_asks_for_it():
    intent = r("这句有没有违规?")
    assert intent.tool == "check" and intent.args["text"] is None


@pytest.mark.parametrize(
    ("text", "kind", "query"),
    [
        ("冬至有什么可以聊的", "calendar", "冬至"),
        ("搜一下防晒案例", "cases", "防晒"),
        ("找找母婴的案例", "cases", "母婴"),
        ("最近有什么热搜", "trends", "热搜"),
    ],
)
def test_search_requests(text, kind, query):  # noqa: ANN001
    intent = r(text)
    assert intent.tool == "search"
    assert intent.args["kind"] == kind
    assert intent.args["query"] == query


@pytest.mark.parametrize(
    ("text", "product", "days"),
    [
        ("上周那个保温杯的话题效果怎样?", "儿童保温杯", 7),
        ("之前发过的空气炸锅话题反馈如何", "空气炸锅", 14),
        ("看看历史记录", None, 14),
    ],
)
def test_history_requests(text, product, days):  # noqa: ANN001
    intent = r(text)
    assert intent.tool == "history"
    assert intent.args == {"product": product, "days": days}


@pytest.mark.parametrize("text", ["你好", "在吗", "谢谢", "你是谁"])
def test_unknown_gets_help(text):  # noqa: ANN001
    assert r(text).tool == "help"


def test_numbers_and_dates():
    assert [cn_number(x) for x in ("3", "三", "两", "十", "十二", "二十", "x")] == [3, 3, 2, 10, 12, 20, None]
    assert parse_count("第二个更短") is None
    assert parse_count("来十个") == 10
    assert parse_date("周五", TODAY) == TODAY
    assert parse_date("星期日", TODAY) == date(2026, 12, 20)
    assert parse_date("1月3号", TODAY) == date(2027, 1, 3)  # early next year, not eleven months ago
    assert parse_date("2月30日", TODAY) is None
    assert parse_date("随便", TODAY) is None


@pytest.mark.parametrize(
    ("text", "has_plan", "tool", "args"),
    [
        (
            "羽绒服，白领群，明天",
            False,
            "draft",
            {"product": "轻薄羽绒服", "audience": "职场白领群", "date": date(2026, 12, 19), "n": 3},
        ),
        (
            "给宝妈群想3个推空气炸锅的话题",
            False,
            "draft",
            {"product": "空气炸锅", "audience": "宝妈群", "date": None, "n": 3},
        ),
        (
            "第三个不错，但太长了",
            True,
            "revise",
            {"index": 3, "instruction": "更短，一句话说完", "use_trends": False},
        ),
        ("换一批", True, "redraft", {"n": None}),
        ("都不行，再来5个", True, "redraft", {"n": 5}),
        (
            "这个话题怎么样：你家冬天几点起床？",
            False,
            "check",
            {"text": "你家冬天几点起床？", "product": None},
        ),
        ("最近一个月的方案", False, "history", {"product": None, "days": 30}),
        ("有没有关于宠物的案例", False, "search", {"query": "宠物", "kind": "cases", "date": None}),
        ("下周有什么节日", False, "search", {"query": "节日", "kind": "calendar", "date": None}),
    ],
)
def test_messier_phrasings(text, has_plan, tool, args):  # noqa: ANN001
    intent = r(text, has_plan=has_plan)
    assert (intent.tool, intent.args) == (tool, args)
