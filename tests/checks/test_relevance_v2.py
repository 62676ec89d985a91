"""Relevance v2 as a copywriter sees it: neighbours of the same kind, the usage scene, the day's hook, and a fit
finding for every shape of fit.yaml."""

from __future__ import annotations

import re

import pytest

from assistant.checks import check_topic
from assistant.checks.fit import fit_findings
from assistant.checks.fit import rules as fit_rules
from assistant.checks.normalize import normalize
from assistant.checks.profile_terms import terms_for
from assistant.checks.scenes import SCENE_DF, scene_words
from assistant.checks.semantic import library
from assistant.knowledge import resolve_product
from assistant.products.vocab import NATURES

_HAN = re.compile(r"[\u4e00-\u9fff]")


def _rel(text: str, product: str, category: str | None = None, trend: tuple[str, ...] = ()):
    return check_topic(text, product, category=category, trend=trend).checks["relevance"]


def _quoted(text: str, span: list[int]) -> str:
    return text[span[0] : span[1]]


# -- same-type neighbours ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "冬天你出门会带保温杯吗？",
        "你家孩子的儿童保温杯多大容量？",  # names the catalogue neighbour itself
        "保温杯里的水到下午还热吗？",
    ],
)
def test_an_ad_hoc_thermos_is_not_beaten_by_the_catalogue_kids_thermos(text):
    assert resolve_product("儿童保温杯").id == "kids-cup"  # the neighbour is in the catalogue
    result = _rel(text, "大容量保温杯", "日用品")
    assert result.passed, result.reasons
    runner = result.details["runner_up"]
    assert runner is None or runner["product"] != "kids-cup"  # never evidence against
    assert all(r["product"] != "kids-cup" or r["score"] > 0 for r in result.details["ranking"])
    for span in result.details["matched_spans"]:
        assert "保温杯" in _quoted(text, span) or _quoted(text, span) in result.details["matched"]


def test_the_neighbour_itself_still_wins_its_own_topic():
    # the rule is symmetric: the catalogue thermos is not beaten by the words of the ad hoc one
    assert _rel("你家孩子用保温杯还是普通水杯？", "儿童保温杯").passed


def test_a_product_matched_only_by_the_targets_own_name_words_is_not_against_it():
    # 充电 is a catalogue keyword of 磁吸充电宝, and also a word of 充电器's own name
    result = _rel("手机充电到100%再拔吗？", "充电器", "数码")
    assert result.passed, result.reasons
    runner = result.details["runner_up"]
    assert runner is None or runner["product"] != "powerbank"


# -- the usage scene --------------------------------------------------------------------------------------


def test_a_bedtime_story_question_reaches_a_picture_book_set():
    text = "晚上给娃讲故事，你们一般讲几个？"
    result = _rel(text, "儿童绘本套装", "图书")
    assert result.passed, result.reasons
    assert result.details["basis"] in ("name", "meaning")
    assert result.details["about"] is True and result.details["fit"] == []
    assert any("故事" in _quoted(text, s) for s in result.details["matched_spans"])
    assert result.reasons[0].startswith("和「儿童绘本套装」相关")


def test_a_scene_word_of_the_type_is_meaning_evidence_with_its_word_and_span():
    text = "早上你会预约煮粥吗？"
    result = _rel(text, "一人食电饭煲", "厨房电器")
    assert result.passed, result.reasons
    sem = result.details["semantic"]
    assert result.details["basis"] == "meaning"
    assert sem["close_to"] in terms_for(resolve_product("一人食电饭煲", category="厨房电器")).scenes
    assert _quoted(text, sem["span"]) == sem["word"]
    assert sem["similarity"] >= 0.55 and sem["rank"] <= 2


def test_scene_words_are_specific_to_few_types_and_never_grammar():
    lib = library()
    per = scene_words(lib)
    counts: dict[str, int] = {}
    for words in per.values():
        for w in words:
            counts[w] = counts.get(w, 0) + 1
    assert counts and max(counts.values()) <= SCENE_DF
    every = set(counts)
    assert not every & {"周末", "晚上", "早上", "出门", "在家"}  # every type has them
    assert all(len(w) >= 2 and _HAN.search(w) for w in every)
    assert not any(w.endswith("完") or w.startswith("不") for w in every)


def test_a_product_without_a_library_type_has_no_scene_words():
    terms = terms_for(resolve_product("黑胶唱片机", category="影音"))
    if terms.type_id is None:
        assert terms.scenes == ()
    assert not set(terms.scenes) & set(terms.names)


