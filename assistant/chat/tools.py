"""Huati's own functions as chat tools: draft, revise, check, search, history.

Each tool returns a `ToolResult` (Chinese text for the operator or the LLM, plus structured data). The same
functions back the offline router and, wrapped by `langchain_tools`, the LLM agent.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date as Date
from datetime import timedelta
from typing import Any

from assistant.chat import replies
from assistant.errors import InputError, NotFoundError
from assistant.models import DailyPlan, Topic
from assistant.settings import Settings, get_settings


@dataclass
class ChatContext:
    """What a tool may need: the session, its current plan and revised topics, settings, a chat model."""

    session_id: str
    settings: Settings
    plan_id: str | None = None
    revised: dict[int, Topic] = field(default_factory=dict)
    chat_model: Any = None
    today: Date | None = None


@dataclass
class ToolResult:
    tool: str
    text: str
    data: dict[str, Any] = field(default_factory=dict)
    plan_id: str | None = None


# --------------------------------------------------------------------------- store access


def _store(settings: Settings):
    from assistant.storage import Store

    return Store(settings)


def load_plan(plan_id: str, settings: Settings) -> DailyPlan:
    store = _store(settings)
    plan = store.get_plan(plan_id)
    if plan is None:
        raise NotFoundError(f"找不到方案 {plan_id}")
    return plan


def recent_plans(
    settings: Settings, *, product: str | None = None, since: Date | None = None, limit: int = 10
) -> list[DailyPlan]:
    """Newest plans (optionally of one product), created or dated since `since`."""
    store = _store(settings)
    found = store.list_plans(product=product, limit=limit)
    plans = found[0] if isinstance(found, tuple) else found  # Store.list_plans -> (plans, total)
    if since is not None:
        plans = [p for p in plans if p.date >= since or p.created_at.date() >= since]
    return list(plans)


def feedback_for(plan_id: str, settings: Settings) -> list[dict[str, Any]]:
    items = _store(settings).feedback_for(plan_id)
    return [i if isinstance(i, dict) else i.model_dump(mode="json") for i in items]


# --------------------------------------------------------------------------- tools


def draft(
    ctx: ChatContext,
    product: str,
    audience: str | None = None,
    date: Date | str | None = None,
    n: int = 3,
    trend: list[str] | None = None,
    exclude: set[str] | None = None,
) -> ToolResult:
    from assistant.drafting import draft_plan
    from assistant.models import PlanRequest

    if isinstance(date, str) and date:
        try:
            date = Date.fromisoformat(date)
        except ValueError as exc:
            raise InputError(f"日期格式不对：{date}，请写成 2026-12-22", field="date") from exc
    request = PlanRequest(
        product=product,
        audience=audience or None,
        date=date or None,
        n=max(1, min(10, n)),
        trend=list(trend or []),
    )
    # Drafting picks its own engine from the settings (auto): the chat model only routes the conversation.
    if not exclude:
        plan = draft_plan(request, settings=ctx.settings, save=True)
    else:  # a new batch: ask for more, drop what the operator has already seen, keep the best n
        wide = request.model_copy(update={"n": min(10, request.n + len(exclude))})
        plan = draft_plan(wide, settings=ctx.settings, save=False)
        fresh = [t for t in plan.topics if t.text not in exclude]
        seen = [t for t in plan.topics if t.text in exclude]
        lead = plan.topics[0]
        plan.topics = (fresh + seen)[: request.n]
        plan.request, plan.id = request, ""
        _retarget_timeline(plan, lead)
        _store(ctx.settings).save_plan(plan)
    ctx.plan_id, ctx.revised = plan.id, {}
    return ToolResult(
        "draft",
        replies.plan(plan),
        {
            "plan_id": plan.id,
            "engine": plan.engine,
            "model": plan.model,
            "topics": [t.text for t in plan.topics],
        },
        plan_id=plan.id,
    )


def _retarget_timeline(plan: DailyPlan, old_lead: Topic) -> None:
    """The day's timeline follows the lead topic: point it at the new one when the lead changed."""
    new = plan.topics[0] if plan.topics else None
    if new is None or new.text == old_lead.text:
        return
    follow_ups = iter(new.follow_ups)
    for step in plan.timeline:
        if step.stage == "launch":
            step.text = new.text
        elif step.stage == "follow_up" and step.text in old_lead.follow_ups:
            step.text = next(follow_ups, "")
        elif step.stage == "product_link" and old_lead.bridge and step.text == old_lead.bridge:
            step.text = new.bridge


