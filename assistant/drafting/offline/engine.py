"""The offline engine: fills the pattern library (`knowledge_base/patterns/patterns.yaml`) and the product's
own questions and tie-ins from the product, the group and the day's hooks (`offline_hooks`), scores every
candidate with the same checks as the eval harness, drops failures and repeats of what the group saw in the
memory window, and picks diverse winners with MMR. When the memory leaves too few fresh topics, the least
recently used ones come back, each with a note saying so. Deterministic for the same inputs.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass, field
from datetime import date as Date
from typing import Any

from assistant.drafting.context import DayContext
from assistant.drafting.offline import learned
from assistant.drafting.offline.hooks import NO_HOOK, DayHook, day_hooks
from assistant.drafting.offline.library import library, slots, traits_of
from assistant.drafting.offline.memory import last_used, repeat_note, used_concepts
from assistant.drafting.ranking import jaccard, mmr, near_duplicate_of, question_core
from assistant.drafting.screening import product_themes
from assistant.models import Audience, Product, Topic, TopicType, stable_id
from assistant.settings import Settings

MAX_CHARS = 60
HOOK_BONUS = 0.2
JITTER = 0.06  # per concept, seeded: different days and groups see different shapes
LENGTH_FREE = 28  # characters; longer topics lose a little rank per character
EVENT_LINE_BONUS = 0.1  # a line written for the event itself (冬至这天…) beats a theme line under it
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


def _traits_ok(spec: dict[str, Any], traits: set[str]) -> bool:
    need, skip = spec.get("traits"), spec.get("skip_traits", [])
    return (not need or bool(traits & set(need))) and not traits & set(skip)


def _fits(
    pattern: dict[str, Any], ctx: DayContext, traits: set[str], s: dict[str, str], scenes: list[str]
) -> bool:
    if ctx.product.id in pattern.get("skip", []) or not _traits_ok(pattern, traits):
        return False
    if ctx.audience and ctx.audience.id in pattern.get("skip_audiences", []):
        return False
    needs = pattern.get("needs", "none")
    return {
        "scene": bool(scenes),
        "scenes3": len(scenes) >= 3,
        "moment": bool(s["moment"] and scenes),
        "rival": bool(s["rival"]),
        "unit": bool(s["unit"]),
    }.get(needs, True)


def _entries(items: list[Any], traits: set[str], audience: Audience | None = None) -> list[str]:
    out = []
    who = audience.id if audience else None
    for item in items:
        if isinstance(item, dict):
            only, skip = item.get("audiences"), item.get("skip_audiences", [])
            if _traits_ok(item, traits) and (not only or who in only) and who not in skip:
                out.append(str(item["text"]))
        else:
            out.append(str(item))
    return out


def infer_type(question: str) -> TopicType:
    """Topic type of a hand-written question (catalogue questions and tie-ins carry no type)."""
    rules = [
        (r"^投个票", "vote"),
        (r"晒(一晒|张|出|照|图|个|下)|拍给", "photo_share"),
        (r"小时候", "memory"),
        (r"窍门|小讲究|怎么放|怎么让|怎么办", "tips_swap"),
        (r"经历|坦白|吐槽|翻过车|哭笑不得|丢过|嫌弃|忘了|热醒|最搞笑", "confession"),
        (r"还是|、.+，还是", "either_or"),
        (r"会多备|会给.{0,4}(添|备)|会带几|备多少|打算", "prediction"),
    ]
    for rx, kind in rules:
        if re.search(rx, question):
            return TopicType(kind)
    return TopicType.experience


@dataclass
class _Draft:
    question: str
    type: TopicType
    pattern: str
    concept: str
    hook: DayHook = NO_HOOK
    bias: float = 0.0
    scene: str = ""
    follow_ups: list[str] = field(default_factory=list)


def _pattern_drafts(
    ctx: DayContext, lib: dict[str, Any], s: dict[str, str], traits: set[str], scenes: list[str]
) -> list[_Draft]:
    out = []
    for pattern in lib["patterns"]:
        if not _fits(pattern, ctx, traits, s, scenes):
            continue
        follow = _entries(pattern.get("follow_ups", []), traits)
        for i, template in enumerate(_entries(pattern["questions"], traits, ctx.audience)):
            concept = f"{pattern['id']}#{i}"
            picks = scenes if "{scene}" in template else [""]
            trio = dict(zip(("scene1", "scene2", "scene3"), scenes[:3], strict=False))
            for scene in picks:
                fill = {**s, **trio, "scene": scene}
                out.append(
                    _Draft(
                        template.format(**fill),
                        TopicType(pattern["type"]),
                        pattern["id"],
                        concept,
                        scene=scene,
                        follow_ups=[f.format(**fill) for f in follow],
                        bias=float(pattern.get("bias", 0.0)),
                    )
                )
    return out


def _own_drafts(
    ctx: DayContext, lib: dict[str, Any], s: dict[str, str], hooks: list[DayHook]
) -> list[_Draft]:
    """The catalogue's hand-written questions, and the tie-ins of every hook that fits."""
    out = []
    for q in ctx.product.questions_for(ctx.audience):
        out.append(_Draft(q.format(**s), infer_type(q), "own", f"own#{stable_id(q, length=8)}"))
    generic = lib.get("theme_questions", {})
    for hook in hooks:
        for key in hook.keys:
            lines = ctx.product.tie_ins.get(key)
            if lines is None and key == "direct":
                lines = lib.get("direct_questions", [])
            elif lines is None and ctx.product.ad_hoc and key in product_themes(ctx.product, lib):
                lines = _entries(generic.get(key, []), traits_of(ctx.product, lib))
            for line in lines or []:
                q = line.format(**{**s, "hook": hook.title})
                concept = f"tie#{key}#{stable_id(line, length=8)}"
                own_line = EVENT_LINE_BONUS if key == hook.title else 0.0  # written for this very event
                out.append(_Draft(q, infer_type(q), f"tie:{key}", concept, hook, bias=own_line))
    return out


