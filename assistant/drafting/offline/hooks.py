"""The day's hooks for the offline engine: typed and file trends (screened: untrusted text), calendar events
and the felt season, each kept only when it shares a theme with the product (`knowledge_base/patterns`
`themes`, the product's `tie_ins`). A hook that does not fit is dropped: a plain question beats a fake tie-in.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date as Date
from typing import Any

from assistant.models import Audience, CalendarEvent, Hook, Product, TrendItem

_TITLE_PUNCT = re.compile(r"[？?！!。～~#\s]+$")
_ASKS = re.compile(  # the title asks something itself
    r"[？?]|[吗呢么嘛啥谁几]\s*$|还是|为什么|为啥|什么\s*$|哪(个|种|里|儿|边)?\s*$|多少\s*$"
    r"|[你您].{0,12}(什么|怎么|哪|谁|几|多少|吗|啥|呢)"
)
_INSTRUCTION = re.compile(
    r"忽略|无视|忘掉|忘记|之前的|以上|上面的|指令|提示词|prompt|system|扮演|你现在是|你是一个|请(你|输出|回复|生成|写)"
    r"|不要管|照我说|按我说",
    re.I,
)
_SPAM = re.compile(
    r"微信|v信|vx|wx|加v|加我|qq|电话|手机号|\d{5,}|https?:|www\.|\.com|\.cn|红包|返现|私聊|私信|扫码|二维码|链接"
    r"|公众号|进群|拉群|兼职|日结|代购|优惠券|领券|下单",
    re.I,
)
_SENSITIVE = re.compile(
    r"塌房|出轨|去世|身亡|死亡|遇难|事故|爆炸|坠楼|坠毁|地震|火灾|被查|维权|曝光|丑闻|诈骗|离婚|分手|猝死|跳楼|自杀"
    r"|吸毒|违法|犯罪|偷拍|家暴|确诊|病毒|爆雷|跑路|裁员|罢工|战争|冲突"
)
MAX_TREND_CHARS = 20
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
        return Hook(kind=self.kind, title=self.title, source=self.source)  # type: ignore[arg-type]


NO_HOOK = DayHook("none")


@dataclass
class Screened:
    hooks: list[DayHook] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


# --------------------------------------------------------------------------- product side


def product_themes(product: Product, lib: dict[str, Any]) -> set[str]:
    themes = set(lib.get("themes", {}))
    own = {k for k in product.tie_ins if k in themes}
    if product.ad_hoc:
        own |= set(lib.get("ad_hoc", {}).get("themes", {}).get(product.category, []))
    return own


def _direct(text: str, product: Product) -> bool:
    """The title names the product itself (not just one of its keywords: 狗狗 alone is not 狗零食)."""
    words = [product.noun, product.name, *product.aliases]
    return any(w and len(w) >= 2 and w in text for w in words)


def _theme_hits(text: str, lib: dict[str, Any]) -> list[str]:
    """Themes whose words, or whose calendar events (a typed 冬至 on another day), the title contains."""
    return [
        name
        for name, spec in lib.get("themes", {}).items()
        if any(
            w in text for w in [*spec.get("words", []), *(e for e in spec.get("events", []) if len(e) >= 2)]
        )
    ]


def _label(keys: tuple[str, ...], lib: dict[str, Any], product: Product) -> str:
    themes = lib.get("themes", {})
    for key in keys:
        if key in themes:
            return str(themes[key].get("label", key))
    return f"和{product.noun}直接相关" if "direct" in keys else ""


# --------------------------------------------------------------------------- trends (untrusted text)


def unsafe_trend(title: str, product: Product) -> str:
    """Why a trend title must never be posted (empty, an instruction, spam, a claim, bad news), else ""."""
    from assistant.checks import check_compliance

    text = _TITLE_PUNCT.sub("", (title or "").strip())
    if not text:
        return "是空的"
    if _INSTRUCTION.search(text):
        return "像是给机器的指令，不是热点"
    spam = _SPAM.search(text)
    if spam:
        return f"带联系方式或引流内容（{spam.group(0)}），不能发到群里"
    if any(c and c in text for c in product.forbidden_claims) or not check_compliance(text, product).passed:
        return "含有不能说的功效或绝对化说法，放进话题会违规"
    bad = _SENSITIVE.search(text)
    return f"是负面或敏感新闻（{bad.group(0)}），不适合当群话题的由头" if bad else ""


def screen_trend(title: str, product: Product, audience: Audience | None, lib: dict[str, Any]) -> tuple[
    tuple[str, ...], str]:  # fmt: skip
    """(tie-in keys, "") when the trend can hook a topic about `product`, else ((), the reason in Chinese).

    A typed or scraped trend is data: anything that reads like an instruction, carries contact details or
    spam, makes a claim, is bad news, or has nothing to do with the product never reaches the posted text."""
    text = _TITLE_PUNCT.sub("", (title or "").strip())
    unsafe = unsafe_trend(text, product)
    if unsafe:
        return (), unsafe
    if len(text) > MAX_TREND_CHARS:
        return (), f"太长了（{len(text)} 个字），不像一条热点标题"
    if _ASKS.search(text) or _ASKS.search((title or "").strip()):
        return (), "本身是个问句，放进话题会变成一次问两件事"
    if audience is not None:
        odd = next((w for w in audience.trend_skip if w and w in text), None)
        if odd:
            return (), f"说的是别的人群的日常（{odd}），和{audience.name}不太搭"
    mine = product_themes(product, lib)
    hits = _theme_hits(text, lib)
    themes = lib.get("themes", {})
    other = next((t for t in hits if themes[t].get("world") and t not in mine), None)
    if other and not _direct(text, product):
        return (), f"说的是{themes[other].get('label', other)}的事，和{product.noun}不沾边"
    keys = tuple(t for t in hits if t in mine)
    if _direct(text, product):
        keys = ("direct", *keys)
    if not keys:
        return (), f"和{product.noun}不沾边，硬凑反而别扭"
    return keys, ""


def _screen_typed(
    titles: list[str], ctx: Any, lib: dict[str, Any]
) -> tuple[list[tuple[str, tuple]], list[str]]:
    """Typed trends that fit the product, with their theme keys (a calendar event's name passes with no
    keys: the calendar hooks judge it), and a note for each one skipped."""
    event_names = {e.name for e in ctx.events}
    kept: list[tuple[str, tuple]] = []
    notes: list[str] = []
    for raw in titles:
        title = _TITLE_PUNCT.sub("", raw.strip())
        if not title or title in (t for t, _ in kept):
            continue
        if title in event_names:
            kept.append((title, ()))
            continue
        keys, why = screen_trend(title, ctx.product, ctx.audience, lib)
        if keys:
            kept.append((title, keys))
        else:
            notes.append(f"没有用你给的热点「{_show(title)}」：{why}。")
    return kept, notes


def screen_typed_trends(titles: list[str], ctx: Any, lib: dict[str, Any]) -> tuple[list[str], list[str]]:
    """(typed trends either engine may use, notes on the ones skipped): untrusted text such as spam,
    instructions, claims, bad news or an unrelated title never reaches a topic or a prompt."""
    kept, notes = _screen_typed(titles, ctx, lib)
    return [title for title, _keys in kept], notes


def _trend_hooks(ctx: Any, lib: dict[str, Any], out: Screened) -> None:
    table = lib.get("leads", {})
    long_leads = tuple(table.get("trend", ["最近「{hook}」很火，"]))
    short_leads = tuple(table.get("trend_short", long_leads))
    kept, out.notes = _screen_typed(ctx.user_trends, ctx, lib)
    for title, keys in kept:
        if not keys:  # a calendar event typed as a trend
            continue
        weight = 1.1 if keys[0] == "direct" else 0.9
        label = _label(keys, lib, ctx.product)
        leads = short_leads if len(title) <= SHORT_TREND else long_leads
        out.hooks.append(DayHook("trend", title, "用户输入", keys, _fmt(leads, title), weight, label))
    found: list[DayHook] = []
    for item in ctx.trends:
        title = _TITLE_PUNCT.sub("", item.title).strip()
        keys, _why = screen_trend(title, ctx.product, ctx.audience, lib)
        if not keys or _skip_category(item, ctx.audience):
            continue
        age = max(0, (ctx.date - item.date).days)
        weight = (0.8 if keys[0] == "direct" else 0.6) * (1 - age / 8)
        src = item.url or f"{item.platform} {item.date.isoformat()}"
        leads = short_leads if len(title) <= SHORT_TREND else long_leads
        found.append(DayHook("trend", title, src, keys, _fmt(leads, title), round(weight, 3),
                             _label(keys, lib, ctx.product)))  # fmt: skip
    out.hooks += sorted(found, key=lambda h: -h.weight)[:3]


def _skip_category(item: TrendItem, audience: Audience | None) -> bool:
    return bool(audience and item.category and item.category in audience.trend_skip)


def _show(title: str) -> str:
    return title if len(title) <= 24 else title[:23] + "…"


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
        keys = tuple(([e.name] if e.name in ctx.product.tie_ins else [])
                     + [t for t in event_themes(e.name, lib) if t in mine])  # fmt: skip
        special = table.get("special", {}).get(e.name, {}).get(when)
        leads = special or table.get(e.kind, table.get("festival", {})).get(when)
        if not keys or not leads:
            continue
        strength = 1.25 if keys[0] == e.name else 0.8
        weight = strength * (0.6 if when == "ongoing" else 1 - e.days_from / 10)
        found.append(DayHook("calendar", e.name, f"calendar:{e.date.isoformat()}", keys,
                             _fmt(leads, e.name, e.days_from), round(weight, 3),
                             _label(keys, lib, ctx.product) or e.name))  # fmt: skip
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
        out.hooks.append(DayHook("season", label, "calendar:season", keys, tuple(window.get("leads", [])), 0.35,
                                 label))  # fmt: skip


def day_hooks(ctx: Any, lib: dict[str, Any]) -> Screened:
    """The day's hooks that fit the product, best first, and notes on the typed trends that were skipped."""
    out = Screened()
    _trend_hooks(ctx, lib, out)
    _calendar_hooks(ctx, lib, out)
    _season_hook(ctx, lib, out)
    return out
