"""The day's hooks for the offline engine, from what fits the product (`assistant.products.fitting`): calendar
events within a week, named windows nobody puts in a calendar (梅雨季, 开学季, 年前大扫除 …), the product's own
season, typed and file trends (screened: untrusted text), and the felt season. A hook that does not fit is
dropped: a plain question beats a fake tie-in. Every hook says why it fits (`why`, shown with the topic).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date as Date
from typing import Any

from assistant.drafting.screening import TITLE_PUNCT, product_themes, screen_trend, screen_typed
from assistant.models import Audience, CalendarEvent, Hook, TrendItem

SHORT_TREND = 3  # a bare word (寒假) reads better as 说到寒假， than 刷到「寒假」，
EVENT_DAYS = 7  # calendar events this many days ahead can hook a topic
MAX_CALENDAR = 3


@dataclass(frozen=True)
class DayHook:
    kind: str  # trend | calendar | season | none
    title: str = ""
    source: str = ""
    keys: tuple[str, ...] = ()  # tie-in keys that fit the product, best first (event name, themes, direct)
    leads: tuple[str, ...] = ()  # openings that carry the hook
    weight: float = 0.0
    label: str = ""  # what links it to the product, for the operator (天冷保暖)
    why: str = ""  # why it fits, in a sentence (今天清明，雨水多的日子，雨靴正好派上用场)

    def as_hook(self) -> Hook | None:
        if self.kind == "none":
            return None
        return Hook(kind=self.kind, title=self.title, source=self.source, why=self.why)


NO_HOOK = DayHook("none")


@dataclass
class Screened:
    hooks: list[DayHook] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


# --------------------------------------------------------------------------- wording


def _label(keys: tuple[str, ...], lib: dict[str, Any], noun: str) -> str:
    from assistant.products import load_occasions

    themes, spec = lib.get("themes", {}), load_occasions().themes
    for key in keys:
        if key in themes:
            return str(themes[key].get("label", key))
        if key in spec:
            return spec[key].label
    return f"和{noun}直接相关" if "direct" in keys else ""


def _reason(keys: tuple[str, ...], ctx: Any) -> str:
    """The theme's own sentence (天一冷，雪地靴就用得上了), or for a trend naming the product, that."""
    from assistant.products import load_occasions

    noun = ctx.product.noun
    verb = ctx.profile.verb if ctx.profile is not None else ctx.product.verb or "用"
    if keys and keys[0] == "direct":
        return f"说的就是{noun}"
    spec = load_occasions().themes
    for key in keys:
        if key in spec:
            return spec[key].why.replace("{noun}", noun).replace("{verb}", verb)
    return ""


def _fmt(leads: tuple[str, ...] | list[str], title: str, days: int = 0) -> tuple[str, ...]:
    return tuple(lead.format(hook=title, days=days) for lead in leads)


# --------------------------------------------------------------------------- trends (untrusted text)


def _trend_hooks(ctx: Any, lib: dict[str, Any], out: Screened) -> None:
    table = lib.get("leads", {})
    long_leads = tuple(table.get("trend", ["最近「{hook}」很火，"]))
    short_leads = tuple(table.get("trend_short", long_leads))
    kept, out.notes = screen_typed(ctx.user_trends, ctx, lib)
    noun = ctx.product.noun
    for title, keys in kept:
        if not keys:  # a calendar event typed as a trend
            continue
        weight = 1.1 if keys[0] == "direct" else 0.9
        leads = short_leads if len(title) <= SHORT_TREND else long_leads
        why = f"你给的热点「{title}」：{_reason(keys, ctx)}"
        label = _label(keys, lib, noun)
        out.hooks.append(DayHook("trend", title, "用户输入", keys, _fmt(leads, title), weight, label, why))
    found: list[DayHook] = []
    for item in ctx.trends:
        title = TITLE_PUNCT.sub("", item.title).strip()
        keys, _why = screen_trend(title, ctx.product, ctx.audience, lib, ctx.profile)
        if not keys or _skip_category(item, ctx.audience):
            continue
        age = max(0, (ctx.date - item.date).days)
        weight = (0.85 if keys[0] == "direct" else 0.7) * (1 - age / 8)
        src = item.url or f"{item.platform} {item.date.isoformat()}"
        leads = short_leads if len(title) <= SHORT_TREND else long_leads
        why = f"大家都在聊「{title}」，{_reason(keys, ctx)}"
        found.append(
            DayHook(
                "trend", title, src, keys, _fmt(leads, title), round(weight, 3), _label(keys, lib, noun), why
            )
        )
    out.hooks += sorted(found, key=lambda h: -h.weight)[:3]


def _skip_category(item: TrendItem, audience: Audience | None) -> bool:
    return bool(audience and item.category and item.category in audience.trend_skip)


# --------------------------------------------------------------------------- calendar, windows and season


def event_themes(name: str, lib: dict[str, Any]) -> list[str]:
    return [t for t, spec in lib.get("themes", {}).items() if name in spec.get("events", [])]


def _when(days_from: int) -> str:
    if days_from < 0:
        return "ongoing"
    return ("today", "tomorrow")[days_from] if days_from < 2 else "soon"


