"""Behaviour of the deterministic checks on hand-picked topics (the labelled set covers the rest)."""

from __future__ import annotations

import pytest

from assistant.checks import CHECK_NAMES, run_checks
from assistant.checks.compliance import check_compliance
from assistant.checks.low_barrier import check_low_barrier
from assistant.checks.relevance import check_relevance
from assistant.checks.tone import check_tone
from assistant.errors import InputError
from assistant.knowledge import find_audience, find_product, resolve_product


@pytest.fixture(scope="module")
def toothpaste():
    return find_product("亮白牙膏")


def test_canonical_topic_passes_everything(toothpaste):
    report = run_checks("你用过美白类牙膏吗?", toothpaste)
    assert report.passed
    assert set(report.checks) == set(CHECK_NAMES)
    data = report.model_dump(by_alias=True)
    assert data["pass"] is True and all(data["checks"][k]["pass"] for k in CHECK_NAMES)
    # the category word is flagged for a second look, not failed
    finding = report.checks["compliance"].details["findings"][0]
    assert finding["text"] == "美白" and finding["tier"] == "warn"


@pytest.mark.parametrize(
    "text, span",
    [
        ("全网最低价的牙膏你们见过吗？", "全网最低价"),
        ("全 网 最 低 价，刷牙必备", "全 网 最 低 价"),
        ("國家級認證的牙膏，你用過嗎？", "國家級"),
        ("这支牙膏百分之百好用", "百分之百"),
        ("刷牙首选第①名的牙膏", "第①"),
        ("這款牙膏能美白哦，你們試試", "美白"),
        ("用了一周牙齿白了一个度", "牙齿白了"),
        ("国｜家｜级好牙膏", "国｜家｜级"),
        ("这款牙膏能治疗牙周炎", "治疗牙周炎"),
    ],
)
def test_compliance_fails_with_span_in_original_text(toothpaste, text, span):
    result = check_compliance(text, toothpaste)
    assert not result.passed
    quoted = [f["text"] for f in result.details["findings"] if f["tier"] == "fail"]
    assert span in quoted
    a, b = result.details["spans"][quoted.index(span)]
    assert text[a:b] == span
    assert any(span in r for r in result.reasons)
    assert result.score < 0.5


@pytest.mark.parametrize(
    "text",
    [
        "你最喜欢哪款牙膏？",
        "最近大家刷牙用几分钟？",
        "说说你刷牙最惨的一次？",
        "你第一次用电动牙刷是几岁？",
        "最好别刷完牙马上喝咖啡，你会等一会儿吗？",
        "你觉得哪款牙膏最好用？",
    ],
)
def test_everyday_uses_of_zui_pass(toothpaste, text):
    assert check_compliance(text, toothpaste).passed


def test_superlative_about_the_product_fails_even_as_question(toothpaste):
    assert not check_compliance("我们这款牙膏是不是最好用的？", toothpaste).passed


def test_absolute_rewrite_removes_the_term(toothpaste):
    result = check_compliance("全网最低价的牙膏你见过吗？", toothpaste)
    assert result.details["rewrite"] == "的牙膏你见过吗？"


@pytest.mark.parametrize(
    "text, ok",
    [
        ("你用过美白类牙膏吗?", True),
        ("早上刷牙用电动牙刷还是手动牙刷？", True),
        ("晒一晒你家的牙刷杯", True),
        ("你知道牙膏的什么成分能美白?", False),
        ("为什么牙膏会有薄荷味？", False),
        ("首先，刷牙要两分钟；其次，要用含氟牙膏。", False),
        ("你家几点刷牙？用什么牙膏？多久换一次牙刷？", False),
        ("今天来聊聊牙膏。", False),
    ],
)
def test_low_barrier(text, ok):
    assert check_low_barrier(text).passed is ok


def test_low_barrier_penalises_length():
    short = check_low_barrier("你早上刷牙吗？")
    long = check_low_barrier("你早上刷牙吗？" + "我们家一般是起床以后先喝一杯温水然后再去刷牙洗脸" * 3)
    assert long.score < short.score and long.details["length"] > 60