def redraft(ctx: ChatContext, n: int | None = None) -> ToolResult:
    """A fresh batch for the current plan's product, group and date."""
    if not ctx.plan_id:
        raise InputError("还没有正在讨论的方案。先说说要推什么，例如：明天卖空气炸锅，宝妈群，给我三个话题")
    plan = load_plan(ctx.plan_id, ctx.settings)
    product = plan.request.product if plan.request else plan.product.name
    seen = {t.text for t in plan.topics} | {t.text for t in ctx.revised.values()}
    audience = plan.audience.name if plan.audience else None
    return draft(ctx, product, audience, plan.date, n or len(plan.topics), exclude=seen)


def current_topic(ctx: ChatContext, index: int) -> tuple[DailyPlan, Topic]:
    if not ctx.plan_id:
        raise InputError("还没有正在讨论的方案。先说说要推什么，例如：明天卖空气炸锅，宝妈群，给我三个话题")
    plan = load_plan(ctx.plan_id, ctx.settings)
    if not 1 <= index <= len(plan.topics):
        raise InputError(f"当前方案只有 {len(plan.topics)} 个话题，没有第 {index} 个")
    return plan, ctx.revised.get(index) or plan.topics[index - 1]


def revise(ctx: ChatContext, index: int, instruction: str, use_trends: bool = False) -> ToolResult:
    from assistant.revise import revise_topic

    plan, topic = current_topic(ctx, index)
    if use_trends and not re.search(r"热点|热搜|热门", instruction):
        instruction += "，结合今天的热搜"  # revise_topic looks today's trends up itself
    new = revise_topic(
        topic, instruction, plan.product, plan.audience, plan.date, None, settings=ctx.settings
    )
    ctx.revised[index] = new
    return ToolResult(
        "revise",
        replies.revised(index, topic, new),
        {
            "index": index,
            "instruction": instruction,
            "before": topic.text,
            "topic": {**new.model_dump(mode="json", by_alias=True), "text": new.text},
        },
        plan_id=plan.id,
    )


def check(ctx: ChatContext, text: str | None, product: str | None = None) -> ToolResult:
    from assistant.checks import run_checks

    if not text:
        raise InputError("请把要检查的话题发给我，例如：这句有没有违规？「你用过美白牙膏吗？」", field="text")
    audience, day = None, None
    if not product and ctx.plan_id:
        try:
            plan = load_plan(ctx.plan_id, ctx.settings)
            product, audience, day = plan.product, plan.audience, plan.date
        except (NotFoundError, ImportError):
            pass
    if not product:
        product = "群聊话题"  # no product known: compliance, barrier and tone still apply
    report = run_checks(text, product, audience=audience, date=day)
    return ToolResult(
        "check",
        replies.check(text, report),
        {"text": text, "report": report.model_dump(mode="json", by_alias=True)},
    )


def search(ctx: ChatContext, query: str, kind: str = "all", date: Date | None = None) -> ToolResult:
    from assistant.retrieval import search as do_search

    if kind == "trends" and query in ("热搜", "热点", "热门"):  # "what's hot": today's list, no query
        from assistant.retrieval import trends_for

        items = trends_for(date or ctx.today or Date.today(), k=5, settings=ctx.settings, dense=False)
        return ToolResult(
            "search",
            replies.trends(items),
            {"query": query, "kind": kind, "trends": [t.model_dump(mode="json") for t in items]},
        )
    hits = do_search(query, kind=kind, date=date or ctx.today, k=5, settings=ctx.settings)
    return ToolResult(
        "search",
        replies.hits(query, hits),
        {"query": query, "kind": kind, "hits": [h.model_dump(mode="json") for h in hits]},
    )


def history(ctx: ChatContext, product: str | None = None, days: int = 14) -> ToolResult:
    today = ctx.today or Date.today()
    plans = recent_plans(ctx.settings, product=product, since=today - timedelta(days=days), limit=10)
    feedback = {p.id: feedback_for(p.id, ctx.settings) for p in plans}
    return ToolResult(
        "history",
        replies.history(product, days, plans, feedback),
        {"product": product, "days": days, "plans": [p.id for p in plans]},
    )


def help_(ctx: ChatContext) -> ToolResult:
    return ToolResult("help", replies.help_text())


def default_context(session_id: str, settings: Settings | None = None) -> ChatContext:
    return ChatContext(session_id=session_id, settings=settings or get_settings())
