"""The day's context both engines draft from: product, group, date, trends, calendar events, what the
group saw recently, and the typed trends that passed screening."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import date as Date
from datetime import datetime, timedelta
from typing import Any

from assistant.drafting.product_view import filled
from assistant.errors import HuatiError
from assistant.knowledge.catalogue import ADHOC_CATEGORY
from assistant.models import ActiveWindow, Audience, CalendarEvent, PlanRequest, Product, TrendItem, stable_id
from assistant.products import ProductProfile, profile_for
from assistant.settings import Settings

log = logging.getLogger("huati.drafting")
CALENDAR_HORIZON = 7
TREND_K = 8


@dataclass
class DayContext:
    product: Product
    audience: Audience | None
    date: Date
    trends: list[TrendItem] = field(default_factory=list)
    events: list[CalendarEvent] = field(default_factory=list)
    user_trends: list[str] = field(default_factory=list)
    recent: list[str] = field(default_factory=list)  # texts this group saw in the memory window
    recent_dates: dict[str, Date] = field(default_factory=dict)  # text -> last day it was proposed
    notes: list[str] = field(default_factory=list)  # plan-level notes (skipped trends ...), filled here
    avoid: list[str] = field(default_factory=list)  # texts never to repeat, not even when relaxing
    profile: ProductProfile | None = None  # what the product is (any product: assistant.products)
    # A chat group's history (plain data; empty for a plan without a group or for a group with no history):
    group: str | None = None
    rejected: list[str] = field(
        default_factory=list
    )  # topics the group's operator rejected (also in `avoid`)
    learned: Any = None  # drafting.learning.Learned: what drew replies in this group
    windows: list[ActiveWindow] | None = None  # the group's own active hours for the timeline

    def seed(self) -> str:
        parts = [
            self.product.id,
            self.product.name,
            self.audience.id if self.audience else "-",
            self.date.isoformat(),
        ]
        return stable_id(*parts, *self.user_trends, *(t.title for t in self.trends))


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
    profile = profile_for(
        request.product,
        request.category,
        request.points,
        product=None if product.ad_hoc else product,
        settings=settings,
    )
    product = filled(product, profile)  # an ad hoc product says what its profile knows
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
    ctx = DayContext(
        product, audience, day, trends, events, recent=[t for t, _ in recent], recent_dates=dict(recent)
    )
    ctx.profile = profile
    # Typed trends are untrusted: both engines get only those that fit the product; the plan says why not.
    from assistant.drafting.offline.library import library
    from assistant.drafting.screening import screen_typed_trends

    ctx.user_trends, ctx.notes = screen_typed_trends(
        [t for t in request.trend if t.strip()], ctx, library(settings)
    )
    ctx.notes = [*profile_notes(ctx.profile), *ctx.notes]
    if request.group and store is not None and hasattr(store, "group_records"):
        apply_group_history(ctx, store.group_records(request.group, day))
    return ctx


def profile_of(product: Product, settings: Settings | None = None) -> ProductProfile:
    """The profile of a product already resolved (a plan's, a revision's): a catalogue entry over its type,
    an ad hoc one from its name, category and points."""
    if product.ad_hoc:
        category = product.category if product.category != ADHOC_CATEGORY else None
        return profile_for(product.name, category, product.selling_points, settings=settings)
    return profile_for(product.name, product=product, settings=settings)


def profile_notes(profile: ProductProfile) -> list[str]:
    """What the operator should know about how the product was understood: a category that was not
    recognised, and, when the understanding is weak, what would help."""
    if not profile.low_confidence:
        return [h for h in profile.hints if "品类" in h]  # an unknown category is always worth saying
    return [
        f"对「{profile.name}」认得不太准（把握 {profile.confidence:.0%}），话题会比较泛。",
        *profile.hints,
    ]


def apply_group_history(ctx: DayContext, records: Any) -> None:
    """A group's records (`storage.groups.GroupRecords`, read through the store) as plain data on the context:
    its rejected topics never come back, its estimates shape the offline ranking, its clock the timeline. A
    group with no history leaves the context exactly as it was."""
    from assistant.drafting.learning import learn
    from assistant.drafting.rhythm import group_rhythm

    ctx.group = records.group
    if records.empty:
        return
    ctx.rejected = list(records.rejected)
    ctx.avoid = list(dict.fromkeys([*ctx.avoid, *records.rejected]))
    ctx.learned = learn(records.outcomes, records.group)
    if records.hours:
        rhythm = group_rhythm(records.hours, ctx.date, ctx.audience.name if ctx.audience else None)
        ctx.windows = rhythm.windows
        ctx.notes.append(rhythm.note)
