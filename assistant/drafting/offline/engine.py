"""The offline engine: fills the pattern library (`knowledge_base/patterns/patterns.yaml`) and the product's
own questions and tie-ins from the product, the group and the day's hooks (`offline_hooks`), scores every
candidate with the same checks as the eval harness, drops failures and repeats of what the group saw in the
memory window, and picks diverse winners with MMR. When the memory leaves too few fresh topics, the least
recently used ones come back, each with a note saying so. Deterministic for the same inputs.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass
from datetime import date as Date
from typing import Any

from assistant.drafting.context import DayContext
from assistant.drafting.offline import learned
from assistant.drafting.offline.bridges import bridge, points_for
from assistant.drafting.offline.fill import Draft, fill_for, own_drafts, pattern_drafts
from assistant.drafting.offline.hooks import NO_HOOK, DayHook, day_hooks
from assistant.drafting.offline.library import library
from assistant.drafting.offline.memory import last_used, repeat_note, used_concepts
from assistant.drafting.ranking import jaccard, mmr, near_duplicate_of, question_core
from assistant.drafting.screening import show
from assistant.models import Product, Topic
from assistant.settings import Settings

MAX_CHARS = 60
HOOK_BONUS = 0.2
JITTER = 0.06  # per concept, seeded: different days and groups see different shapes
LENGTH_FREE = 28  # characters; longer topics lose a little rank per character
_END_PUNCT = re.compile(r"[。！!，,；;～~\s]+$")
_LEAD_TAKEN = re.compile(r"：|^(说说|晒|投个票|吐槽|坦白|说实话)")


@dataclass
class Candidate:
    topic: Topic
    pattern: str
    concept: str
    hook: DayHook
    passed: bool
    compliant: bool
    rank: float
    repeats: str | None = None  # the recent text this one repeats
    learned: float = 0.0  # what the group's history added to the rank


# --------------------------------------------------------------------------- candidates


def _opening(
    d: Draft, rng: random.Random, lib: dict[str, Any], s: dict[str, str], ctx: DayContext
) -> str | None:
    """The first line: the hook's lead (None when every lead clashes with the question), else a plain one."""
    if d.hook.kind != "none":
        if d.hook.title in d.question:
            return ""
        leads = [lead for lead in d.hook.leads if d.question[:2] not in lead]
        if not leads and d.hook.kind == "calendar":
            return ""  # the line already says it (大扫除的时候，… under 年前大扫除): no second lead
        return rng.choice(leads) if leads else None
    options = [o for o in lib.get("openings", [""]) if ctx.audience or "{addr}" not in o]
    if _LEAD_TAKEN.search(d.question):
        options = [o for o in options if not o or "{addr}" in o]
    return rng.choice(options or [""]).format(addr=s["addr"])


