"""Huati's own functions as chat tools: draft, revise, check, search, history.

Each tool returns a `ToolResult` (Chinese text for the operator or the LLM, plus structured data). The same
functions back the offline router and, wrapped by `langchain_tools`, the LLM agent.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date as Date
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from assistant.chat import replies
from assistant.errors import InputError, NotFoundError
from assistant.models import DailyPlan, Product, Topic
from assistant.retrieval.event_names import EVENT_WORDS, event_name_in
from assistant.settings import Settings, get_settings

if TYPE_CHECKING:
    from langchain_core.language_models import BaseChatModel


@dataclass
class ChatContext:
    """What a tool may need: the session, its current plan and revised topics, settings, a chat model."""

    session_id: str
    settings: Settings
    plan_id: str | None = None
    revised: dict[int, Topic] = field(default_factory=dict)  # legacy: revisions kept only in chat messages
    chat_model: BaseChatModel | None = None
    today: Date | None = None
    focus: int | None = None  # the topic last revised or shown: "更短" with no number means this one


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
    settings: Settings,
    *,
    product: str | None = None,
    since: Date | None = None,
    until: Date | None = None,
    limit: int = 10,
) -> tuple[list[DailyPlan], int]:
    """Latest-dated plans (optionally of one product) between `since` and `until`, and how many there are."""
    return _store(settings).list_plans(
        product=product, date_from=since, date_to=until, limit=limit, by_date=True
    )


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
    category: str | None = None,
    points: list[str] | None = None,
) -> ToolResult:
    from assistant.drafting import draft_plan
    from assistant.models import PlanRequest
    from assistant.storage import retarget_timeline

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
        category=category or None,
        points=list(points or []),
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
        retarget_timeline(plan, lead)
        _store(ctx.settings).save_plan(plan)
    ctx.plan_id, ctx.revised, ctx.focus = plan.id, {}, None
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


def redraft(ctx: ChatContext, n: int | None = None) -> ToolResult:
    """A fresh batch for the current plan's product, group and date."""
    if not ctx.plan_id:
        raise InputError("还没有正在讨论的方案。先说说要推什么，例如：明天卖空气炸锅，宝妈群，给我三个话题")
    plan = load_plan(ctx.plan_id, ctx.settings)
    product = plan.request.product if plan.request else plan.product.name
    store = _store(ctx.settings)
    seen = {t.text for t in plan.topics} | {t.text for t in ctx.revised.values()}
    seen |= {r["before_text"] for r in store.revisions_for(plan.id)}
    audience = plan.audience.name if plan.audience else None
    req = plan.request
    return draft(
        ctx,
        product,
        audience,
        plan.date,
        n or len(plan.topics),
        exclude=seen,
        category=req.category if req else None,
        points=list(req.points) if req else None,
    )


def current_topic(ctx: ChatContext, index: int | None) -> tuple[DailyPlan, int, Topic]:
    """The plan, the topic number (no number: the one being discussed, else the first) and its current text."""
    if not ctx.plan_id:
        raise InputError("还没有正在讨论的方案。先说说要推什么，例如：明天卖空气炸锅，宝妈群，给我三个话题")
    plan = load_plan(ctx.plan_id, ctx.settings)
    index = index or ctx.focus or 1
    if not 1 <= index <= len(plan.topics):
        raise InputError(f"当前方案只有 {len(plan.topics)} 个话题，没有第 {index} 个")
    return plan, index, ctx.revised.get(index) or plan.topics[index - 1]


def revise(ctx: ChatContext, index: int | None, instruction: str, use_trends: bool = False) -> ToolResult:
    """Rewrite topic N and save it into the plan (the replaced text stays in the revision history)."""
    from assistant.drafting.ranking import is_near_duplicate
    from assistant.drafting.revision import revise_topic_with_origin

    plan, index, topic = current_topic(ctx, index)
    ctx.focus = index
    if use_trends and not re.search(r"热点|热搜|热门", instruction):
        instruction += "，结合今天的热搜"  # revise_topic looks today's trends up itself
    store = _store(ctx.settings)
    records = store.revisions_for(plan.id)
    earlier = [r["before_text"] for r in records if r["topic_index"] == index]
    others = [t.text for i, t in enumerate(plan.topics, 1) if i != index]
    replaced = [r["before_text"] for r in records]  # texts the operator already changed away from
    avoid = list(dict.fromkeys([*others, *earlier, *replaced]))
    new, origin = revise_topic_with_origin(
        topic, instruction, plan.product, plan.audience, plan.date, None, settings=ctx.settings, avoid=avoid
    )
    if new.text == topic.text:  # never claim a change that did not happen
        raise InputError(
            f"没能改出和现在不同的版本，现在还是：{topic.text}", hint="换个要求试试，例如「换个角度」"
        )
    if new.text in earlier:
        raise InputError(
            f"改出来的和第 {earlier.index(new.text) + 1} 版一模一样，没有新东西。现在还是：{topic.text}",
            hint="换个要求试试，例如「换个角度」",
        )
    twin = next(
        (i for i, t in enumerate(plan.topics, 1) if i != index and is_near_duplicate(new.text, [t.text])), 0
    )
    if twin:
        raise InputError(
            f"改出来的和第 {twin} 个几乎一样，没有用。现在还是：{topic.text}",
            hint="换个要求试试，例如「更短」",
        )
    engine, model = origin.engine, origin.model
    record = store.save_revision(
        plan.id,
        index,
        new,
        instruction=instruction,
        engine=engine,
        model=model,
        source=f"chat:{ctx.session_id}",
    )
    ctx.revised.pop(index, None)
    version = len(earlier) + 2  # the original is version 1
    return ToolResult(
        "revise",
        replies.revised(index, topic, new, plan.id, version, engine, model),
        {
            "index": index,
            "instruction": instruction,
            "before": topic.text,
            "topic": {**new.model_dump(mode="json", by_alias=True), "text": new.text},
            "revision_id": record["id"],
            "engine": engine,
            "model": model,
        },
        plan_id=plan.id,
    )


