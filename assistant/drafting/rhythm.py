"""A group's own clock: when it wakes up and when it talks most, from its imported hourly activity.

With at least `MIN_DAYS` days and `MIN_MESSAGES` messages in the weeks before the plan's date, the day's
timeline uses two windows instead of the audience's defaults: the first hour the group is awake on that
weekday (a fifth of its busiest hour) for the warm-up, and its busiest two hours for the topic. The
weekday's own curve counts half when it has two days or more, the whole week's the other half."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date as Date

from assistant.models import ActiveWindow

MIN_DAYS = 14
MIN_MESSAGES = 200
WAKE_SHARE = 0.2
MAIN_HOURS = 2
WEEKDAYS = "一二三四五六日"


@dataclass(frozen=True)
class Rhythm:
    windows: list[ActiveWindow] | None  # None: not enough data, the audience's hours stay
    note: str


def hourly_profile(hours: Sequence[tuple[Date, int, int, int]], weekday: int | None = None) -> list[float]:
    """Average messages per hour of a covered day (of one weekday, when given)."""
    days = {d for d, _h, _n, _s in hours if weekday is None or d.weekday() == weekday}
    sums = [0.0] * 24
    for d, h, n, _s in hours:
        if d in days:
            sums[h] += n
    return [s / len(days) if days else 0.0 for s in sums]


def _hhmm(hour: int) -> str:
    return "23:59" if hour >= 24 else f"{hour:02d}:00"


def group_rhythm(hours: Sequence[tuple[Date, int, int, int]], day: Date, audience_name: str | None) -> Rhythm:
    days = {d for d, *_ in hours}
    messages = sum(n for _d, _h, n, _s in hours)
    fallback = f"按{audience_name}的一般作息排" if audience_name else "按一般作息排"
    if len(days) < MIN_DAYS or messages < MIN_MESSAGES:
        return Rhythm(
            None,
            f"这个群导入的聊天记录还不够（{len(days)} 天、{messages} 条，至少要 {MIN_DAYS} 天、{MIN_MESSAGES} 条），"
            f"时间表先{fallback}。",
        )
    week = hourly_profile(hours)
    weekday = day.weekday()
    same_day = {d for d in days if d.weekday() == weekday}
    if len(same_day) >= 2:
        own = hourly_profile(hours, weekday)
        profile = [(a + b) / 2 for a, b in zip(own, week, strict=True)]
    else:
        profile = week
    peak = max(profile)
    start = max(range(6, 25 - MAIN_HOURS), key=lambda h: (sum(profile[h : h + MAIN_HOURS]), h))
    wake = next((h for h in range(5, 24) if profile[h] >= WAKE_SHARE * peak), start)
    main = ActiveWindow(start=_hhmm(start), end=_hhmm(start + MAIN_HOURS), label="这个群最热闹的时段")
    windows = [main]
    if wake < start:
        windows.insert(0, ActiveWindow(start=_hhmm(wake), end=_hhmm(wake + 1), label="群里开始有人说话"))
    note = (
        f"时间表按这个群自己的聊天记录排（最近 {len(days)} 天有记录、共 {messages} 条消息）："
        f"周{WEEKDAYS[weekday]}一般 {wake}点开始有人说话，{main.start}–{main.end} 最热闹。"
    )
    return Rhythm(windows, note)
