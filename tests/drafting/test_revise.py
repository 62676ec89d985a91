"""revise_topic: offline instructions and the LLM path."""

from __future__ import annotations

import json
from datetime import date

import pytest
from langchain_core.language_models.fake_chat_models import FakeListChatModel

from assistant.drafting import draft_plan
from assistant.models import PlanRequest
from assistant.offline_revise import instruction_kind
from assistant.revise import revise_topic

DAY = date(2026, 11, 24)


@pytest.fixture
def plan(huati_env):
    return draft_plan(PlanRequest(product="羽绒服", audience="宝妈群", date=DAY, n=3), save=False)


def _all_pass(topic) -> bool:  # noqa: ANN001
    return all(c.passed for c in topic.checks.values())


@pytest.mark.parametrize(
    ("text", "kind"),
    [("更口语一点", "colloquial"), ("短一点", "short"), ("换个角度", "angle"), ("结合热点", "trend"),
     ("更正式些", "formal"), ("随便改改", "angle")],
)  # fmt: skip
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