# -- on-trend but off-product -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text, product, category, trend",
    [
        ("冬至你家吃饺子还是汤圆？", "亮白牙膏", None, ("冬至吃饺子",)),
        ("双十一你囤了多少东西？", "大容量保温杯", "日用品", ("双十一",)),
    ],
)
def test_on_trend_but_off_product_fails_and_says_so(text, product, category, trend):
    result = _rel(text, product, category, trend)
    assert not result.passed
    assert result.details["about"] is False and result.details["basis"] is None
    assert "热点" in result.reasons[0]
    assert (
        result.details["rewrite"]
        and terms_for(resolve_product(product, category=category)).noun in (result.details["rewrite"])
    )
    assert any(t["mentioned"] for t in result.details["tie_in"]["trends"])


def test_the_same_hook_reaching_the_product_passes():
    result = _rel("冬至吃完饺子，你会马上刷牙吗？", "亮白牙膏", trend=("冬至吃饺子",))
    assert result.passed, result.reasons
    assert result.details["basis"] == "name"
    assert any("热点" in r for r in result.reasons)


@pytest.mark.parametrize(
    "text, product",
    [
        ("最近在忙什么呢？", "婴儿安睡袋"),
        ("你最喜欢的电影是什么？", "儿童保温杯"),
        ("周末去哪儿玩了？", "婴儿安睡袋"),
    ],
)
def test_vague_words_are_not_scene_evidence(text, product):
    result = _rel(text, product)
    assert not result.passed, result.details["semantic"]


# -- fit: one case per rule of fit.yaml -------------------------------------------------------------------

FIT_CASES = {
    "FIT-SHOW": ("晒一晒你家的体检套餐", "体检套餐", None),
    "FIT-RESTOCK": ("你家的空气炸锅快用完了吗？", "空气炸锅", None),
    "FIT-USE": ("这门课用着顺手吗？", "钢琴课", "教育培训"),
    "FIT-EXPIRE": ("电热毯过期了还能用吗？", "电热毯", None),
    "FIT-TASTE": ("空气炸锅好吃吗？", "空气炸锅", None),
}


def test_every_fit_rule_has_a_case_here():
    assert {s.id for s in fit_rules().shapes} == set(FIT_CASES)


@pytest.mark.parametrize("rule", sorted(FIT_CASES))
def test_each_fit_rule_gives_a_finding_with_a_reason_and_a_suggestion(rule):
    text, product, category = FIT_CASES[rule]
    report = check_topic(text, product, category=category)
    result = report.checks["relevance"]
    assert not result.passed and result.score <= 0.3
    fits = result.details["fit"]
    assert rule in [f["rule"] for f in fits]
    finding = next(f for f in fits if f["rule"] == rule)
    terms = terms_for(resolve_product(product, category=category))
    assert finding["nature"] == terms.nature
    for key in ("reason", "suggestion"):
        said = finding[key]
        assert _HAN.search(said) and "{" not in said and "}" not in said, said  # filled, in Chinese
    assert terms.noun in finding["reason"]
    assert _quoted(text, finding["span"]) == finding["text"]
    assert result.details["spans"] == [f["span"] for f in fits]  # what is highlighted is the shape
    assert result.reasons[0] == finding["reason"] + finding["suggestion"] or any(
        finding["reason"] in r for r in result.reasons
    )
    assert result.details["rewrite"] == fits[0]["suggestion"]
    # the topic is about the product: only its shape is wrong
    assert result.details["about"] is True
    # the public result carries the finding too (the JSON of `huati check --json`)
    public = report.public_dict()["checks"]["relevance"]["details"]["fit"]
    assert [f["rule"] for f in public] == [f["rule"] for f in fits]


@pytest.mark.parametrize("rule", sorted(FIT_CASES))
def test_the_same_shape_is_fine_for_a_product_of_another_nature(rule):
    text, product, category = FIT_CASES[rule]
    terms = terms_for(resolve_product(product, category=category))
    shape = next(s for s in fit_rules().shapes if s.id == rule)
    n = normalize(text)
    fill = {"noun": terms.noun, "verb": "用", "unit": "个", "scene": "平时", "pain": "小麻烦"}
    assert [f["rule"] for f in fit_findings(n, terms.names, terms.nature, fill)] == [rule]
    for nature in sorted(set(NATURES) - shape.natures):
        assert rule not in [f["rule"] for f in fit_findings(n, terms.names, nature, fill)], nature
    assert fit_findings(n, terms.names, None, fill) == []  # nothing tells what it is: no finding


@pytest.mark.parametrize(
    "text, product, category",
    [
        ("空气炸锅做的鸡翅好吃吗？", "空气炸锅", None),  # the food is tasted, not the pot
        ("牙膏快用完的时候，你会剪开挤最后一点吗？", "亮白牙膏", None),  # restocking a consumable
        ("保质期过了几天的酸奶你还喝吗？", "酸奶饮品", "食品"),  # food has an expiry
        ("你家的电热毯用了几年了？", "电热毯", None),
    ],
)
def test_shapes_that_suit_the_product_have_no_fit_finding(text, product, category):
    result = _rel(text, product, category)
    assert result.details["fit"] == []
    assert result.passed, result.reasons
