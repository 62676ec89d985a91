"""The day's hooks for the offline engine: typed and file trends (screened: untrusted text), calendar events
and the felt season, each kept only when it shares a theme with the product (`knowledge_base/patterns`
`themes`, the product's `tie_ins`). A hook that does not fit is dropped: a plain question beats a fake tie-in.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date as Date
from typing import Any

from assistant.drafting.screening import (
    TITLE_PUNCT,
    product_themes,
    screen_trend,
    screen_typed,
)
from assistant.models import Audience, CalendarEvent, Hook, Product, TrendItem

SHORT_TREND = 3  # a bare word (寒假) reads better as 说到寒假， than 刷到「寒假」，


@dataclass(frozen=True)
class DayHook:
    kind: str  # trend | calendar | season | none
    title: str = ""
    source: str = ""
    keys: tuple[str, ...] = ()  # tie-in keys that fit the product, best first (event name, themes, direct)
    leads: tuple[str, ...] = ()  # openings that carry the hook
    weight: float = 0.0
    label: str = ""  # what links it to the product, for the operator (天冷保暖)

    def as_hook(self) -> Hook | None:
        if self.kind == "none":
            return None
        return Hook(kind=self.kind, title=self.title, source=self.source)


NO_HOOK = DayHook("none")


@dataclass
class Screened:
    hooks: list[DayHook] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


# --------------------------------------------------------------------------- product side


def _label(keys: tuple[str, ...], lib: dict[str, Any], product: Product) -> str:
    themes = lib.get("themes", {})
    for key in keys:
        if key in themes:
            return str(themes[key].get("label", key))
    return f"和{product.noun}直接相关" if "direct" in keys else ""


# --------------------------------------------------------------------------- trends (untrusted text)


def _trend_hooks(ctx: Any, lib: dict[str, Any], out: Screened) -> None:
    table = lib.get("leads", {})
    long_leads = tuple(table.get("trend", ["最近「{hook}」很火，"]))
    short_leads = tuple(table.get("trend_short", long_leads))
    kept, out.notes = screen_typed(ctx.user_trends, ctx, lib)
    for title, keys in kept:
        if not keys:  # a calendar event typed as a trend
            continue
        weight = 1.1 if keys[0] == "direct" else 0.9
        label = _label(keys, lib, ctx.product)
        leads = short_leads if len(title) <= SHORT_TREND else long_leads
        out.hooks.append(DayHook("trend", title, "用户输入", keys, _fmt(leads, title), weight, label))
    found: list[DayHook] = []
    for item in ctx.trends:
        title = TITLE_PUNCT.sub("", item.title).strip()
        keys, _why = screen_trend(title, ctx.product, ctx.audience, lib)
        if not keys or _skip_category(item, ctx.audience):
            continue
        age = max(0, (ctx.date - item.date).days)
        weight = (0.8 if keys[0] == "direct" else 0.6) * (1 - age / 8)
        src = item.url or f"{item.platform} {item.date.isoformat()}"
        leads = short_leads if len(title) <= SHORT_TREND else long_leads
        found.append(
            DayHook(
                "trend",
                title,
                src,
                keys,
                _fmt(leads, title),
                round(weight, 3),
                _label(keys, lib, ctx.product),
            )
        )
    out.hooks += sorted(found, key=lambda h: -h.weight)[:3]


def _skip_category(item: TrendItem, audience: Audience | None) -> bool:
    return bool(audience and item.category and item.category in audience.trend_skip)


def _fmt(leads: tuple[str, ...] | list[str], title: str, days: int = 0) -> tuple[str, ...]:
    return tuple(lead.format(hook=title, days=days) for lead in leads)


# --------------------------------------------------------------------------- calendar and season


def event_themes(name: str, lib: dict[str, Any]) -> list[str]:
    return [t for t, spec in lib.get("themes", {}).items() if name in spec.get("events", [])]


def _when(e: CalendarEvent) -> str:
    if e.days_from < 0:
        return "ongoing"
    return ("today", "tomorrow")[e.days_from] if e.days_from < 2 else "soon"


def _off_season(ctx: Any) -> bool:
    """A seasonal product out of its season (羽绒服 in June): no theme tie-ins from the calendar."""
    seasons = ctx.product.seasons
    now = next((e.name for e in ctx.events if e.kind == "season"), None)
    return bool(seasons and now and "全年" not in seasons and now not in seasons)


def _calendar_hooks(ctx: Any, lib: dict[str, Any], out: Screened) -> None:
    mine = set() if _off_season(ctx) else product_themes(ctx.product, lib)
    table = lib.get("leads", {})
    found = []
    for e in ctx.events:
        if e.kind == "season" or e.days_from > 7:
            continue
        when = _when(e)
        keys = tuple(
            ([e.name] if e.name in ctx.product.tie_ins else [])
            + [t for t in event_themes(e.name, lib) if t in mine]
        )
        special = table.get("special", {}).get(e.name, {}).get(when)
        leads = special or table.get(e.kind, table.get("festival", {})).get(when)
        if not keys or not leads:
            continue
        strength = 1.25 if keys[0] == e.name else 0.8
        weight = strength * (0.6 if when == "ongoing" else 1 - e.days_from / 10)
        found.append(
            DayHook(
                "calendar",
                e.name,
                f"calendar:{e.date.isoformat()}",
                keys,
                _fmt(leads, e.name, e.days_from),
                round(weight, 3),
                _label(keys, lib, ctx.product) or e.name,
            )
        )
    out.hooks += sorted(found, key=lambda h: -h.weight)[:3]


def season_window(day: Date, lib: dict[str, Any]) -> dict[str, Any] | None:
    """The felt-season window (`season_windows`) that contains `day`."""
    key = day.strftime("%m-%d")
    for w in lib.get("season_windows", []):
        start, end = str(w["from"]), str(w["to"])
        if (start <= key <= end) if start <= end else (key >= start or key <= end):
            return w
    return None


def _season_hook(ctx: Any, lib: dict[str, Any], out: Screened) -> None:
    window = season_window(ctx.date, lib)
    if not window:
        return
    mine = product_themes(ctx.product, lib)
    keys = tuple(t for t in window.get("themes", []) if t in mine)
    if keys:
        label = _label(keys, lib, ctx.product)
        out.hooks.append(
            DayHook("season", label, "calendar:season", keys, tuple(window.get("leads", [])), 0.35, label)
        )


def day_hooks(ctx: Any, lib: dict[str, Any]) -> Screened:
    """The day's hooks that fit the product, best first, and notes on the typed trends that were skipped."""
    out = Screened()
    _trend_hooks(ctx, lib, out)
    _calendar_hooks(ctx, lib, out)
    _season_hook(ctx, lib, out)
    return out
