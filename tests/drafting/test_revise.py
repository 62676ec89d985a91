"""revise_topic: offline instructions and the LLM path."""

from __future__ import annotations

import json
from datetime import date

import pytest
from langchain_core.language_models.fake_chat_models import FakeListChatModel

from assistant.drafting import draft_plan
from assistant.drafting.offline.rewrite import instruction_kind
from assistant.drafting.revision import revise_topic
from assistant.models import PlanRequest

DAY = date(2026, 11, 24)


@pytest.fixture
def plan(huati_env):
    return draft_plan(PlanRequest(product="羽绒服", audience="宝妈群", date=DAY, n=3), save=False)


def _all_pass(topic) -> bool:
    return all(c.passed for c in topic.checks.values())


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("更口语一点", "colloquial"),
        ("短一点", "short"),
        ("换个角度", "angle"),
        ("结合热点", "trend"),
        ("更正式些", "formal"),
        ("随便改改", "angle"),
        ("第一个别那么正式", "colloquial"),
        ("太随意了", "formal"),
        ("第一个改成投票", "vote"),
        ("改成晒图", "photo"),
        ("改成二选一", "either_or"),
        ("加个emoji", "emoji"),
        ("去掉表情", "no_emoji"),
        ("带上冬至", "festival"),
        ("别蹭热点", "plain"),
        ("翻译成英文", "unknown"),
        ("写长一点，多一点细节", "longer"),
        ("语气更亲切温柔一点", "colloquial"),
        ("更简单，谁都能一句话回答", "short"),
    ],
)
def test_instruction_kinds(text, kind):
    assert instruction_kind(text) == kind


def test_offline_revisions(plan):
    topic = plan.topics[0]
    shorter = revise_topic(topic, "更短", plan.product, plan.audience, DAY)
    assert len(shorter.text) < len(topic.text) and _all_pass(shorter)
    angle = revise_topic(topic, "换个角度", plan.product, plan.audience, DAY)
    assert angle.type != topic.type and _all_pass(angle) and "羽绒服" in angle.text
    formal = revise_topic(topic, "更正式", plan.product, plan.audience, DAY)
    assert formal.text.startswith("各位好") and "～" not in formal.text
    casual = revise_topic(topic, "口语化", plan.product, plan.audience, DAY)
    assert casual.opening != topic.opening and _all_pass(casual)


def test_trend_revision_uses_trends(plan):
    topic = plan.topics[0]
    hot = revise_topic(topic, "结合热点（今日热搜：羽绒服怎么洗不结块）", plan.product, plan.audience, DAY)
    assert "羽绒服怎么洗不结块" in hot.text and hot.hook.kind == "trend"
    found = revise_topic(topic, "结合热搜", plan.product, plan.audience, DAY)  # trends_for on the trend files
    assert found.hook and found.hook.kind == "trend" and found.hook.title in found.text


def test_llm_revision(plan):
    topic = plan.topics[0]
    new = {"type": "memory", "opening": "", "question": "你小时候冬天穿的羽绒服，还记得是什么颜色吗？"}
    model = FakeListChatModel(responses=[json.dumps(new, ensure_ascii=False)])
    revised = revise_topic(topic, "换成回忆类", plan.product, plan.audience, DAY, chat_model=model)
    assert revised.question == new["question"] and revised.type.value == "memory"
    assert revised.checks["compliance"].passed


def test_llm_revision_failure_uses_offline(plan):
    topic = plan.topics[0]
    model = FakeListChatModel(responses=["不是 JSON", "还不是"])
    revised = revise_topic(topic, "更短", plan.product, plan.audience, DAY, chat_model=model)
    assert len(revised.text) < len(topic.text)


# --------------------------------------------------------------------------- the contract: follow it or say why


def _revise(topic, instruction, plan, **kw):
    return revise_topic(topic, instruction, plan.product, plan.audience, plan.date, **kw)


def test_new_angle_never_repeats_the_plan_or_earlier_revisions(plan):
    from assistant.drafting.ranking import near_duplicate_of

    topic, others = plan.topics[0], [t.text for t in plan.topics[1:]]
    seen = [topic.text, *others]
    for _ in range(4):  # the chat passes earlier revisions back in `avoid`
        new = _revise(topic, "换个角度", plan, avoid=seen)
        assert _all_pass(new) and "羽绒服" in new.text
        assert near_duplicate_of(new.text, seen) is None, (new.text, seen)
        seen.append(new.text)


