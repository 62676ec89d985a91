"""Filling the pattern library for one product and group: the slot values (`{noun}` `{verb}` `{act}` `{who}` …),
the profile's lines a template runs over (`{scene}`, `{pain}`, `{a}`/`{b}` for an either-or, `{ask}` for a
selling point's question), and which patterns and questions suit the product (its nature, traits, the group).
Every pattern, catalogue question and tie-in becomes a `Draft`; the engine checks and ranks them.
"""

from __future__ import annotations

import random
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from assistant.drafting.offline.hooks import NO_HOOK, DayHook
from assistant.drafting.offline.library import slots, traits_of
from assistant.drafting.product_view import debates_for, for_group, side, suits, who
from assistant.models import TopicType, stable_id

PICK = 3  # lines of each kind (scenes, pains, either-ors, selling-point questions) one plan draws from
EVENT_LINE_BONUS = 0.1  # a line written for the event itself (冬至这天…) beats a theme line under it
OWN_BONUS = 0.03  # the catalogue's hand-written questions: people wrote them for this very product
GENERIC_BEHIND = -0.05  # the library's theme lines behind a catalogue product's own tie-ins
ANY_BEHIND = -0.03  # a line for any hook (`any_hook_questions`) behind a theme's own lines


@dataclass
class Fill:
    """What a template can say about the product for this group, today."""

    slots: dict[str, str]
    traits: set[str]
    nature: str | None
    audience: str | None
    scenes: list[str] = field(default_factory=list)
    pains: list[str] = field(default_factory=list)
    debates: list[tuple[str, str]] = field(default_factory=list)
    asks: list[str] = field(default_factory=list)
    facets: set[str] = field(default_factory=set)  # the profile's facets (booked, collectible, placed …)
    moments: list[str] = field(default_factory=list)  # every scene of the profile, for `scene_words`


@dataclass
class Draft:
    question: str
    type: TopicType
    pattern: str
    concept: str
    hook: DayHook = NO_HOOK
    bias: float = 0.0
    scene: str = ""
    follow_ups: list[str] = field(default_factory=list)


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


def _pick(rng: random.Random, items: Sequence[Any], k: int = PICK) -> list[Any]:
    """Up to k items, keeping their order (seeded: other days and groups draw other lines)."""
    chosen = rng.sample(range(len(items)), min(k, len(items)))
    return [items[i] for i in sorted(chosen)]


def fill_for(ctx: Any, lib: dict[str, Any], rng: random.Random) -> Fill:
    product, profile, audience = ctx.product, ctx.profile, ctx.audience
    values = slots(product, audience, lib)
    noun = values["noun"]
    act = profile.activity if profile is not None and profile.activity else values["verb"] + noun
    if profile is not None and profile.basis == "catalogue":
        act = values["verb"] + noun
    go = act if act.startswith("去") else "去" + act
    values.update(act=act, go=go, who=who(profile, audience, noun), side=side(profile, audience, noun))
    traits = traits_of(product, lib)
    scenes = for_group(product.scenes_for(audience), audience)
    if profile is not None and _service_of_goods(profile):
        scenes = []  # 窗帘上门安装: the curtains' moments are not the service's
    out = Fill(
        values,
        traits,
        profile.nature if profile is not None else None,
        audience.id if audience else None,
        scenes=_pick(rng, scenes),
    )
    if profile is None:
        return out
    out.facets, out.moments = set(profile.facets), list(profile.scenes)
    out.pains = _pick(rng, [p for p in for_group(profile.pains, audience) if noun not in p])
    out.debates = _pick(rng, debates_for(profile.debates, audience))
    asks = [m.entry.ask for m in profile.points if m.entry is not None and m.entry.ask]
    out.asks = _pick(rng, list(dict.fromkeys(for_group(asks, audience))))
    return out


def _service_of_goods(profile: Any) -> bool:
    """A service read from a goods type (窗帘上门安装 is 窗帘 + 上门安装)."""
    if profile.type_id is None or profile.nature not in ("service", "course", "subscription", "experience"):
        return False
    from assistant.products import load_library

    ptype = load_library().types.get(profile.type_id)
    return ptype is not None and ptype.nature != profile.nature


def entry_ok(item: Any, fill: Fill) -> bool:
    """A pattern, question or follow-up written as a mapping suits this product and group."""
    if not isinstance(item, dict):
        return True
    need, skip = item.get("traits"), item.get("skip_traits", [])
    if (need and not fill.traits & set(need)) or fill.traits & set(skip):
        return False
    only, skip_groups = item.get("audiences"), item.get("skip_audiences", [])
    if (only and fill.audience not in only) or fill.audience in skip_groups:
        return False
    return suits(item.get("natures"), fill.nature) and _facets_ok(item, fill)


def _facets_ok(item: dict[str, Any], fill: Fill) -> bool:
    """`facets` (one of them), `skip_facets` (none of them) and `scene_words` (a scene of the profile names
    one: 早饭 for a breakfast shape) against the profile; a product without a profile passes `facets` only
    when the entry asks for none."""
    need, skip = item.get("facets"), item.get("skip_facets", [])
    if (need and not fill.facets & set(need)) or fill.facets & set(skip):
        return False
    words = item.get("scene_words")
    return not words or any(w in m for w in words for m in fill.moments)


def texts(items: Iterable[Any], fill: Fill) -> list[str]:
    return [str(i["text"]) if isinstance(i, dict) else str(i) for i in items if entry_ok(i, fill)]


