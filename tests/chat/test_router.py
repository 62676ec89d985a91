"""Offline intent router: operators' real phrasings map to the right tool and arguments."""

from __future__ import annotations

from datetime import date

import pytest

from assistant.chat.router import cn_number, date_in_words, parse_count, revise_instruction, route

TODAY = date(2026, 12, 18)  # a Friday
COLLOQUIAL, SHORT, FORMAL = "更口语一点，像群里聊天", "更短，一句话说完", "稍微正式一点，措辞稳重"
ANGLE, PLAIN, LONGER = (
    "换个角度，问法和切入点都换掉",
    "更口语一点，少点推销味，像朋友聊天那样问",
    "写长一点，多一点细节",
)
TREND = "结合今天的热搜重写"


def r(text: str, has_plan: bool = False):
    return route(text, has_plan=has_plan, today=TODAY)


# (utterance, a plan is open, tool, the arguments that must be there)
CASES = [
    # drafting
    (
        "明天卖空气炸锅, 宝妈群, 给我三个话题",
        False,
        "draft",
        {"product": "空气炸锅", "audience": "宝妈群", "date": date(2026, 12, 19), "n": 3},
    ),
    (
        "后天推电热毯，银发群，来5个话题",
        False,
        "draft",
        {"product": "电热毯", "audience": "银发群", "date": date(2026, 12, 20), "n": 5},
    ),
    (
        "周六主推手工水饺 大学生 两个话题",
        False,
        "draft",
        {"product": "手工水饺", "audience": "大学生群", "date": date(2026, 12, 19), "n": 2},
    ),
    (
        "12月22日卖电热毯给叔叔阿姨群出两个话题",
        False,
        "draft",
        {"product": "电热毯", "audience": "银发群", "date": date(2026, 12, 22), "n": 2},
    ),
    (
        "帮我写三个推智能手表的话题",
        False,
        "draft",
        {"product": "智能手表", "audience": None, "date": None, "n": 3},
    ),
    (
        "今天卖牙膏，给我话题",
        False,
        "draft",
        {"product": "亮白牙膏", "audience": None, "date": TODAY, "n": 3},
    ),
    (
        "下周三卖猫砂，铲屎官群，4条话题",
        False,
        "draft",
        {"product": "豆腐猫砂", "audience": "宠物主群", "date": date(2026, 12, 23), "n": 4},
    ),
    (
        "2027-01-05 推赣南脐橙 团购群 出话题",
        False,
        "draft",
        {"product": "赣南脐橙", "audience": "社区团购群", "date": date(2027, 1, 5), "n": 3},
    ),
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
    ("帮我写个卖火星土壤的话题", False, "draft", {"product": "火星土壤", "n": 3}),
    ("明天改卖保温杯，宝妈群，三个话题", True, "draft", {"product": "儿童保温杯", "audience": "宝妈群"}),
    # revising the open plan
    ("第二个更口语一点", True, "revise", {"index": 2, "instruction": COLLOQUIAL, "use_trends": False}),
    ("第3个太长了，更短", True, "revise", {"index": 3, "instruction": SHORT}),
    ("更短", True, "revise", {"index": None, "instruction": SHORT}),
    ("换个角度", True, "revise", {"index": None, "instruction": ANGLE}),
    ("第一个换个角度再写", True, "revise", {"index": 1, "instruction": ANGLE}),
    ("结合今天的热搜再来一个", True, "revise", {"index": None, "use_trends": True}),
    ("第二条结合热点改一下", True, "revise", {"index": 2, "use_trends": True}),
    ("蹭一下最近的热点，改改第三个", True, "revise", {"index": 3, "use_trends": True}),
    ("第三个不错，但太长了", True, "revise", {"index": 3, "instruction": SHORT, "use_trends": False}),
    ("第一个别那么正式", True, "revise", {"index": 1, "instruction": COLLOQUIAL}),
    ("第二个不要太正式", True, "revise", {"index": 2, "instruction": COLLOQUIAL}),
    ("太正式了", True, "revise", {"index": None, "instruction": COLLOQUIAL}),
    ("第二个太口语了，正式点", True, "revise", {"index": 2, "instruction": FORMAL}),
    ("第一个别那么长", True, "revise", {"index": 1, "instruction": SHORT}),
    ("第三个少点广告味", True, "revise", {"index": 3, "instruction": PLAIN}),
    ("第二个太像广告了", True, "revise", {"index": 2, "instruction": PLAIN}),
    ("第一个太短了，写长一点", True, "revise", {"index": 1, "instruction": LONGER}),
    ("第2个太啰嗦", True, "revise", {"index": 2, "instruction": SHORT}),
    ("第一个说人话", True, "revise", {"index": 1, "instruction": COLLOQUIAL}),
    ("第二个不行，换一个", True, "revise", {"index": 2, "instruction": ANGLE}),
    ("把第三个改成投票", True, "revise", {"index": 3, "instruction": "把第三个改成投票"}),
    ("第一个要特别口语化", True, "revise", {"index": 1, "instruction": COLLOQUIAL}),
    ("第二个更口语一点", False, "revise", {"index": 2}),  # no plan: the tool says so
    # a new batch
    ("换一批", True, "redraft", {"n": None}),
    ("都不行，再来5个", True, "redraft", {"n": 5}),
    # show a topic, nothing rewritten
    ("第二个不错", True, "show", {"index": 2}),
    ("第三个是什么", True, "show", {"index": 3}),
    ("把第一个发我", True, "show", {"index": 1}),
    # checks
    ("这句有没有违规? 这款面霜用了立刻变白", False, "check", {"text": "这款面霜用了立刻变白"}),
    ("这句有没有违规：「全网最低价，快来抢」", True, "check", {"text": "全网最低价，快来抢"}),
    ("“你用过美白牙膏吗？”", False, "check", {"text": "你用过美白牙膏吗？"}),
    ("帮我查一下这句能不能发：宝宝用了再也不红屁屁", False, "check", {"text": "宝宝用了再也不红屁屁"}),
    ('"冬天你们家开几度暖气？"合规吗', False, "check", {"text": "冬天你们家开几度暖气？"}),
    ("帮我看看这句：全网最低价，赶紧下单", True, "check", {"text": "全网最低价，赶紧下单"}),
    ("帮我看看这句：全网最低价，赶紧下单", False, "check", {"text": "全网最低价，赶紧下单"}),
    ("这个话题怎么样：你家冬天几点起床？", False, "check", {"text": "你家冬天几点起床？", "product": None}),
    ("这样写可以吗：宝妈们，你家娃几点睡？", False, "check", {"text": "宝妈们，你家娃几点睡？"}),
    ("第二个有没有违规", True, "check", {"text": None, "index": 2}),
    ("这句有没有违规?", False, "check", {"text": None}),
    # trends, with or without an open plan: a list, never a rewrite
    ("最近有什么热搜", False, "search", {"query": "热搜", "kind": "trends"}),
    ("最近有什么热搜", True, "search", {"query": "热搜", "kind": "trends"}),
    ("今天有什么热搜", True, "search", {"query": "热搜", "kind": "trends", "date": TODAY}),
    ("今天的热点有哪些", True, "search", {"query": "热搜", "kind": "trends"}),
    ("今天有什么热点可以蹭", True, "search", {"query": "热搜", "kind": "trends"}),
    ("热搜", True, "search", {"query": "热搜", "kind": "trends"}),
    ("有没有和降温相关的热搜", True, "search", {"query": "降温", "kind": "trends"}),
    # search: calendar and cases
    ("冬至有什么可以聊的", False, "search", {"query": "冬至", "kind": "calendar"}),
    ("冬至有什么可以聊的", True, "search", {"query": "冬至", "kind": "calendar"}),
    ("春节有什么可以聊的", False, "search", {"query": "春节", "kind": "calendar"}),
    ("下周有什么节日", False, "search", {"query": "节日", "kind": "calendar", "date": None}),
    ("元宵节", False, "search", {"kind": "calendar"}),
    ("搜一下防晒案例", False, "search", {"query": "防晒", "kind": "cases"}),
    ("找找母婴的案例", False, "search", {"query": "母婴", "kind": "cases"}),
    ("有没有关于宠物的案例", False, "search", {"query": "宠物", "kind": "cases", "date": None}),
    # history and feedback
    (
        "上周那个保温杯的话题效果怎样?",
        False,
        "history",
        {"product": "儿童保温杯", "days": 7, "ask": "effect"},
    ),
    (
        "之前发过的空气炸锅话题反馈如何",
        False,
        "history",
        {"product": "空气炸锅", "days": 14, "ask": "effect"},
    ),
    ("看看历史记录", False, "history", {"product": None, "days": 14, "ask": "list"}),
    ("最近一个月的方案", False, "history", {"product": None, "days": 30, "ask": "list"}),
    ("上周发的话题哪个效果最好", True, "history", {"product": None, "days": 7, "ask": "best"}),
    ("最近10天的方案", False, "history", {"days": 10}),
    # more operator phrasings
    ("今天热搜第一是什么", True, "search", {"kind": "trends"}),  # a rank in the trend list, not topic 1
    ("全网最低价能说吗", True, "check", {"text": "全网最低价"}),
    ("“最好用”这个词能用吗", False, "check", {"text": "最好用"}),
    ("第二个能发吗", True, "check", {"text": None, "index": 2}),
    ("都换掉", True, "redraft", {"n": None}),
    ("来点不一样的", True, "revise", {"index": None, "instruction": ANGLE}),
    ("第一个别那么像广告", True, "revise", {"index": 1, "instruction": PLAIN}),
    ("冬至那天卖饺子，给我三个话题", False, "draft", {"product": "手工水饺", "date": date(2026, 12, 22)}),
    ("查一下猫砂的案例", False, "search", {"query": "猫砂", "kind": "cases"}),
    ("上个月哪个话题最受欢迎", False, "history", {"days": 30, "ask": "best"}),
    ("明天卖什么好", False, "help", {}),  # 「什么好」 is not a product
    ("谢谢，辛苦了", True, "help", {"thanks": True}),
    # help
    ("你好", False, "help", {}),
    ("在吗", True, "help", {}),
    ("谢谢", False, "help", {}),
    ("你是谁", False, "help", {}),
]


