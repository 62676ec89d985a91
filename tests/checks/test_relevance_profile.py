"""Relevance against the product profile: names and kind, meaning (the offline embedding of the topic's words),
same-type neighbours, hooks and alternatives, and fit (a shape that does not suit the product)."""

from __future__ import annotations

import numpy as np
import pytest

from assistant.checks import check_topic, semantic
from assistant.checks.normalize import normalize
from assistant.checks.relevance import check_relevance
from assistant.knowledge import resolve_product


def _rel(text: str, product: str, category: str | None = None, trend: tuple[str, ...] = ()):
    return check_topic(text, product, category=category, trend=trend).checks["relevance"]


def test_a_same_type_neighbour_is_never_evidence_against():
    # the catalogue sells 儿童保温杯 and 少儿英语绘本; ad hoc products of the same kind still win their topics
    assert _rel("冬天你出门会带保温杯吗？", "大容量保温杯", "日用品").passed
    story = _rel("晚上给娃讲故事，你们一般讲几个？", "儿童绘本套装", "图书")
    assert story.passed, story.reasons
    assert "讲故事" in story.details["matched"]


def test_the_usage_scene_counts_by_meaning():
    result = _rel("最喜欢的运动项目是什么？", "运动手环", "数码")
    assert result.passed and result.details["basis"] in ("name", "meaning")
    scene = _rel("谁知道修空调的李师傅电话？", "空调清洗服务", "家电服务")
    assert scene.passed


@pytest.mark.parametrize(
    "text, product, category",
    [
        ("你最喜欢的电影是什么？", "儿童保温杯", None),  # another kind of thing
        ("今天出门涂防晒霜了吗？", "电饭煲", "厨房电器"),  # another product named
        ("你家冬天暖气开多少度？", "电热毯", None),  # what people use instead
        ("你家宝宝是第一胎吗？", "婴儿纸尿裤", None),  # who, not what
    ],
)
def test_off_product_topics_fail(text, product, category):
    result = _rel(text, product, category)
    assert not result.passed, result.details
    assert result.details["about"] is False and result.details["basis"] is None


def test_on_trend_but_off_product_does_not_count():
    result = _rel("冬至你家吃饺子还是汤圆？", "亮白牙膏", trend=("冬至吃饺子",))
    assert not result.passed
    assert "热点" in result.reasons[0]
    # the same words with no hook that day are still not about toothpaste
    assert not _rel("冬至你家吃饺子还是汤圆？", "亮白牙膏").passed


def test_meaning_evidence_is_reported_with_the_word_and_its_rank():
    result = _rel("你们家是母乳、混合还是奶粉喂养？", "婴儿奶瓶", "母婴用品")
    sem = result.details["semantic"]
    if result.details["basis"] == "meaning":
        assert sem["similarity"] >= 0.45 and sem["rank"] <= 20
        a, b = sem["span"]
        assert "你们家是母乳、混合还是奶粉喂养？"[a:b] == sem["word"]
    off = _rel("你最喜欢的电影是什么？", "儿童保温杯")
    assert (
        off.details["semantic"] is None
        or off.details["semantic"]["rank"] > 20
        or (off.details["semantic"]["similarity"] < 0.45)
    )


@pytest.mark.parametrize(
    "text, product, category, rule",
    [
        ("晒一晒你家的体检套餐", "体检套餐", None, "FIT-SHOW"),
        ("你家的空气炸锅快用完了吗？", "空气炸锅", None, "FIT-RESTOCK"),
        ("这门课用着顺手吗？", "钢琴课", "教育培训", "FIT-USE"),
        ("空气炸锅好吃吗？", "空气炸锅", None, "FIT-TASTE"),
    ],
)
def test_a_shape_that_does_not_suit_the_product_fails_with_a_fit_finding(text, product, category, rule):
    result = _rel(text, product, category)
    assert not result.passed
    fits = result.details["fit"]
    assert [f["rule"] for f in fits] == [rule]
    a, b = fits[0]["span"]
    assert text[a:b] == fits[0]["text"]
    assert result.reasons[0] == fits[0]["reason"] + fits[0]["suggestion"]
    assert result.details["rewrite"] == fits[0]["suggestion"]
    assert result.score <= 0.3


@pytest.mark.parametrize(
    "text, product, category",
    [
        ("空气炸锅做的鸡翅好吃吗？", "空气炸锅", None),  # the food is tasted, not the pot
        ("晒一晒你家的猫砂盆", "豆腐猫砂", None),  # a consumable's things can be shown
        ("你家孩子学钢琴多久了？", "钢琴课", "教育培训"),
        ("牙膏快用完的时候，你会剪开挤最后一点吗？", "亮白牙膏", None),  # restocking a consumable
    ],
)
def test_shapes_that_suit_the_product_pass(text, product, category):
    result = _rel(text, product, category)
    assert result.passed, result.reasons
    assert result.details["fit"] == []


def test_details_keep_every_key_and_add_the_profile():
    result = _rel("你用过美白类牙膏吗？", "亮白牙膏")
    old = {
        "target",
        "target_score",
        "runner_up",
        "ranking",
        "matched",
        "matched_spans",
        "spans",
        "margin_rule",
    }
    assert old | {"tie_in", "rewrite"} <= set(result.details)
    assert result.details["profile"]["noun"] == "牙膏"
    assert result.details["profile"]["nature"] == "consumable"


def test_words_of_a_topic_skip_masks_stop_words_and_grammar():
    text = normalize("你们家是母乳、混合还是奶粉喂养？").text
    words = [w.text for w in semantic.words_of(text)]
    assert "母乳" in words and "奶粉" in words and "喂养" in words
    masked = semantic.words_of(text, masked=[(text.index("奶粉"), text.index("奶粉") + 2)], stop={"母乳"})
    assert "奶粉" not in [w.text for w in masked] and "母乳" not in [w.text for w in masked]


def test_word_vectors_are_cached_on_disk_and_reused(huati_env, monkeypatch):
    semantic.clear()
    assert semantic.prepare([normalize("周末你会去爬山吗？").text]) > 0
    folder = huati_env.home / "cache" / "check-words" / "usem"
    assert list(folder.glob("*.npz"))
    first = semantic.VECTORS.get(["爬山"], huati_env)
    semantic.clear()  # a new process: only the disk cache is left

    def no_model(*_a, **_k):
        raise AssertionError("the embedding model was called for a cached word")

    from assistant.retrieval.embeddings import UsemEmbedder

    monkeypatch.setattr(UsemEmbedder, "embed", no_model)
    again = semantic.VECTORS.get(["爬山"], huati_env)
    assert np.allclose(first, again, atol=1e-2)
    assert semantic.prepare([normalize("周末你会去爬山吗？").text]) == 0
    semantic.clear()


def test_relevance_is_the_same_with_and_without_a_prepared_batch():
    product = resolve_product("黑胶唱片机", category="影音")
    text = "最喜欢的歌手或者音乐类型是什么？"
    cold = check_relevance(text, product)
    semantic.prepare([normalize(text).text])
    warm = check_relevance(text, product)
    assert cold.passed == warm.passed and cold.details["semantic"] == warm.details["semantic"]