def _opening(
    d: _Draft, rng: random.Random, lib: dict[str, Any], s: dict[str, str], ctx: DayContext
) -> str | None:
    """The first line: the hook's lead (None when every lead clashes with the question), else a plain one."""
    if d.hook.kind != "none":
        if d.hook.title in d.question:
            return ""
        leads = [lead for lead in d.hook.leads if d.question[:2] not in lead]
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
    traits = traits_of(ctx.product, lib)
    s = slots(ctx.product, ctx.audience, lib)
    own_scenes = ctx.product.scenes_for(ctx.audience)
    scenes = sorted(rng.sample(own_scenes, min(3, len(own_scenes))), key=own_scenes.index)
    drafts = _own_drafts(ctx, lib, s, hooks) + _pattern_drafts(ctx, lib, s, traits, scenes)
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
    if len(short) >= 2 and short in long:
        return 0.7
    return 0.5 if set(a.keys) & set(b.keys) - {"direct"} else 0.0


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
    if c.hook.kind != "none" and any(_same_hook(c.hook, p.hook) >= 1.0 for p in picked):
        return False  # one topic per hook (and at most one on the season)
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
    typed = max((c for c in fresh if c.hook.source == "用户输入"), key=lambda c: c.rank, default=None)
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


def draft_topics(ctx: DayContext, n: int, settings: Settings | None = None) -> list[Topic]:
    lib = library(settings)
    cands = candidates(ctx, lib)
    moved = ctx.learned is not None and learned.apply(cands, ctx.learned)
    chosen = pick(cands, n, ctx, settings)
    if moved:
        chosen = learned.explore(chosen, cands, n, ctx, _allowed)
    rng = random.Random(ctx.seed() + "bridge")
    s = slots(ctx.product, ctx.audience, lib)
    topics = []
    for i, c in enumerate(chosen):
        c.topic.bridge = bridge(ctx.product, s, lib, i, rng)
        c.topic.score = round(c.rank, 3)
        topics.append(c.topic)
    return topics


def bridge(product: Product, s: dict[str, str], lib: dict[str, Any], index: int, rng: random.Random) -> str:
    from assistant.checks import check_compliance

    points = [_END_PUNCT.sub("", p) for p in product.selling_points if p.strip()]
    templates = lib.get("bridges", [])
    for point in ([points[index % len(points)]] if points else []) + [""]:
        options = [t for t in templates if "：" not in point or "{point}，" in t] or templates
        for name in (product.name, s["noun"]):
            template = rng.choice(options) if point else lib.get("bridge_no_point", "{name}")
            text = template.format(**{**s, "name": name, "point": point})
            if check_compliance(text, product).passed:
                return text
    return ""