def test_trend_revision_without_a_related_trend_says_so(huati_env):
    from assistant.errors import InputError

    day = date(2026, 6, 18)  # the trend file of the day has nothing about toothpaste
    plan = draft_plan(PlanRequest(product="亮白牙膏", audience="宝妈群", date=day), save=False)
    with pytest.raises(InputError) as exc:
        _revise(plan.topics[0], "结合今天的热搜", plan)
    assert "牙膏" in exc.value.message and "热点" in exc.value.message
    with pytest.raises(InputError) as exc:  # a typed trend that is spam is refused with the reason
        _revise(plan.topics[0], "结合热点（今日热搜：加微信abc123领红包）", plan)
    assert "联系方式" in exc.value.message


def test_colloquial_changes_visibly_then_stops(plan):
    from assistant.errors import InputError

    topic = plan.topics[1]
    casual = _revise(topic, "更口语", plan)
    assert casual.text != topic.text and _all_pass(casual)
    changed = sum(a != b for a, b in zip(casual.text, topic.text, strict=False)) + abs(
        len(casual.text) - len(topic.text)
    )
    assert changed >= 3
    try:
        again = _revise(casual, "更口语", plan)
    except InputError as exc:
        assert "口语" in exc.message
    else:
        assert again.text != casual.text


def test_negation_is_understood(plan):
    formal = _revise(plan.topics[0], "更正式", plan)
    assert formal.text.startswith("各位好")
    relaxed = _revise(formal, "第一个别那么正式", plan)
    assert not relaxed.text.startswith("各位好") and _all_pass(relaxed)


@pytest.mark.parametrize(
    ("instruction", "kind"),
    [("第一个改成投票", "vote"), ("改成晒图", "photo_share"), ("改成二选一", "either_or")],
)
def test_shape_changes(instruction, kind, plan):
    topic = next(t for t in plan.topics if t.type.value != kind)
    new = _revise(topic, instruction, plan, avoid=[t.text for t in plan.topics])
    assert new.type.value == kind and _all_pass(new) and new.text != topic.text
    if kind == "vote":
        assert "投个票" in new.text and "A" in new.text


def test_emoji_and_unknown_instructions(plan):
    import re as _re

    from assistant.errors import InputError

    topic = plan.topics[0]
    new = _revise(topic, "加个emoji", plan)
    assert _re.search("[\U0001f000-\U0001faff\u2600-\u27bf]", new.text) and new.question.startswith(
        topic.question
    )
    with pytest.raises(InputError):
        _revise(new, "加个emoji", plan)
    assert _revise(new, "去掉表情", plan).text == topic.text
    with pytest.raises(InputError) as exc:
        _revise(topic, "翻译成英文", plan)
    assert "更短" in exc.value.message and "换个角度" in exc.value.message


def test_festival_revision_only_when_one_fits(huati_env):
    from assistant.errors import InputError

    dumplings = draft_plan(
        PlanRequest(product="手工水饺", audience="社区团购群", date=date(2026, 12, 22)), save=False
    )
    plain = next((t for t in dumplings.topics if not t.hook), dumplings.topics[-1])
    new = _revise(plain, "带上节日", dumplings, avoid=[t.text for t in dumplings.topics])
    assert new.hook and new.hook.kind == "calendar" and _all_pass(new)
    coffee = draft_plan(
        PlanRequest(product="手冲咖啡壶", category="厨房用品", date=date(2026, 12, 22)), save=False
    )
    with pytest.raises(InputError) as exc:
        _revise(coffee.topics[0], "带上节日", coffee)
    assert "冬至" in exc.value.message and coffee.product.noun in exc.value.message


def test_revision_says_which_engine_wrote_it(plan):
    # The chat labels a revision from this result, not from log lines: it must hold with logging switched off.
    import logging

    from assistant.drafting.revision import revise_topic_with_origin

    topic = plan.topics[0]
    new = {"type": "memory", "opening": "", "question": "你小时候冬天穿的羽绒服，还记得是什么颜色吗？"}
    good = FakeListChatModel(responses=[json.dumps(new, ensure_ascii=False)])
    logging.disable(logging.CRITICAL)
    try:
        by_model, origin = revise_topic_with_origin(
            topic, "换成回忆类", plan.product, plan.audience, DAY, chat_model=good
        )
        assert (origin.engine, origin.model) == ("llm", "fake-list-chat-model")
        assert by_model.question == new["question"]
        repeat = {"type": topic.type.value, "opening": topic.opening, "question": topic.question}
        for responses in (["不是 JSON", "还不是"], [json.dumps(repeat, ensure_ascii=False)]):
            model = FakeListChatModel(responses=responses)  # fails, or only repeats the topic
            offline, origin = revise_topic_with_origin(
                topic, "更短", plan.product, plan.audience, DAY, chat_model=model
            )
            assert (origin.engine, origin.model) == ("offline", "huati-offline-patterns")
            assert len(offline.text) < len(topic.text)
    finally:
        logging.disable(logging.NOTSET)