def candidates(ctx: DayContext, lib: dict[str, Any], hooks: list[DayHook] | None = None) -> list[Candidate]:
    """Every pattern, catalogue question and tie-in, checked; repeats of the memory window marked."""
    from assistant.checks import run_checks

    if hooks is None:
        screened = day_hooks(ctx, lib)
        hooks = screened.hooks
        ctx.notes[:] = list(dict.fromkeys([*ctx.notes, *screened.notes]))
    rng = random.Random(ctx.seed())
    fill = fill_for(ctx, lib, rng)
    s = fill.slots
    drafts = own_drafts(ctx, lib, fill, hooks) + pattern_drafts(ctx, lib, fill)
    shapes = [(d.concept, d.question, {d.scene, d.hook.title}) for d in drafts]
    used = used_concepts(ctx.recent, shapes)
    rejected = set(used_concepts(ctx.rejected, shapes)) if ctx.rejected else set()  # the shape, any scene
    type_follow = lib.get("type_follow_ups", {})
    bias = {k: float(v) for k, v in (lib.get("type_bias") or {}).items()}
    jitter: dict[str, float] = {}
    seen: set[str] = set()
    out: list[Candidate] = []
    for d in drafts:
        opening = _opening(d, rng, lib, s, ctx)
        hook = d.hook if opening is not None else NO_HOOK
        text = (opening or "") + d.question
        if text in seen or len(text) > MAX_CHARS or text.count("？") + text.count("?") > 1:
            continue
        seen.add(text)
        if d.concept in rejected or (ctx.avoid and near_duplicate_of(text, ctx.avoid)):
            continue
        repeats = used.get(d.concept) or near_duplicate_of(text, ctx.recent)
        trend = [hook.title] if hook.kind == "trend" else None
        report = run_checks(text, ctx.product, audience=ctx.audience, date=ctx.date, trend=trend)
        follow = d.follow_ups or [f.format(**s) for f in type_follow.get(d.type.value, [])]
        topic = Topic(
            type=d.type,
            opening=opening or "",
            question=d.question,
            hook=hook.as_hook(),
            follow_ups=_safe_lines(follow, ctx.product),
            checks=report.checks,
            pattern=d.pattern,
        )
        if d.concept not in jitter:
            jitter[d.concept] = rng.uniform(-JITTER, JITTER)
        rank = (
            report.score + HOOK_BONUS * hook.weight + jitter[d.concept] + bias.get(d.type.value, 0.0) + d.bias
        )
        rank -= 0.004 * max(0, len(text) - LENGTH_FREE)
        out.append(
            Candidate(
                topic,
                d.pattern,
                d.concept,
                hook,
                report.passed,
                report.checks["compliance"].passed,
                round(rank, 4),
                repeats,
            )
        )
    return out


def _safe_lines(lines: list[str], product: Product) -> list[str]:
    from assistant.checks import check_compliance

    return [line for line in lines if check_compliance(line, product).passed][:3]


# --------------------------------------------------------------------------- picking


def _same_hook(a: DayHook, b: DayHook) -> float:
    """1 for the same hook, 0.7 when one hook's title contains the other's (冬至 / 冬至吃饺子)."""
    if a.kind == "none" or b.kind == "none":
        return 0.0
    if a.title == b.title:
        return 1.0 if a.kind == b.kind else 0.7
    short, long = sorted((a.title, b.title), key=len)
    if len(short) >= 2 and (short in long or short[:2] == long[:2]):
        return 0.7  # 冬至 / 冬至吃什么, 清明小长假 / 清明节假期: one occasion
    return 0.5 if set(a.keys) & set(b.keys) - {"direct"} else 0.0


def family(pattern: str) -> str:
    """A library pattern's family (debate-plain, debate-camp → debate); tie-ins and theme lines by their key."""
    if ":" in pattern:
        return pattern
    return pattern.split("-", 1)[0]


def similarity(a: Candidate, b: Candidate) -> float:
    same_hook = _same_hook(a.hook, b.hook)
    same_opening = bool(a.topic.opening) and a.topic.opening == b.topic.opening
    return (
        0.45 * jaccard(question_core(a.topic.text), question_core(b.topic.text))
        + 0.25 * (a.topic.type == b.topic.type)
        + 0.5 * same_hook
        + 0.15 * (a.pattern == b.pattern)
        + 0.2 * same_opening
    )


def _allowed(c: Candidate, picked: list[Candidate]) -> bool:
    if any(c.concept == p.concept for p in picked):
        return False
    if c.pattern != "own" and any(family(c.pattern) == family(p.pattern) for p in picked):
        return False  # one topic per shape: two fills of one pattern (or family) read as the same question
    if c.hook.kind != "none" and any(_same_hook(c.hook, p.hook) >= 0.7 for p in picked):
        return False  # one topic per hook (冬至 and 冬至吃什么, 七夕 and 七夕节 are one), one on the season
    if c.hook.kind == "season" and any(p.hook.kind == "season" for p in picked):
        return False
    return near_duplicate_of(c.topic.text, [p.topic.text for p in picked]) is None


