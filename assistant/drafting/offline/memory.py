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


def last_used(ctx: Any, texts: list[str]) -> dict[str, Date]:
    """When each repeated text was last proposed to this group (`ctx.recent_dates`, filled by drafting from
    the plan store)."""
    if ctx is None:
        return {}
    return {t: ctx.recent_dates[t] for t in texts if t in ctx.recent_dates}
