"""Memory for the offline engine: which library shapes a group already saw in the memory window, and when.

A recent text is matched back to the template that wrote it (any scene, hook or opening), so "说说你最想
马上刷牙的时刻，我先来：早上起床～" blocks the same question with another example answer. When the memory
leaves too few fresh topics, the engine brings back the least recently used ones with a note from here.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from datetime import date as Date
from typing import Any

from assistant.settings import Settings, get_settings

WILDCARD = ".{1,30}?"


def concept_regex(question: str, variable: Iterable[str]) -> re.Pattern[str]:
    """A pattern that finds `question` inside a posted text, whatever fills its variable parts."""
    text = question
    for part in sorted(set(variable) - {""}, key=len, reverse=True):
        text = text.replace(part, "\x00")
    body = re.escape(text).replace("\x00", WILDCARD)
    return re.compile(body + r"\W*$")


def used_concepts(recent: Sequence[str], drafts: Iterable[tuple[str, str, set[str]]]) -> dict[str, str]:
    """concept -> the most recent text that used it. `drafts`: (concept, question, variable parts)."""
    if not recent:
        return {}
    used: dict[str, str] = {}
    for concept, question, variable in drafts:
        if concept in used:
            continue
        rx = concept_regex(question, variable)
        hit = next((r for r in reversed(recent) if r and rx.search(r)), None)
        if hit:
            used[concept] = hit
    return used


def repeat_note(text: str, when: Date | None, settings: Settings | None) -> str:
    days = (settings or get_settings()).history_days
    said = f"{when.month}月{when.day}日" if when else "最近"
    short = text if len(text) <= 30 else text[:29] + "…"
    return (
        f"和{said}在本群发过的「{short}」重复：最近 {days} 天里能用的新话题不够了，"
        "这是最久没用的一条，可以改一改再发。"
    )


def last_used(ctx: Any, texts: list[str], settings: Settings | None) -> dict[str, Date]:
    """When each repeated text was last proposed to this group: from the context (`recent_dates`), else
    from the plan store."""
    if ctx is None:
        return {}
    known = {t: ctx.recent_dates[t] for t in texts if t in ctx.recent_dates}
    missing = sorted(set(texts) - set(known))
    if not missing:
        return known
    try:
        from sqlalchemy import func, select

        from assistant.db import get_engine
        from assistant.storage import plan_topics

        who = ctx.audience.name if ctx.audience else None
        query = select(plan_topics.c.text, func.max(plan_topics.c.date)).where(
            plan_topics.c.text.in_(missing), plan_topics.c.date < ctx.date,
            plan_topics.c.audience.is_(None) if who is None else plan_topics.c.audience == who,
        ).group_by(plan_topics.c.text)  # fmt: skip
        with get_engine(settings or get_settings()).connect() as conn:
            known.update({text: day for text, day in conn.execute(query).all() if day})
    except Exception:  # noqa: BLE001 - dates only make the note more precise
        pass
    return known
