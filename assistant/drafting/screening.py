"""Screening of trend titles for both engines. A typed or scraped trend is untrusted data: anything that
reads like an instruction, carries contact details or spam, makes a claim, is bad news, or has nothing to do
with the product never reaches a topic or a prompt. A trend fits a product when it names the product or shares
a theme with it (the themes of its profile, `assistant.products.profile_themes`, and its catalogue `tie_ins`).
A title phrased as a question (冬至吃什么) is a hook like any other: the topic quotes it and asks its own
question."""

from __future__ import annotations

import re
from typing import Any

from assistant.models import Audience, Product
from assistant.products import ProductProfile, profile_themes, themes_of_text
from assistant.products.vocab import THEMES

TITLE_PUNCT = re.compile(r"[？?！!。～~#\s]+$")
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


def product_themes(product: Product, lib: dict[str, Any], profile: ProductProfile | None = None) -> set[str]:
    """Themes the product takes part in: its catalogue tie-ins', and its profile's (own and implied)."""
    themes = set(lib.get("themes", {})) | set(THEMES)
    own = {k for k in product.tie_ins if k in themes}
    if profile is not None:
        own |= set(profile_themes(profile))
    elif product.ad_hoc:
        own |= set(lib.get("ad_hoc", {}).get("themes", {}).get(product.category, []))
    return own


def _direct(text: str, product: Product) -> bool:
    """The title names the product itself (not just one of its keywords: 狗狗 alone is not 狗零食)."""
    words = [product.noun, product.name, *product.aliases]
    return any(w and len(w) >= 2 and w in text for w in words)


def _theme_hits(text: str, lib: dict[str, Any]) -> list[str]:
    """Themes whose words, or whose calendar events (a typed 冬至 on another day), the title contains."""
    hits = [
        name
        for name, spec in lib.get("themes", {}).items()
        if any(
            w in text for w in [*spec.get("words", []), *(e for e in spec.get("events", []) if len(e) >= 2)]
        )
    ]
    return list(dict.fromkeys([*hits, *themes_of_text(text)]))


def unsafe_trend(title: str, product: Product) -> str:
    """Why a trend title must never be posted (empty, an instruction, spam, a claim, bad news), else ""."""
    from assistant.checks import check_compliance

    text = TITLE_PUNCT.sub("", (title or "").strip())
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


def screen_trend(
    title: str,
    product: Product,
    audience: Audience | None,
    lib: dict[str, Any],
    profile: ProductProfile | None = None,
) -> tuple[tuple[str, ...], str]:
    """(tie-in keys, "") when the trend can hook a topic about `product`, else ((), the reason in Chinese).

    A typed or scraped trend is data: anything that reads like an instruction, carries contact details or
    spam, makes a claim, is bad news, or has nothing to do with the product never reaches the posted text."""
    text = TITLE_PUNCT.sub("", (title or "").strip())
    unsafe = unsafe_trend(text, product)
    if unsafe:
        return (), unsafe
    if len(text) > MAX_TREND_CHARS:
        return (), f"太长了（{len(text)} 个字），不像一条热点标题"
    if audience is not None:
        odd = next((w for w in audience.trend_skip if w and w in text), None)
        if odd:
            return (), f"说的是别的人群的日常（{odd}），和{audience.name}不太搭"
    mine = product_themes(product, lib, profile)
    hits = _theme_hits(text, lib)
    themes = lib.get("themes", {})
    other = next((t for t in hits if themes.get(t, {}).get("world") and t not in mine), None)
    if other and not _direct(text, product):
        return (), f"说的是{themes[other].get('label', other)}的事，和{product.noun}不沾边"
    keys = tuple(t for t in hits if t in mine)
    if _direct(text, product):
        keys = ("direct", *keys)
    if not keys:
        return (), f"和{product.noun}不沾边，硬凑反而别扭"
    return keys, ""


def screen_typed(
    titles: list[str], ctx: Any, lib: dict[str, Any]
) -> tuple[list[tuple[str, tuple]], list[str]]:
    """Typed trends that fit the product, with their theme keys (a calendar event's name passes with no
    keys: the calendar hooks judge it), and a note for each one skipped."""
    from assistant.products import windows_on

    event_names = {e.name for e in ctx.events} | {w.name for w in windows_on(ctx.date)}
    kept: list[tuple[str, tuple]] = []
    notes: list[str] = []
    for raw in titles:
        title = TITLE_PUNCT.sub("", raw.strip())
        if not title or title in (t for t, _ in kept):
            continue
        if title in event_names:
            kept.append((title, ()))
            continue
        keys, why = screen_trend(title, ctx.product, ctx.audience, lib, getattr(ctx, "profile", None))
        if keys:
            kept.append((title, keys))
        else:
            notes.append(f"没有用你给的热点「{show(title)}」：{why}。")
    return kept, notes


def screen_typed_trends(titles: list[str], ctx: Any, lib: dict[str, Any]) -> tuple[list[str], list[str]]:
    """(typed trends either engine may use, notes on the ones skipped): untrusted text such as spam,
    instructions, claims, bad news or an unrelated title never reaches a topic or a prompt."""
    kept, notes = screen_typed(titles, ctx, lib)
    return [title for title, _keys in kept], notes


def unused_trend_notes(typed: list[str], topics: list[Any], notes: list[str]) -> list[str]:
    """A note for each typed trend (that passed screening) no topic took as its hook or names, unless a note
    already speaks of it."""
    out = []
    for title in typed:
        used = any((t.hook and t.hook.title == title) or title in t.text for t in topics)
        if not used and not any(f"「{show(title)}」" in n for n in notes):
            out.append(
                f"没有用你给的热点「{show(title)}」：这次写出的话题都没有用上它，可以让大模型再写一次或改一条。"
            )
    return out


def show(title: str) -> str:
    return title if len(title) <= 24 else title[:23] + "…"
