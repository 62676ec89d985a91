"""Offline rewrites of one topic (part of the offline engine): shorter, more colloquial, more formal,
tied to a trend, or a different angle from the pattern library. Every result is checked again."""

from __future__ import annotations

import random
import re
from collections.abc import Sequence

from assistant.models import Hook, Topic
from assistant.offline_engine import DayContext, candidates, library, pick
from assistant.ranking import is_near_duplicate
from assistant.settings import Settings

_KINDS = [
    ("short", re.compile(r"短|精简|简洁|简短|少点字")),
    ("trend", re.compile(r"热点|热搜|热门|新闻|时事")),
    ("colloquial", re.compile(r"口语|随意|接地气|轻松|活泼|俏皮")),
    ("formal", re.compile(r"正式|书面|礼貌|稳重|客气")),
]


def instruction_kind(instruction: str) -> str:
    for kind, rx in _KINDS:
        if rx.search(instruction):
            return kind
    return "angle"


def _checked(topic: Topic, ctx: DayContext) -> Topic:
    from assistant.checks import run_checks

    trend = [topic.hook.title] if topic.hook and topic.hook.kind == "trend" else None
    report = run_checks(topic.text, ctx.product, audience=ctx.audience, date=ctx.date, trend=trend)
    topic.checks, topic.score = report.checks, report.score
    return topic


def _subs(text: str, words: dict[str, str]) -> str:
    for old, new in words.items():
        text = text.replace(old, new)
    return text


def _alternatives(ctx: DayContext, settings: Settings | None, avoid: Topic) -> list[Topic]:
    from assistant.calendar import events_for

    if not ctx.events:
        ctx.events = events_for(ctx.date, 7)
    found = [c for c in candidates(ctx, library(settings)) if c.passed]
    found = [
        c for c in found if c.pattern != avoid.pattern and not is_near_duplicate(c.topic.text, [avoid.text])
    ]
    return [c.topic for c in pick(found, 5)]


def revise_offline(
    topic: Topic,
    instruction: str,
    ctx: DayContext,
    settings: Settings | None = None,
    avoid: Sequence[str] = (),
) -> Topic:
    lib = library(settings)
    rules = lib.get("revise", {})
    kind = instruction_kind(instruction)
    address = ctx.audience.address if ctx.audience else "大家"
    rng = random.Random(topic.id + kind)
    new = topic.model_copy(deep=True)
    if kind == "short":
        new.opening = ""
        if len(new.question) > 24:
            shorter = [t for t in _alternatives(ctx, settings, topic) if len(t.question) < len(new.question)]
            same = [t for t in shorter if t.type == topic.type] or shorter
            if same:
                best = min(same, key=lambda t: len(t.question))
                new.question, new.type, new.pattern = best.question, best.type, best.pattern
    elif kind in ("colloquial", "formal"):
        style = rules.get(kind, {})
        opening = rng.choice(style.get("openings", [""])).format(addr=address)
        new.opening = opening
        new.question = _subs(new.question, style.get("words", {}))
        if kind == "formal":
            new.question = new.question.replace("～", "")
    elif kind == "trend" and ctx.user_trends:
        title = ctx.user_trends[0]
        new.opening = rules.get("trend_opening", "{hook}，").format(hook=title)
        new.hook = Hook(kind="trend", title=title, source="热搜")
    else:
        alternatives = [t for t in _alternatives(ctx, settings, topic) if t.type != topic.type]
        if alternatives:
            alt = alternatives[0]
            alt.bridge = alt.bridge or topic.bridge
            return _checked(alt, ctx)
    return _checked(new, ctx)
