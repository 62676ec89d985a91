"""Low barrier reads Chinese as people write it: subject-dropped questions, one question and a follow-up,
knowledge questions in any form, no bonus for a call to buy."""

from __future__ import annotations

import pytest

from assistant.checks.low_barrier import check_low_barrier


@pytest.mark.parametrize(
    "text",
    [
        "周末去哪儿玩了？",
        "晚饭一般几点吃？",
        "今天午餐吃什么？",
        "最喜欢的旅行目的地是哪里？",
        "出去吃还是叫外卖？",
        "你最喜欢的一件家具是什么？为什么？",
        "喜欢喝哪种咖啡？有没有什么好的咖啡店推荐？",
        "想和自己的宠物说谢谢的瞬间",
    ],
)
def test_questions_people_write_pass(text):
    assert check_low_barrier(text).passed, check_low_barrier(text).reasons


@pytest.mark.parametrize(
    "text, group",
    [
        ("304还是316更安全？", "knowledge"),
        ("芹菜能降血压吗？", "knowledge"),
        ("天天泡脚好吗？", "knowledge"),
        ("刷牙电动牙刷好还是普通牙刷好？", "knowledge"),
        ("冬天室内空调开多少度合适？", "knowledge"),
        ("12点睡觉算熬夜吗？", "knowledge"),
        ("电动牙刷刷牙会更干净吗？", "knowledge"),
        ("中国人早餐通常吃什么？", "knowledge"),
        ("你听说了吗？近期有部电影票房破了十亿！", "quiz"),
        ("大家喜欢我们的内容吗？", "self"),
        ("谁知道修空调的李师傅电话？", "quiz"),
    ],
)
def test_knowledge_questions_fail_whatever_their_form(text, group):
    result = check_low_barrier(text)
    assert not result.passed
    assert group in result.details["penalties"]


def test_a_call_to_buy_earns_no_bonus():
    vote = check_low_barrier("甜粽子扣1，咸粽子扣2")
    order = check_low_barrier("接龙点餐，满20人成团享折扣！")
    assert vote.passed and "either_or" in vote.details["signals"]
    assert not order.passed and not order.details["signals"] and "sell" in order.details["penalties"]
    asked = check_low_barrier("你家宝宝用什么纸尿裤？需要的扣1")
    assert (
        not asked.details["signals"]
        and asked.score <= check_low_barrier("你家宝宝用什么纸尿裤？").score - 0.2
    )
