"""Drafting entry point: `draft_plan` / `adraft_plan` (offline engine or LLM chain); revising is in `revise.py`."""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from datetime import date as Date
from typing import Any, Literal

from assistant.drafting.offline import engine as offline_engine
from assistant.drafting.offline import library as offline_library
from assistant.drafting.offline.engine import DayContext
from assistant.errors import ConfigError, HuatiError
from assistant.models import DailyPlan, PlanRequest, Product, SourceRef, Topic
from assistant.settings import OFFLINE_MODEL, Settings, get_settings

log = logging.getLogger("huati.drafting")
CALENDAR_HORIZON = 7
TREND_K = 8


def default_date() -> Date:
    """Tomorrow in China: operators plan the day before."""
    from datetime import timezone

    return datetime.now(timezone(timedelta(hours=8))).date() + timedelta(days=1)


# --------------------------------------------------------------------------- context


def trend_query(product: Product) -> str:
    return " ".join(dict.fromkeys([product.noun, *product.keywords[:6]]))


def gather_context(request: PlanRequest, settings: Settings, store: Any = None) -> DayContext:
    """Product, audience, the day's trends and calendar, and what this group saw recently."""
    from assistant.knowledge import find_audience, resolve_product
    from assistant.retrieval.calendar import events_for

    product = resolve_product(request.product, request.category, request.points, settings=settings)
    name = (request.audience or "").strip()
    audience = find_audience(name, settings=settings) if name else None
    day = request.date or default_date()
    try:
        from assistant.retrieval import trends_for

        trends = trends_for(day, query=trend_query(product), k=TREND_K, settings=settings, dense=False)
    except HuatiError as exc:  # unreadable trend files must not block a plan
        log.info("trends unavailable: %s", exc)
        trends = []
    events = events_for(day, CALENDAR_HORIZON)
    recent: list[tuple[str, Date]] = []
    if store is not None and settings.history_days > 0:
        recent = store.recent_topics(
            audience.name if audience else None,
            since_date=day - timedelta(days=settings.history_days),
            before_date=day,
        )
    ctx = DayContext(product, audience, day, trends, events, recent=[t for t, _ in recent],
                     recent_dates=dict(recent))  # fmt: skip
    # Typed trends are untrusted: both engines get only those that fit the product; the plan says why not.
    from assistant.drafting.offline.hooks import screen_typed_trends

    ctx.user_trends, ctx.notes = screen_typed_trends(
        [t for t in request.trend if t.strip()], ctx, offline_library.library(settings)
    )
    return ctx


_TITLE_END = re.compile(r"[\s？?！!。～~#]+$")


def title_key(title: str) -> str:
    """A hook or trend title without trailing punctuation (the offline engine trims it)."""
    return _TITLE_END.sub("", title.strip())


def sources_for(
    topics: list[Topic], ctx: DayContext, cases: Sequence[dict[str, str]] = ()
) -> list[SourceRef]:
    """Exactly what the topics' hooks used (trend items, typed trends, calendar events, the season), plus the
    retrieved cases the model saw."""
    hooks = [t.hook for t in topics if t.hook]
    trends = {(title_key(h.title), h.source) for h in hooks if h.kind == "trend"}
    named = {h.title for h in hooks if h.kind == "calendar"}
    season = any(h.kind == "season" for h in hooks)
    out: list[SourceRef] = []
    for item in ctx.trends:
        where = item.url or f"{item.platform} {item.date.isoformat()}"
        if any((title_key(item.title), src) in trends for src in (where, "", "llm")):
            out.append(SourceRef(id=item.id, kind="trend", title=item.title, source=where))
    for title in dict.fromkeys(ctx.user_trends):
        if (title_key(title), "用户输入") in trends:
            out.append(SourceRef(id="trend-user", kind="trend", title=title, source="用户输入"))
    for e in ctx.events:
        if (e.name in named and e.kind != "season") or (season and e.kind == "season"):
            out.append(SourceRef(id=f"calendar-{e.date.isoformat()}-{e.name}", kind="calendar", title=e.name,
                                 source=f"calendar:{e.date.isoformat()}"))  # fmt: skip
    for c in cases:
        out.append(
            SourceRef(id=c.get("来源", ""), kind="case", title=c.get("标题", ""), source=c.get("来源", ""))
        )
    return out


