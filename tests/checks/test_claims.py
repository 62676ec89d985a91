"""Efficacy / medical claims by structure, per-category claims, ordinals, pointers and 100% variants."""

from __future__ import annotations

import pytest

from assistant.checks.compliance import check_compliance
from assistant.knowledge import find_product, resolve_product


def fails(text: str, product: str, category: str | None = None) -> list[dict]:
    result = check_compliance(text, resolve_product(product, category=category))
    return [] if result.passed else [f for f in result.details["findings"] if f["tier"] == "fail"]


@pytest.mark.parametrize(
    "text, product, span",
    [
        ("这款纸尿裤能预防红屁股，宝妈们试过吗？", "婴儿纸尿裤", "预防红屁股"),
        ("喝了这个橙子感冒好得快，你们信吗？", "赣南脐橙", "感冒好得快"),
        ("这款脐橙吃了不上火还能提高抵抗力，你家爱吃橙子吗？", "赣南脐橙", "不上火"),
        ("吃了燕麦片血糖稳多了，你家早餐吃燕麦吗？", "即食燕麦片", "血糖稳多了"),
        ("戴着这款耳机睡觉失眠都好了，你睡前听歌吗？", "降噪蓝牙耳机", "失眠都好了"),
        ("这套绘本孩子看完英语成绩提高了20分，你家娃在读吗？", "少儿英语绘本", "成绩提高"),
        ("吃狗狗冻干能让毛发更亮，你家狗狗吃过吗？", "狗狗冻干零食", "毛发更亮"),
        ("用了这个电热毯，我妈的老寒腿舒服多了，你家老人怕冷吗？", "电热毯", "老寒腿舒服多了"),
        ("孩子用了这个保温杯，再也没咳嗽过", "儿童保温杯", "再也没咳嗽"),
        ("这款面霜用了一周，皱纹都淡了，你们涂面霜吗？", "保湿面霜", "皱纹都淡了"),
    ],
)
def test_outcome_tied_to_the_product_fails(text, product, span):
    found = fails(text, product)
    assert found, text
    assert any(span in f["text"] or f["text"] in span for f in found), [f["text"] for f in found]
    f = found[0]
    assert text[f["span"][0] : f["span"][1]] == f["text"]  # the span points into the original text
    assert f["basis"]


@pytest.mark.parametrize(
    "text, product",
    [
        ("你家宝宝得过尿布疹吗？", "婴儿纸尿裤"),
        ("宝宝红屁股的时候，你会换个牌子的纸尿裤吗？", "婴儿纸尿裤"),
        ("失眠的时候你会戴耳机听白噪音吗？", "降噪蓝牙耳机"),
        ("你家孩子感冒好了以后，还爱吃橙子吗？", "赣南脐橙"),
        ("你吃橙子会不会上火？", "赣南脐橙"),
        ("你家宝宝对纸尿裤过敏过吗？", "婴儿纸尿裤"),
        ("你家狗狗掉毛严重吗？", "狗狗冻干零食"),
        ("你家孩子英语成绩怎么样？", "少儿英语绘本"),
        ("戴耳机久了你耳朵会疼吗？", "降噪蓝牙耳机"),
        ("这个冬天你家孩子感冒过几次？", "赣南脐橙"),
    ],
)
def test_everyday_experience_questions_about_health_pass(text, product):
    assert not fails(text, product), fails(text, product)


def test_negated_outcome_needs_the_product_or_its_use():
    assert fails("用这款洗衣凝珠，宝宝不过敏了", "洗衣凝珠")
    assert not fails("你家宝宝对这种天气不过敏吧？", "洗衣凝珠")


def test_category_claims_apply_to_ad_hoc_products():
    topic = "促进宝宝发育的拉拉裤你用过吗？"
    assert fails(topic, "婴儿纸尿裤")
    found = fails(topic, "拉拉裤", "母婴")
    assert found and any("母婴" in f["category"] for f in found)
    assert check_compliance("你包里会常备一支护手霜吗？", resolve_product("护手霜", "美妆个护")).passed
    education = fails("报了我们的钢琴课，孩子三个月就能考级，你家孩子学乐器吗？", "钢琴课", "教育")
    assert education and "第二十四条" in education[0]["basis"]
    # the category changes the verdict: 养胃 is a claim for food, not a word the toy list knows
    assert fails("这款枸杞吃了养胃，你泡过枸杞水吗？", "枸杞", "食品生鲜")


def test_category_claim_as_a_category_label_in_an_experience_question_warns():
    result = check_compliance("你平时会买保健品吗？", resolve_product("按摩椅", "小家电"))
    assert result.passed and result.details["findings"][0]["tier"] == "warn"


@pytest.mark.parametrize(
    "text",
    [
        "你家宝宝是第一胎吗？",
        "你家宝宝第一声叫的是爸爸还是妈妈？",
        "你给宝宝买的第一双鞋是什么颜色？",
        "你给孩子买的第一本绘本是什么？",
        "你家第一台空气炸锅是哪年买的？",
        "你看的第一部电影是什么？",
        "你家宝宝出生第10天就会抬头了吗？",
        "你今年第12次买燕麦片了吗？",
        "你心中的top 10零食有哪些？",
        "你心中排名第一的羽绒服品牌是哪个？",
    ],
)
def test_ordinals_and_the_readers_own_ranking_pass(text):
    assert check_compliance(text, find_product("婴儿纸尿裤")).passed


@pytest.mark.parametrize(
    "text, span",
    [
        ("我们是行业第一的纸尿裤品牌，宝妈们用过吗？", "行业第一"),
        ("销量第一的空气炸锅，你家有吗？", "销量第一"),
        ("这是第一品牌的燕麦片，你早餐吃燕麦吗？", "第一品牌"),
        ("这款耳机连续三年销量第1，你通勤戴耳机吗？", "销量第1"),
        ("这款牙膏第一，你用过吗？", "第一"),
        ("这款牙膏一百％防蛀，你家孩子爱刷牙吗？", "一百％"),
        ("这款牙膏百分之一百防蛀，你家孩子爱刷牙吗？", "百分之一百"),
    ],
)
def test_rank_and_certainty_claims_fail(text, span):
    result = check_compliance(text, find_product("亮白牙膏"))
    assert not result.passed
    assert span in [f["text"] for f in result.details["findings"] if f["tier"] == "fail"]


@pytest.mark.parametrize(
    "text, product",
    [
        ("你觉得这个空气炸锅是不是最好用的？", "空气炸锅"),
        ("你试过这个减肥燕麦吗？", "即食燕麦片"),
        ("你用过我们店的美白牙膏吗？", "亮白牙膏"),
        ("今天团购的美白牙膏，你用过吗？", "亮白牙膏"),
        ("这是最适合冬天的早餐，你吃过吗？", "即食燕麦片"),
    ],
)
def test_pointing_at_the_product_turns_soft_words_into_claims(text, product):
    assert fails(text, product)


@pytest.mark.parametrize(
    "text, product",
    [
        ("这个冬天你觉得哪件羽绒服最保暖？", "轻薄羽绒服"),
        ("你觉得哪款早餐最适合冬天？", "即食燕麦片"),
        ("你用过美白牙膏吗？", "亮白牙膏"),
    ],
)
def test_time_words_are_not_pointers(text, product):
    assert not fails(text, product)