def _mmr(cands: list[Candidate], n: int, picked: list[Candidate]) -> list[Candidate]:
    ranked = sorted(cands, key=lambda c: -c.rank)
    fresh = mmr(ranked, [c.rank for c in ranked], similarity, n, allowed=lambda c, p: _allowed(c, picked + p))
    return fresh


def pick(
    cands: list[Candidate], n: int, ctx: DayContext | None = None, settings: Settings | None = None
) -> list[Candidate]:
    """Fresh passing candidates by MMR; when the memory blocks too many, the least recently used repeats
    (noted on the topic); then compliant ones that fail a softer check. Never a non-compliant one."""
    fresh = [c for c in cands if c.passed and not c.repeats]
    asked = set(ctx.user_trends) if ctx is not None else set()
    typed = max(
        (
            c
            for c in fresh
            if c.hook.source == "用户输入" or (c.hook.kind != "none" and c.hook.title in asked)
        ),
        key=lambda c: c.rank,
        default=None,
    )
    chosen = [typed] if typed else []  # the operator asked for this trend: it goes first when it fits
    chosen += _mmr(fresh, n - len(chosen), chosen)
    if len(chosen) < n:
        stale = [c for c in cands if c.passed and c.repeats]
        dates = last_used(ctx, [c.repeats for c in stale if c.repeats]) if stale else {}
        oldest = sorted(stale, key=lambda c: (dates.get(c.repeats or "", Date.min), -c.rank))
        for c in oldest:
            if len(chosen) >= n:
                break
            if _allowed(c, chosen):
                c.topic.note = repeat_note(c.repeats or "", dates.get(c.repeats or ""), settings)
                chosen.append(c)
    if len(chosen) < n:
        rest = [c for c in cands if c.compliant and not c.passed and not c.repeats]
        chosen += _mmr(rest, n - len(chosen), chosen)
    return chosen


def draft_topics(
    ctx: DayContext, n: int, settings: Settings | None = None, *, note_trends: bool = True
) -> list[Topic]:
    """n topics for the day; `note_trends`: say in `ctx.notes` why a typed trend hooks none of them (the LLM
    chain, filling in, says it for the whole plan instead)."""
    lib = library(settings)
    cands = candidates(ctx, lib)
    moved = ctx.learned is not None and learned.apply(cands, ctx.learned)
    chosen = pick(cands, n, ctx, settings)
    if moved:
        chosen = learned.explore(chosen, cands, n, ctx, _allowed)
    if note_trends:
        _note_unused_trends(ctx, cands, chosen)
    rng = random.Random(ctx.seed() + "bridge")
    fill = fill_for(ctx, lib, random.Random(ctx.seed()))
    points = points_for(ctx.product, ctx.profile)
    topics = []
    for i, c in enumerate(chosen):
        c.topic.bridge = bridge(ctx.product, fill, lib, i, rng, points)
        c.topic.score = round(c.rank, 3)
        topics.append(c.topic)
    return topics


def _note_unused_trends(ctx: DayContext, cands: list[Candidate], chosen: list[Candidate]) -> None:
    """A typed trend (or a typed calendar event) that hooks no chosen topic: the plan says why."""
    used = {c.hook.title for c in chosen if c.hook.kind != "none"}
    for title in ctx.user_trends:
        if title in used:
            continue
        mine = [c for c in cands if c.hook.title == title]
        if not mine:
            calendar = any(e.name == title for e in ctx.events) or "calendar" in {c.hook.kind for c in cands}
            why = (
                f"日历上的「{show(title)}」和{ctx.product.noun}挂不上"
                if calendar and title not in {c.hook.title for c in cands}
                else f"能和{ctx.product.noun}挂上，但没有写得自然的问题"
            )
        elif not any(c.passed for c in mine):
            why = "能写的问题没有通过检查"
        elif all(c.repeats for c in mine if c.passed):
            why = "能写的问题这个群最近已经聊过"
        else:
            why = "今天已经有别的由头排在前面，一份方案不挤满由头"
        ctx.notes.append(f"没有用你给的热点「{show(title)}」：{why}。")