def _fits(pattern: dict[str, Any], product_id: str, fill: Fill) -> bool:
    if product_id in pattern.get("skip", []) or not entry_ok(pattern, fill):
        return False
    s = fill.slots
    return {
        "scene": bool(fill.scenes),
        "scenes3": len(fill.scenes) >= 3,
        "moment": bool(s["moment"] and fill.scenes),
        "rival": bool(s["rival"]),
        "unit": bool(s["unit"]),
        "pain": bool(fill.pains),
        "debate": bool(fill.debates),
        "ask": bool(fill.asks),
    }.get(pattern.get("needs", "none"), True)


def _lines(template: str, fill: Fill) -> list[tuple[dict[str, str], str]]:
    """(values, what makes it its own question) for each line the template runs over."""
    combos: list[tuple[dict[str, str], str]] = [({}, "")]
    if "{scene}" in template:
        combos = [({"scene": s}, "") for s in fill.scenes]
    if "{pain}" in template:
        combos = [({**v, "pain": p}, p) for v, _k in combos for p in fill.pains]
    if "{a}" in template or "{b}" in template:
        combos = [({**v, "a": a, "b": b}, f"{a}|{b}") for v, _k in combos for a, b in fill.debates]
    if "{ask}" in template:
        combos = [({**v, "ask": q}, q) for v, _k in combos for q in fill.asks]
    return combos


def _debate_ok(item: Any, values: dict[str, str], noun: str) -> bool:
    mode = item.get("debate") if isinstance(item, dict) else None
    if mode is None or "a" not in values:
        return True
    named = noun in values["a"] or noun in values["b"]
    return named if mode == "with_noun" else not named


def pattern_drafts(ctx: Any, lib: dict[str, Any], fill: Fill) -> list[Draft]:
    out = []
    trio = dict(zip(("scene1", "scene2", "scene3"), fill.scenes[:3], strict=False))
    for pattern in lib["patterns"]:
        if not _fits(pattern, ctx.product.id, fill):
            continue
        follow = texts(pattern.get("follow_ups", []), fill)
        for i, item in enumerate(pattern["questions"]):
            if not entry_ok(item, fill):
                continue
            template = str(item["text"]) if isinstance(item, dict) else str(item)
            for values, own in _lines(template, fill):
                if not _debate_ok(item, values, fill.slots["noun"]):
                    continue
                full = {**fill.slots, **trio, "scene": "", **values}
                concept = f"{pattern['id']}#{i}" + (f"#{stable_id(own, length=8)}" if own else "")
                question = template.format(**full)
                kind = infer_type(question) if "{ask}" in template else TopicType(pattern["type"])
                out.append(
                    Draft(
                        question,
                        kind,
                        pattern["id"],
                        concept,
                        scene=full["scene"],
                        follow_ups=[f.format(**full) for f in follow],
                        bias=float(pattern.get("bias", 0.0)),
                    )
                )
    return out


_HOOKED = re.compile(r"\{hook\}")


def own_drafts(ctx: Any, lib: dict[str, Any], fill: Fill, hooks: list[DayHook]) -> list[Draft]:
    """The catalogue's hand-written questions, and for every hook that fits: the product's own tie-ins, else
    the library's lines for the hook's theme (`theme_questions`) or for a trend naming it (`direct_questions`)."""
    s = fill.slots
    out = []
    for q in ctx.product.questions_for(ctx.audience):
        out.append(
            Draft(q.format(**s), infer_type(q), "own", f"own#{stable_id(q, length=8)}", bias=OWN_BONUS)
        )
    for hook in hooks:
        lines = [(key, *line) for key in hook.keys for line in _tie_lines(ctx, lib, fill, key)]
        if not lines and _named(hook):  # it fits, but its theme has no line for this product
            generic = texts(lib.get("any_hook_questions", []), fill)
            lines = [(hook.keys[0] if hook.keys else "any", line, "hook:any", ANY_BEHIND) for line in generic]
        for key, line, pattern, bias in lines:
            if hook.kind == "trend" and "{hook}" in line:
                continue  # the lead already quotes the trend: 「冬至吃什么」的团圆饭 is not a phrase
            q = line.format(**{**s, "hook": hook.title})
            concept = f"tie#{key}#{stable_id(line, length=8)}"
            bias += EVENT_LINE_BONUS if key == hook.title else 0.0  # written for this very event
            out.append(Draft(q, infer_type(q), pattern, concept, hook, bias=bias))
    return out


def _named(hook: DayHook) -> bool:
    """A calendar event or a trend the operator typed: an occasion precise enough for a generic line."""
    if hook.kind == "calendar":
        return not hook.source.startswith("calendar:window:")
    return hook.kind == "trend" and hook.source == "用户输入"


def _tie_lines(ctx: Any, lib: dict[str, Any], fill: Fill, key: str) -> list[tuple[str, str, float]]:
    """(line, pattern, bias) for a hook key: the catalogue's own lines first; the library's lines for the
    theme (or for a trend naming the product) for everyone, a little behind a catalogue's own."""
    own = ctx.product.tie_ins.get(key)
    out = [(line, f"tie:{key}", 0.0) for line in own or []]
    behind = GENERIC_BEHIND if own else 0.0
    if key == "direct":
        out += [(line, "tie:direct", behind) for line in texts(lib.get("direct_questions", []), fill)]
    else:
        generic = texts(lib.get("theme_questions", {}).get(key, []), fill)
        out += [(line, f"theme:{key}", behind) for line in generic]
    return out