@pytest.mark.parametrize(("text", "has_plan", "tool", "args"), CASES)
def test_phrasings(text, has_plan, tool, args):
    intent = r(text, has_plan=has_plan)
    assert intent.tool == tool, intent
    assert {k: intent.args.get(k) for k in args} == args, intent


def test_enough_phrasings_covered():
    assert len(CASES) >= 40
    assert {c[2] for c in CASES} == {
        "draft",
        "revise",
        "redraft",
        "show",
        "check",
        "search",
        "history",
        "help",
    }


@pytest.mark.parametrize(
    "text",
    [
        "最近有什么热搜",
        "今天有什么热搜",
        "冬至有什么可以聊的",
        "第二个不错",
        "上周哪个话题效果最好",
        "这句有没有违规：全网最低价",
        "你好",
        "短视频怎么拍",
    ],
)
def test_with_a_plan_open_these_are_not_revisions(text):
    assert r(text, has_plan=True).tool != "revise"


@pytest.mark.parametrize(
    ("text", "banned"),
    [
        ("别那么正式", "正式"),
        ("不要太长", "长"),
        ("少点广告味", "广告"),
        ("太口语了", "口语"),
        ("别太短", "短"),
    ],
)
def test_negations_never_ask_for_what_was_refused(text, banned):
    instruction = revise_instruction(text)
    assert instruction and banned not in instruction


def test_numbers_and_dates():
    assert [cn_number(x) for x in ("3", "三", "两", "十", "十二", "二十", "x")] == [3, 3, 2, 10, 12, 20, None]
    assert parse_count("第二个更短") is None
    assert parse_count("来十个") == 10
    assert date_in_words("周五", TODAY) == TODAY
    assert date_in_words("星期日", TODAY) == date(2026, 12, 20)
    assert date_in_words("1月3号", TODAY) == date(2027, 1, 3)  # early next year, not eleven months ago
    assert date_in_words("2月30日", TODAY) is None
    assert date_in_words("随便", TODAY) is None
