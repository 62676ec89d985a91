"""Delivery results of plans (Postiz draft, 企业微信 robot), stored so that reading a plan again or replaying
its Idempotency-Key shows what was sent. Secrets (API keys, robot keys) are never part of a result, and of a
receiver's answer only its status and a short, sanitised excerpt are (also for results stored by older
versions, which kept the whole answer: they are cut down when read)."""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import delete, insert, select

from assistant.service.outbound import sanitize_excerpt
from assistant.settings import Settings
from assistant.storage.db import get_engine
from assistant.storage.schema import plan_deliveries


def record(
    plan_id: str, results: list[dict[str, Any]], settings: Settings | None = None, event_id: str | None = None
) -> None:
    """Store one delivery's results; a resent event (same `event_id`) replaces its earlier record."""
    with get_engine(settings).begin() as conn:
        if event_id is not None:
            conn.execute(delete(plan_deliveries).where(plan_deliveries.c.event_id == event_id))
        conn.execute(
            insert(plan_deliveries).values(
                plan_id=plan_id, results=results, event_id=event_id, created_at=datetime.now(UTC)
            )
        )


def for_plans(plan_ids: Iterable[str], settings: Settings | None = None) -> dict[str, list[dict[str, Any]]]:
    """The latest delivery results of each plan that has any."""
    ids = list(dict.fromkeys(plan_ids))
    if not ids:
        return {}
    with get_engine(settings).connect() as conn:
        rows = conn.execute(
            select(plan_deliveries.c.plan_id, plan_deliveries.c.results)
            .where(plan_deliveries.c.plan_id.in_(ids))
            .order_by(plan_deliveries.c.id)
        ).all()
    return {row.plan_id: [_shown(r) for r in row.results] for row in rows}  # later rows win


def _shown(result: dict[str, Any]) -> dict[str, Any]:
    answer = result.get("response")
    if answer is None or isinstance(answer, str):
        return result
    return {**result, "response": sanitize_excerpt(json.dumps(answer, ensure_ascii=False)) or None}