def test_relevance_is_contrastive(toothpaste):
    off = check_relevance("冬至你家吃饺子还是汤圆？", toothpaste)
    assert not off.passed and off.details["runner_up"]["product"] == "dumplings"
    assert any("手工水饺" in r for r in off.reasons)
    on_trend = check_relevance("冬至你家吃饺子还是汤圆？", toothpaste, trend=["冬至吃饺子"])
    assert not on_trend.passed and "热点" in on_trend.reasons[0]
    assert on_trend.details["tie_in"]["trends"][0]["mentioned"] is True
    topic = "冬至吃完饺子你会马上刷牙吗？"
    assert not check_relevance(topic, toothpaste).passed  # without the day's hook it reads as dumplings
    on = check_relevance(topic, toothpaste, trend=["冬至吃饺子"])
    assert on.passed and on.details["ranking"][0]["product"] == "toothpaste"


def test_relevance_ad_hoc_product():
    kettle = resolve_product("手冲咖啡壶", category="厨房")
    assert check_relevance("你在家喝手冲咖啡吗？", kettle).passed
    assert not check_relevance("你家猫主子挑猫砂吗？", kettle).passed


def test_tone():
    moms = find_audience("宝妈群")
    assert check_tone("宝妈们，半夜给宝宝换尿布你们开灯吗？", moms).passed
    sell = check_tone("立即下单！手慢无！！", moms)
    assert not sell.passed and any("立即下单" in r for r in sell.reasons)
    assert not check_tone("作为一个资深宝妈，总而言之纸尿裤很重要。", moms).passed
    seniors = find_audience("银发群")
    plain = check_tone("叔叔阿姨们，冬天晚上睡觉冷不冷？", seniors)
    slang = check_tone("叔叔阿姨们，冬天睡觉冷到破防了吗？yyds的暖床神器是啥？", seniors)
    assert slang.score < plain.score


def test_run_checks_input_errors(toothpaste):
    with pytest.raises(InputError):
        run_checks("  ", toothpaste)
    with pytest.raises(InputError):
        run_checks("你刷牙吗？", toothpaste, date="2026-13-40")
    with pytest.raises(InputError):
        run_checks("你刷牙吗？", toothpaste, audience="不存在的群")


def test_run_checks_accepts_names_and_trend_items():
    report = run_checks(
        "冬至那天你家包饺子吗？", "饺子", audience="社区团购群", date="2026-12-22", trend="冬至"
    )
    assert report.passed, report.model_dump(by_alias=True)


@pytest.mark.parametrize(
    "text, ok",
    [
        ("你家冬天暖气开多少度？", True),
        ("你为什么喜欢吃脐橙？", True),
        ("你家一个月大概用多少包纸尿裤？", True),
        ("为什么冬天的橙子更甜？", False),
        ("你觉得为什么冬天的橙子更甜？", False),
        ("燕麦片一份多少卡路里？", False),
        ("你家用洗衣凝珠吗？还是用洗衣液？用几颗？", False),
        ("你家用空气炸锅做过什么菜？另外你家有烤箱吗？顺便说说你早餐吃什么", False),
        ("你的羽绒服什么颜色、多长、买了几年了？", False),
        ("晒一晒你家娃的水杯，是卡通的还是素色的？", True),
    ],
)
def test_low_barrier_experience_questions_and_multi_part_asks(text, ok):
    result = check_low_barrier(text)
    assert result.passed is ok, result.reasons


@pytest.mark.parametrize(
    "text, sell",
    [
        ("你家用空气炸锅吗？现在买第二件半价", "第二件半价"),
        ("降温了你翻出羽绒服了吗？今晚8点开抢", "开抢"),
        ("你家橙子吃完了吗？快来抢", "快来抢"),
        ("你家宝宝用什么纸尿裤？需要的扣1", "需要的扣1"),
        ("出门你会带充电宝吗？今天买一送一", "买一送一"),
        ("你家燕麦片冲着吃还是煮着吃？明早10点准时开团", "10点准时开团"),
    ],
)
def test_tone_catches_hard_sells(text, sell):
    result = check_tone(text)
    assert not result.passed
    quoted = [q["text"] for q in result.details["findings"]["hard_sell"]]
    assert any(sell in q or q in sell for q in quoted), quoted


