"""The chat's search tool: named festivals and solar terms resolved to their next date, cases and trends
that really mention what was asked, and honest replies when nothing does."""

from __future__ import annotations

import re
from datetime import date as Date

from assistant.models import CalendarEvent, SearchHit, TrendItem
from assistant.settings import Settings

_WEEK = "一二三四五六日"
_NEAR_DAYS = 30
_YEAR_DAYS = 400


def next_event(name: str, day: Date) -> CalendarEvent | None:
    """The next occurrence of the named event on or after `day` (within about a year)."""
    from assistant.retrieval.calendar import events_for

    for horizon in (_NEAR_DAYS, _YEAR_DAYS):  # most questions are about the coming weeks: look there first
        events = [  # a holiday or 年货节 already under way counts (negative days_from)
            e
            for e in events_for(day, horizon)
            if e.kind != "season" and (e.days_from >= 0 or e.kind == "public_holiday" or e.name == "年货节")
        ]
        exact = [e for e in events if e.name == name]
        loose = [e for e in events if e.name.startswith(name) or name.startswith(e.name)]
        found = exact or loose
        if found:
            return min(found, key=lambda e: abs(e.days_from))
    return None


def _when(event: CalendarEvent) -> str:
    d = event.date
    if event.days_from < 0:
        days = f"{-event.days_from} 天前已经开始"
    else:
        days = "就是今天" if event.days_from == 0 else f"还有 {event.days_from} 天"
    return f"{d.isoformat()}（周{_WEEK[d.weekday()]}，{days}）"


def mentions(hit: SearchHit | TrendItem, words: list[str]) -> bool:
    hay = f"{hit.title} {getattr(hit, 'text', '')}"
    return any(w and w in hay for w in words)


def _snippet(hit: SearchHit, limit: int = 60) -> str:
    text = hit.text.replace("\n", " ")
    return text[:limit] + ("…" if len(text) > limit else "")


def event_reply(
    name: str, said: str, day: Date, settings: Settings, product: str | None = None
) -> tuple[str, dict]:
    """「冬至有什么可以聊的」: when it is, what else falls then, cases and trends that mention it."""
    from assistant.retrieval.calendar import events_for

    event = next_event(name, day)
    if event is None:
        return f"一年之内的日历里没有找到「{said}」。可以说具体日期，例如：12月22日有什么节日。", {}
    lines = [f"「{said}」是 {_when(event)}" + (f"：{event.description}" if event.description else "。")]
    same_day = [e.name for e in events_for(event.date, 0) if e.kind != "season" and e.name != event.name]
    if same_day:
        lines.append(f"同一天还有：{'、'.join(same_day)}")
    words = sorted({said, name, name.removesuffix("节")}, key=len, reverse=True)
    cases = [h for h in _cases(said, settings) if mentions(h, words)]
    if cases:
        lines.append(f"案例库里讲到「{said}」的 {len(cases)} 条：")
        lines += [f"{i}. {h.title}：{_snippet(h)}" for i, h in enumerate(cases, 1)]
    else:
        lines.append(f"案例库里没有直接讲「{said}」的案例。")
    when = f"{event.date.month}月{event.date.day}日"
    lines.append(
        f"想出那天的话题可以直接说：{when}卖{product}，给我三个话题。"
        if product
        else f"想出那天的话题可以直接说：{when}卖<商品>，<群>，给我三个话题。"
    )
    data = {"event": event.model_dump(mode="json"), "hits": [h.model_dump(mode="json") for h in cases]}
    return "\n".join(lines), data


def _cases(query: str, settings: Settings) -> list[SearchHit]:
    from assistant.errors import IndexError_
    from assistant.retrieval import search

    try:
        return search(query, kind="cases", k=5, settings=settings)
    except IndexError_:
        return []


def upcoming_reply(day: Date, days: int = 14) -> tuple[str, dict]:
    """「下周有什么节日」: the festivals, solar terms and holidays of the coming two weeks."""
    from assistant.retrieval.calendar import events_for

    events = [e for e in events_for(day, days) if e.kind != "season" and e.days_from >= 0]
    if not events:
        return f"接下来 {days} 天没有节日节气。", {"events": []}
    lines = [f"接下来 {days} 天的节日节气（从 {day.isoformat()} 起）："]
    for e in events:
        desc = f"：{e.description}" if e.description and e.description != "二十四节气" else ""
        kind = "节气" if e.kind == "solar_term" else ("假期" if e.kind == "public_holiday" else "节日")
        lines.append(
            f"· {e.date.month}月{e.date.day}日（周{_WEEK[e.date.weekday()]}）{e.name}［{kind}］{desc}"
        )
    return "\n".join(lines), {"events": [e.model_dump(mode="json") for e in events]}


def trends_reply(items: list[TrendItem], query: str | None, day: Date) -> str:
    if not items:
        about = f"和「{query}」有关的" if query else ""
        return (
            f"{day.isoformat()} 前几天没有{about}热搜数据。"
            "可以用 huati trends import 导入，或在 API 推送 POST /v1/trends。"
        )
    head = f"最近和「{query}」有关的热搜：" if query else "最近的热搜："
    lines = [head]
    for i, t in enumerate(items, 1):
        heat = f"，热度 {_heat(t.heat)}" if t.heat else ""
        lines.append(f"{i}. {t.title}（{t.platform}，{t.date.isoformat()}{heat}）")
    return "\n".join(lines)


def _heat(value: float) -> str:
    return f"{value / 10000:.0f} 万" if value >= 10000 else f"{value:.0f}"


_KIND = {"cases": "案例", "trends": "热搜", "calendar": "日历"}


def hits_reply(query: str, found: list[SearchHit]) -> str:
    """Hits that mention the query are introduced as related; the rest only as the closest found."""
    if not found:
        return f"没有找到和「{query}」相关的内容。换个说法试试，或者先运行 huati ingest 建立知识库索引。"
    words = [query, *[w for w in re.split(r"[\s,，、]+", query) if len(w) >= 2]]
    direct = [h for h in found if mentions(h, words)]
    rest = [h for h in found if h not in direct]
    lines = []
    if direct:
        lines.append(f"提到「{query}」的 {len(direct)} 条：")
        lines += [f"{i}. [{_KIND[h.kind]}] {h.title}：{_snippet(h)}" for i, h in enumerate(direct, 1)]
    if rest:
        lines.append(
            f"没有直接提到「{query}」、但内容相近的 {len(rest)} 条："
            if direct
            else f"没有找到直接提到「{query}」的内容，最接近的 {len(rest)} 条（仅供参考）："
        )
        lines += [f"{i}. [{_KIND[h.kind]}] {h.title}：{_snippet(h)}" for i, h in enumerate(rest, 1)]
    return "\n".join(lines)