def build_plan(ctx: DayContext, request: PlanRequest, topics: list[Topic], engine: Literal["offline", "llm"],
               model: str, settings: Settings) -> DailyPlan:  # fmt: skip
    from assistant.drafting.timeline import build_timeline

    lib = offline_library.library(settings)
    timeline = build_timeline(
        topics[0] if topics else None, ctx.audience, ctx.date, ctx.events, lib["timeline"]
    )
    return DailyPlan(
        date=ctx.date, product=ctx.product, audience=ctx.audience, topics=topics, timeline=timeline,
        engine=engine, model=model, calendar=ctx.events, trends=ctx.trends, created_at=datetime.now(UTC),
        request=request, notes=list(ctx.notes),
    )  # fmt: skip


def offline_plan(
    ctx: DayContext, request: PlanRequest, settings: Settings, reason: str | None = None
) -> DailyPlan:
    topics = offline_engine.draft_topics(ctx, request.n, settings)
    plan = build_plan(ctx, request, topics, "offline", OFFLINE_MODEL, settings)
    plan.prompt_versions = {"patterns": offline_library.version(settings)}
    plan.sources = sources_for(topics, ctx)
    plan.fallback_reason = reason
    return plan


def _engine(request: PlanRequest, settings: Settings, chat_model: Any) -> Literal["offline", "llm"]:
    if request.engine == "offline":
        return "offline"
    if chat_model is not None:
        return "llm"
    if request.engine == "llm" or settings.llm_configured:
        from assistant.llm import require_configured

        require_configured(settings)
        return "llm"
    return "offline"


def _store(settings: Settings, store: Any) -> Any:
    if store is not None:
        return store
    from assistant.storage import Store

    return Store(settings)


async def adraft_plan(
    request: PlanRequest,
    *,
    settings: Settings | None = None,
    chat_model: Any = None,
    save: bool = True,
    store: Any = None,
) -> DailyPlan:
    """Draft a daily plan. engine auto -> LLM if configured else offline; LLM failure -> offline fallback."""
    settings = settings or get_settings()
    engine = _engine(request, settings, chat_model)
    store = _store(settings, store)
    ctx = await asyncio.to_thread(gather_context, request, settings, store)
    if engine == "offline":
        plan = await asyncio.to_thread(offline_plan, ctx, request, settings)
    else:
        plan = await _llm_plan(ctx, request, settings, chat_model)
    if save:
        await asyncio.to_thread(store.save_plan, plan)
    return plan


async def _llm_plan(ctx: DayContext, request: PlanRequest, settings: Settings, chat_model: Any) -> DailyPlan:
    """The LCEL chain (`chains.build_draft_chain`); it falls back to the offline plan by itself."""
    from assistant.drafting.llm.chain import build_draft_chain, fallback_reason
    from assistant.llm import get_chat_model

    try:
        model = chat_model if chat_model is not None else get_chat_model(settings)
    except ConfigError:
        raise
    except Exception as exc:  # noqa: BLE001 - a client that cannot be built is a failed endpoint too
        log.info("LLM client failed, falling back to offline: %s", exc)
        return await asyncio.to_thread(offline_plan, ctx, request, settings, fallback_reason(exc))
    return await build_draft_chain(model, settings, request).ainvoke(ctx)


def draft_plan(
    request: PlanRequest,
    *,
    settings: Settings | None = None,
    chat_model: Any = None,
    save: bool = True,
    store: Any = None,
) -> DailyPlan:
    """Synchronous `adraft_plan` (runs its own event loop, or a worker thread inside a running loop)."""
    coro = adraft_plan(request, settings=settings, chat_model=chat_model, save=save, store=store)
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(coro)
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coro).result()


# --------------------------------------------------------------------------- revision