def show(ctx: ChatContext, index: int | None) -> ToolResult:
    """「第二个不错」/「第二个是什么」: the topic's current text, to copy."""
    plan, index, topic = current_topic(ctx, index)
    ctx.focus = index
    count = len(_store(ctx.settings).revisions_for(plan.id, index))
    return ToolResult(
        "show", replies.shown(index, topic, count), {"index": index, "text": topic.text}, plan.id
    )


def check(
    ctx: ChatContext, text: str | None, product: str | None = None, index: int | None = None
) -> ToolResult:
    """Check one sentence (or topic N of the current plan) with the plan's product, group and date."""
    from assistant.checks import check_topic

    if not text and index and ctx.plan_id:
        _, index, topic = current_topic(ctx, index)
        text = topic.text
    if not text:
        raise InputError("请把要检查的话题发给我，例如：这句有没有违规？「你用过美白牙膏吗？」", field="text")
    audience, day = None, None
    subject: str | Product | None = product
    if not product and ctx.plan_id:
        try:
            plan = load_plan(ctx.plan_id, ctx.settings)
            subject, audience, day = plan.product, plan.audience, plan.date
        except NotFoundError:
            pass
    known = bool(subject)
    report = check_topic(text, subject or "群聊话题", audience=audience, date=day)
    if not known:  # no product to be relevant to: that check says nothing here
        report.checks.pop("relevance", None)
    return ToolResult(
        "check",
        replies.check(text, report, product_known=known),
        {"text": text, "report": report.model_dump(mode="json", by_alias=True)},
    )


def search(ctx: ChatContext, query: str, kind: str = "all", date: Date | None = None) -> ToolResult:
    """Cases, trends, the calendar. A named festival or solar term is resolved to its next date first."""
    from assistant.chat import lookup
    from assistant.retrieval import search as do_search
    from assistant.retrieval import trends_for

    day = date or ctx.today or Date.today()
    data: dict[str, Any] = {"query": query, "kind": kind}
    if kind == "trends":
        listing = query in ("热搜", "热点", "热门", "热榜")
        items = trends_for(day, query=None if listing else query, k=5, settings=ctx.settings, dense=False)
        text = lookup.trends_reply(items, None if listing else query, day)
        return ToolResult("search", text, {**data, "trends": [t.model_dump(mode="json") for t in items]})
    event = event_name_in(query) if kind in ("calendar", "all") else None
    if event:
        found = EVENT_WORDS.search(query)
        said = found[0] if found else event
        product = None
        if ctx.plan_id:
            try:
                product = load_plan(ctx.plan_id, ctx.settings).product.name
            except NotFoundError:
                pass
        text, extra = lookup.event_reply(event, said, day, ctx.settings, product)
        return ToolResult("search", text, {**data, **extra})
    if kind == "calendar":
        text, extra = lookup.upcoming_reply(day)
        return ToolResult("search", text, {**data, **extra})
    hits = do_search(query, kind=kind, date=day, k=5, settings=ctx.settings)
    return ToolResult(
        "search", lookup.hits_reply(query, hits), {**data, "hits": [h.model_dump(mode="json") for h in hits]}
    )


def history(ctx: ChatContext, product: str | None = None, days: int = 14, ask: str = "list") -> ToolResult:
    """Plans dated in the last `days` days up to today (not future ones), with each topic's feedback.
    `ask`: list, effect (how did it go) or best (which topic did best)."""
    from assistant.chat import history as hist

    today = ctx.today or Date.today()
    since = today - timedelta(days=days)
    plans, total = recent_plans(ctx.settings, product=product, since=since, until=today, limit=10)
    upcoming = recent_plans(ctx.settings, product=product, since=today + timedelta(days=1), limit=1)[1]
    store = _store(ctx.settings)
    feedback = {p.id: feedback_for(p.id, ctx.settings) for p in plans}
    revisions = {p.id: store.revisions_for(p.id) for p in plans}
    text = hist.reply(
        hist.Window(product, days, since, today, total, upcoming), plans, feedback, revisions, ask
    )
    return ToolResult(
        "history",
        text,
        {"product": product, "days": days, "ask": ask, "plans": [p.id for p in plans], "total": total},
    )


def help_(ctx: ChatContext, thanks: bool = False) -> ToolResult:
    if thanks:
        return ToolResult("help", "不客气～还要改话题、查违规或看效果，直接说就行。")
    return ToolResult("help", replies.help_text())


def default_context(session_id: str, settings: Settings | None = None) -> ChatContext:
    return ChatContext(session_id=session_id, settings=settings or get_settings())
