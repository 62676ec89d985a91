"""Drafting/storage doubles for API tests: the API layer is tested on its own, with an in-memory store and a
drafting function whose latency the test controls. Integration tests use the real modules when present."""

from __future__ import annotations

import asyncio
import threading
import time
import uuid
from datetime import UTC, datetime

from assistant.models import DailyPlan, PlanRequest, Product, Topic, TopicType


class FakeStore:
    plans: dict[str, DailyPlan] = {}
    feedback: list[dict] = []
    lock = threading.Lock()

    def __init__(self, settings=None):  # noqa: ANN001
        pass

    def save_plan(self, plan: DailyPlan) -> str:
        with self.lock:
            if not plan.id:
                plan.id = uuid.uuid4().hex[:12]
            self.plans[plan.id] = plan
        return plan.id

    def get_plan(self, plan_id: str) -> DailyPlan | None:
        return self.plans.get(plan_id)

    def list_plans(self, product=None, limit=10):  # noqa: ANN001
        plans = [p for p in self.plans.values() if product is None or p.product.name == product]
        return sorted(plans, key=lambda p: p.created_at, reverse=True)[:limit]

    def add_feedback(self, plan_id, topic_index, verdict, text=None, note=None):  # noqa: ANN001
        self.feedback.append({"plan_id": plan_id, "topic_index": topic_index, "verdict": verdict, "text": text})


class Drafting:
    """Stands in for `assistant.drafting`: counts calls, optional latency (async sleeps, sync sleeps)."""

    def __init__(self) -> None:
        self.delay = 0.0
        self.calls = 0
        self.fail_for: set[str] = set()

    def _make(self, request: PlanRequest, save: bool) -> DailyPlan:
        self.calls += 1
        if request.product in self.fail_for:
            from assistant.errors import InputError

            raise InputError(f"商品 {request.product} 生成失败（测试替身）", field="product")
        product = Product(id="p-" + request.product, name=request.product, category=request.category or "日用")
        topics = [Topic(type=TopicType.experience, question=f"你用过{request.product}吗？（{i + 1}）")
                  for i in range(request.n)]  # fmt: skip
        plan = DailyPlan(date=request.date or datetime.now(UTC).date(), product=product, topics=topics,
                         engine="offline", model="api-test-double", created_at=datetime.now(UTC), request=request)  # fmt: skip
        if save:
            FakeStore().save_plan(plan)
        return plan

    def draft_plan(self, request, *, settings=None, chat_model=None, save=True):  # noqa: ANN001
        if self.delay:
            time.sleep(self.delay)
        return self._make(request, save)

    async def adraft_plan(self, request, *, settings=None, chat_model=None, save=True):  # noqa: ANN001
        if self.delay:
            await asyncio.sleep(self.delay)
        return self._make(request, save)
