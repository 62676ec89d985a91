"""A drafting double for API tests: the API layer is tested on its own (real Store, real keys and jobs) with a
drafting function whose latency and failures the test controls. `test_serve.py` runs the real engine."""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime

from assistant.models import DailyPlan, PlanRequest, Topic, TopicType


class Drafting:
    """Stands in for `assistant.drafting`: counts calls, optional latency (async sleeps, sync sleeps)."""

    def __init__(self) -> None:
        self.delay = 0.0
        self.calls = 0
        self.fail_for: set[str] = set()
        self.active = 0
        self.peak = 0

    def _make(self, request: PlanRequest, save: bool) -> DailyPlan:
        self.calls += 1
        if request.product in self.fail_for:
            from assistant.errors import InputError

            raise InputError(f"商品 {request.product} 生成失败（测试替身）", field="product")
        from assistant.knowledge import find_audience, resolve_product

        product = resolve_product(request.product, request.category, request.points)  # catalogue or ad hoc
        audience = find_audience(request.audience) if request.audience else None
        topics = [
            Topic(type=TopicType.experience, question=f"你用过{request.product}吗？（{i + 1}）")
            for i in range(request.n)
        ]
        plan = DailyPlan(
            date=request.date or datetime.now(UTC).date(),
            product=product,
            audience=audience,
            topics=topics,
            engine="offline",
            model="api-test-double",
            created_at=datetime.now(UTC),
            request=request,
        )
        if save:
            from assistant.storage import Store

            Store().save_plan(plan)
        return plan

    def draft_plan(self, request, *, settings=None, chat_model=None, save=True):
        if self.delay:
            time.sleep(self.delay)
        return self._make(request, save)

    async def adraft_plan(self, request, *, settings=None, chat_model=None, save=True):
        self.active += 1
        self.peak = max(self.peak, self.active)
        try:
            if self.delay:
                await asyncio.sleep(self.delay)
            return self._make(request, save)
        finally:
            self.active -= 1
