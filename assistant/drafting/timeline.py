"""The day's posting timeline, from the audience's active hours."""

from __future__ import annotations

from datetime import date as Date

from assistant.models import ActiveWindow, Audience, CalendarEvent, TimelineStep, Topic

DEFAULT_WINDOWS = [ActiveWindow(start="12:00", end="13:30"), ActiveWindow(start="20:00", end="22:00")]
LINK_AFTER = 35  # minutes after launch: replies usually peak 30-45 min in


def _minutes(hhmm: str) -> int:
    h, m = hhmm.split(":")
    return int(h) * 60 + int(m)


def _hhmm(minutes: int) -> str:
    minutes = max(0, min(minutes, 23 * 60 + 59))
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def main_window(windows: list[ActiveWindow]) -> ActiveWindow:
    """The longest window; a later one wins ties (groups chat most in the evening)."""
    return max(windows, key=lambda w: (_minutes(w.end) - _minutes(w.start), _minutes(w.start)))


def _greeting(minute: int, texts: dict) -> str:
    for limit, key in ((11 * 60, "morning"), (14 * 60, "noon"), (18 * 60, "afternoon")):
        if minute < limit:
            return texts["greetings"][key]
    return texts["greetings"]["evening"]


def _day_line(events: list[CalendarEvent], texts: dict, day: Date) -> str:
    special = texts.get("day_special", {})
    for e in events:
        if e.kind != "season" and e.days_from == 0:
            return special.get(e.name) or texts["day_today"].format(event=e.name)
    for e in events:
        if e.kind == "solar_term" and e.days_from == 1 and "term_tomorrow" in texts:
            return texts["term_tomorrow"].format(event=e.name)
        if e.kind not in ("season", "solar_term") and 0 < e.days_from <= 7:
            key = "day_tomorrow" if e.days_from == 1 and "day_tomorrow" in texts else "day_soon"
            return texts[key].format(event=e.name, days=e.days_from)
    window = _season_window(day, texts)
    if window:
        return str(window["greeting"])
    season = next((e for e in events if e.kind == "season"), None)
    return texts["season"].get(season.name, "") if season else ""


def _season_window(day: Date, texts: dict) -> dict | None:
    """The felt-season line for `day` (早晚还凉 in early spring, not 春天到了)."""
    key = day.strftime("%m-%d")
    for w in texts.get("season_windows", []):
        start, end = str(w["from"]), str(w["to"])
        if "greeting" in w and ((start <= key <= end) if start <= end else (key >= start or key <= end)):
            return w
    return None


def build_timeline(
    topic: Topic | None,
    audience: Audience | None,
    day: Date,
    events: list[CalendarEvent],
    texts: dict,
    windows: list[ActiveWindow] | None = None,
) -> list[TimelineStep]:
    """warm-up -> launch -> follow-ups -> product link at the reply peak -> wrap-up.

    The warm-up goes out when the first active window opens (never before the group is awake); when that
    window is also the main one, the launch follows `launch_gap` minutes later. `windows` (a group's own
    active hours, from its chat history) replace the audience's."""
    windows = sorted(
        windows or (audience.active_hours if audience and audience.active_hours else DEFAULT_WINDOWS),
        key=lambda w: _minutes(w.start),
    )
    main = main_window(windows)
    start, end = _minutes(main.start), _minutes(main.end)
    first = windows[0]
    warm = _minutes(first.start)
    if first is main:
        gap = int(texts.get("launch_gap", 20))
        start = min(start + gap, max(start, end - 40))
    address = audience.address if audience else "大家"
    greeting = _greeting(warm, texts).format(address=address)
    warm_text = greeting + _day_line(events, texts, day)
    steps = [
        TimelineStep(time=_hhmm(warm), stage="warm_up", action=texts["actions"]["warm_up"], text=warm_text)
    ]
    if topic is None:
        return steps
    steps.append(
        TimelineStep(time=_hhmm(start), stage="launch", action=texts["actions"]["launch"], text=topic.text)
    )
    span = max(end - start, 40)
    link = start + min(LINK_AFTER, max(20, span - 15))
    follow = topic.follow_ups[:3]
    for i, line in enumerate(follow):
        at = start + (link - start) * (i + 1) // (len(follow) + 1)
        steps.append(
            TimelineStep(time=_hhmm(at), stage="follow_up", action=texts["actions"]["follow_up"], text=line)
        )
    steps.append(
        TimelineStep(
            time=_hhmm(link), stage="product_link", action=texts["actions"]["product_link"], text=topic.bridge
        )
    )
    wrap = max(link + 15, start + span)  # the group's own clock, up to its last active minute
    late = wrap >= _minutes(str(texts.get("late_after", "22:30")))
    wrap_text = texts.get("wrap_up_late", texts["wrap_up"]) if late else texts["wrap_up"]
    steps.append(
        TimelineStep(
            time=_hhmm(wrap),
            stage="wrap_up",
            action=texts["actions"]["wrap_up"],
            text=wrap_text.format(address=address),
        )
    )
    return steps