def test_tone_votes_and_either_or_are_conversation():
    assert check_tone("甜粽子扣1，咸粽子扣2").passed
    assert check_tone("亲们，你家用洗衣凝珠还是洗衣液呀~").passed
    assert not check_tone("亲们，今天的洗衣凝珠到货啦~").passed


def test_relevance_margin_reason_and_highlight(toothpaste):
    litter = find_product("豆腐猫砂")
    off = check_relevance("你家猫咪挑食吗？", litter)
    assert not off.passed
    assert not any("至少需要" in r for r in off.reasons)  # the score is not the problem
    assert off.details["spans"] == [[4, 6]]  # 挑食: what makes it about another product
    assert off.details["matched_spans"] == [[2, 4]]
    tied = check_relevance("你家猫砂盆放在哪里？冻干零食你会喂给猫吗？", litter)
    assert not tied.passed and any("需要领先" in r for r in tied.reasons), tied.reasons


def test_scene_before_the_question_does_not_make_it_another_products_topic(toothpaste):
    plain = check_relevance("吃完饺子你会马上刷牙吗？", toothpaste)
    assert plain.passed, plain.reasons
    dumplings = find_product("手工水饺")
    assert not check_relevance("吃完饺子你会马上刷牙吗？", dumplings).passed
    assert check_relevance("冬至吃饺子的时候，你家蘸醋还是蘸酱油？", dumplings).passed


def test_relevance_reports_the_calendar_tie_in_from_the_date_alone(toothpaste):
    from datetime import date

    on = check_relevance("冬至吃完饺子你会马上刷牙吗？", toothpaste, date=date(2026, 12, 22))
    assert on.passed
    assert any(e["name"] == "冬至" and e["mentioned"] for e in on.details["tie_in"]["events"])
    assert any("冬至" in r and "日历" in r for r in on.reasons)
    off = check_relevance("你早上刷牙用几分钟？", toothpaste, date=date(2026, 12, 22))
    assert any("没有提到" in r and "冬至" in r for r in off.reasons)


def test_generic_who_and_when_words_are_not_the_product():
    diapers = find_product("婴儿纸尿裤")
    assert not check_relevance("你家宝宝是第一胎吗？", diapers).passed
    assert check_relevance("你家宝宝得过尿布疹吗？", diapers).passed


def test_run_checks_dates_are_strict(toothpaste):
    with pytest.raises(InputError):
        run_checks("你刷牙吗？", toothpaste, date="2026-2-1")
    with pytest.raises(InputError):
        run_checks("你刷牙吗？", toothpaste, date="2100-01-01")


def test_calendar_tie_in_looks_a_week_ahead_like_drafting(toothpaste):
    from datetime import date

    # 大雪 is on 2026-12-07: five days after the 2nd, inside the week drafting takes hooks from.
    ahead = check_relevance("再过5天就是大雪了，你刷牙会用温水吗？", toothpaste, date=date(2026, 12, 2))
    assert any(e["name"] == "大雪" and e["mentioned"] for e in ahead.details["tie_in"]["events"])
    assert any("结合了日历节点" in r and "大雪" in r for r in ahead.reasons)


def test_a_same_kind_neighbour_is_not_evidence_against():
    big = resolve_product("大容量保温杯", category="家居日用")
    assert check_relevance("冬天你出门会带保温杯吗？", big).passed
    assert not check_relevance("你家猫挑食吗？", big).passed
    # a word of an ad hoc product's name names its kind
    assert check_relevance("你家老人吃过蜂胶吗？", resolve_product("蜂胶软胶囊", category="保健食品")).passed
