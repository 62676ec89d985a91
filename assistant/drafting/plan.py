"""Plan assembly shared by both engines: the timeline, the sources the topics used, and the offline plan
(also the LLM chain's fallback)."""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Literal

from assistant.drafting.context import DayContext
from assistant.drafting.offline import engine as offline_engine
from assistant.drafting.offline import library as offline_library
from assistant.models import DailyPlan, PlanRequest, SourceRef, Topic
from assistant.settings import OFFLINE_MODEL, Settings

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
            out.append(
                SourceRef(
                    id=f"calendar-{e.date.isoformat()}-{e.name}",
                    kind="calendar",
                    title=e.name,
                    source=f"calendar:{e.date.isoformat()}",
                )
            )
    for c in cases:
        out.append(
            SourceRef(id=c.get("来源", ""), kind="case", title=c.get("标题", ""), source=c.get("来源", ""))
        )
    return out


def build_plan(
    ctx: DayContext,
    request: PlanRequest,
    topics: list[Topic],
    engine: Literal["offline", "llm"],
    model: str,
    settings: Settings,
) -> DailyPlan:
    from assistant.drafting.timeline import build_timeline

    lib = offline_library.library(settings)
    timeline = build_timeline(
        topics[0] if topics else None,
        ctx.audience,
        ctx.date,
        ctx.events,
        lib["timeline"],
        windows=ctx.windows,
    )
    return DailyPlan(
        date=ctx.date,
        product=ctx.product,
        audience=ctx.audience,
        topics=topics,
        timeline=timeline,
        engine=engine,
        model=model,
        calendar=ctx.events,
        trends=ctx.trends,
        created_at=datetime.now(UTC),
        request=request,
        notes=list(ctx.notes),
        product_profile=ctx.profile.summary() if ctx.profile else None,
        group=request.group,
    )


def offline_plan(
    ctx: DayContext, request: PlanRequest, settings: Settings, reason: str | None = None
) -> DailyPlan:
    topics = offline_engine.draft_topics(ctx, request.n, settings)
    plan = build_plan(ctx, request, topics, "offline", OFFLINE_MODEL, settings)
    plan.prompt_versions = {"patterns": offline_library.version(settings)}
    plan.sources = sources_for(topics, ctx)
    plan.fallback_reason = reason
    return plan