def _off_season(ctx: Any) -> bool:
    """A seasonal product out of the season people feel (羽绒服 in June, 防晒霜 in December): no theme
    tie-ins from the calendar (its own lines for an event still count)."""
    from assistant.products.occasions import season_of

    if ctx.profile is not None:
        seasons = set(ctx.profile.seasons)
        return bool(seasons) and "all" not in seasons and season_of(ctx.date) not in seasons
    seasons = ctx.product.seasons
    now = next((e.name for e in ctx.events if e.kind == "season"), None)
    return bool(seasons and now and "全年" not in seasons and now not in seasons)


def _keys(
    name: str, themes: Sequence[str], fit_theme: str | None, ctx: Any, mine: set[str]
) -> tuple[str, ...]:
    """Tie-in keys of an occasion: the product's lines for the event itself, then the occasion's themes the
    product really has (its own or its catalogue tie-ins'); only when it has none, the ones its nature,
    users or season imply (清明 for rain boots is rain, not an outing)."""
    own_event = [name] if name in ctx.product.tie_ins else []
    ordered = [t for t in dict.fromkeys([fit_theme, *themes]) if t and t in mine]
    strong = set(ctx.product.tie_ins) | set(ctx.profile.themes if ctx.profile is not None else ())
    close = [t for t in ordered if t in strong]
    return tuple(dict.fromkeys(own_event + (close or ordered)))


def _event_leads(e: CalendarEvent, lib: dict[str, Any]) -> tuple[str, ...]:
    table = lib.get("leads", {})
    when = _when(e.days_from)
    special = table.get("special", {}).get(e.name, {}).get(when)
    leads = special or table.get(e.kind, table.get("festival", {})).get(when)
    return _fmt(leads or (), e.name, e.days_from)


def _calendar_hooks(ctx: Any, lib: dict[str, Any], out: Screened) -> set[str]:
    """Events within a week and named windows that fit, best first (an event the catalogue wrote lines for
    always fits); returns the themes they took, which the felt season then leaves alone."""
    if ctx.profile is None:
        return set()
    from assistant.products import fitting

    off = _off_season(ctx)
    mine = set() if off else product_themes(ctx.product, lib, ctx.profile)
    events = [e for e in ctx.events if e.kind != "season" and e.days_from <= EVENT_DAYS]
    fits = {(f.occasion.kind, f.occasion.name): f for f in fitting(ctx.profile, ctx.date, events=events)}
    windows = lib.get("window_leads", {})
    skip = [w for w in (ctx.audience.trend_skip if ctx.audience else []) if w]
    events = [e for e in events if not any(w in e.name for w in skip)]
    found: list[DayHook] = []
    for e in events:
        fit = fits.get(("event", e.name))
        themes = list(fit.occasion.themes) if fit else []
        keys = _keys(e.name, themes, fit.theme if fit and not off else None, ctx, mine)
        leads = _event_leads(e, lib)
        if not keys or not leads:
            continue
        strength = 1.25 if keys[0] == e.name else 1.0
        timing = 0.6 if e.days_from < 0 else 1 - e.days_from / 10
        score = fit.score if fit else 0.9
        why = fit.why if fit else f"{e.name}，正好聊聊{ctx.product.noun}"
        label = (fit.label if fit else "") or e.name
        source = f"calendar:{e.date.isoformat()}"
        found.append(
            DayHook("calendar", e.name, source, keys, leads, round(score * strength * timing, 3), label, why)
        )
    for (kind, name), fit in fits.items():
        if kind != "window" or off or any(w in name for w in skip):
            continue  # 考研冲刺 is not 银发群's life
        keys = _keys(name, list(fit.occasion.themes), fit.theme, ctx, mine)
        if not keys:
            continue
        lead = str(windows.get(name, windows.get("default", "{hook}这阵子，")))
        weight = round(fit.score * 0.9 * 0.8, 3)
        found.append(
            DayHook(
                "calendar",
                name,
                f"calendar:window:{name}",
                keys,
                _fmt([lead], name),
                weight,
                fit.label,
                fit.why,
            )
        )
    chosen = sorted(found, key=lambda h: -h.weight)[:MAX_CALENDAR]
    out.hooks += chosen
    return {k for h in chosen for k in h.keys}


def season_window(day: Date, lib: dict[str, Any]) -> dict[str, Any] | None:
    """The felt-season window (`season_windows`) that contains `day`."""
    key = day.strftime("%m-%d")
    for w in lib.get("season_windows", []):
        start, end = str(w["from"]), str(w["to"])
        if (start <= key <= end) if start <= end else (key >= start or key <= end):
            return w
    return None


def _season_hook(ctx: Any, lib: dict[str, Any], out: Screened, taken: set[str]) -> None:
    window = season_window(ctx.date, lib)
    if not window or _off_season(ctx):
        return
    mine = product_themes(ctx.product, lib, ctx.profile)
    keys = tuple(t for t in window.get("themes", []) if t in mine and t not in taken)
    if keys:
        label = _label(keys, lib, ctx.product.noun)
        why = _reason(keys, ctx)
        leads = tuple(window.get("leads", []))
        out.hooks.append(DayHook("season", label, "calendar:season", keys, leads, 0.35, label, why))


def day_hooks(ctx: Any, lib: dict[str, Any]) -> Screened:
    """The day's hooks that fit the product, best first, and notes on the typed trends that were skipped."""
    out = Screened()
    _trend_hooks(ctx, lib, out)
    taken = _calendar_hooks(ctx, lib, out)
    _season_hook(ctx, lib, out, taken)
    return out
