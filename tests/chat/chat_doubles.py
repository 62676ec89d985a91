"""Doubles for drafting/storage (used only while the real modules are missing) and the chat_env fixture."""

from __future__ import annotations

import importlib
import sys
import types
from datetime import UTC, datetime

import pytest

from assistant.models import DailyPlan, PlanRequest, Topic, TopicType


def _real(name: str) -> bool:
    try:
        importlib.import_module(name)
        return True
    except ModuleNotFoundError:
        return False


class FakeStore:
    plans: dict[str, DailyPlan] = {}
    feedback: dict[str, list[dict]] = {}

    def __init__(self, settings=None):  # noqa: ANN001
        pass

    def get_plan(self, plan_id):  # noqa: ANN001
        return self.plans.get(plan_id)

    def list_plans(self, product=None, limit=10):  # noqa: ANN001
        plans = [p for p in self.plans.values() if product is None or p.product.name == product]
        return sorted(plans, key=lambda p: p.created_at, reverse=True)[:limit]

    def get_feedback(self, plan_id):  # noqa: ANN001
        return self.feedback.get(plan_id, [])


def fake_draft_plan(request: PlanRequest, *, settings=None, chat_model=None, save=True) -> DailyPlan:  # noqa: ANN001
    from assistant.knowledge import find_audience, resolve_product
    from assistant.retrieval import today

    product = resolve_product(request.product)
    audience = find_audience(request.audience) if request.audience else None
    from assistant.checks import run_checks

    topics = []
    for i in range(request.n):
        topic = Topic(type=TopicType.experience, question=f"你用过{product.noun}吗？第{i + 1}种问法")
        topic.checks = run_checks(topic.text, product, audience=audience).checks
        topics.append(topic)
    plan = DailyPlan(
        id=f"plan{len(FakeStore.plans) + 1}",
        date=request.date or today(),
        product=product,
        audience=audience,
        topics=topics,
        engine="offline",
        model="fake-drafting",
        created_at=datetime.now(UTC),
        request=request,
    )
    if save:
        FakeStore.plans[plan.id] = plan
    return plan


def fake_revise_topic(topic, instruction, product, audience=None, date=None, chat_model=None):  # noqa: ANN001
    return Topic(type=topic.type, question=f"{topic.question}（{instruction}）")


@pytest.fixture
def chat_env(huati_env, monkeypatch):
    """Fresh HUATI_HOME; drafting and storage doubles if the real modules are missing."""
    if not _real("assistant.drafting") or not _real("assistant.storage"):
        FakeStore.plans, FakeStore.feedback = {}, {}
        drafting = types.ModuleType("assistant.drafting")
        drafting.draft_plan = fake_draft_plan
        drafting.revise_topic = fake_revise_topic
        storage = types.ModuleType("assistant.storage")
        storage.Store = FakeStore
        monkeypatch.setitem(sys.modules, "assistant.drafting", drafting)
        monkeypatch.setitem(sys.modules, "assistant.storage", storage)
    return huati_env
