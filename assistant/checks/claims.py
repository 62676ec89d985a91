"""Efficacy and medical claims found by their structure: the product or its use, then an outcome.

Grammar in `knowledge_base/compliance/claims.yaml`; per-category forbidden claims in
`knowledge_base/compliance/categories.yaml`. An outcome is a health / efficacy target with a predicate
(预防红屁股, 失眠都好了, 血糖稳多了, 不上火) or a fused phrase (养胃, 补钙, 提分). It is a claim when the
sentence ties it to the product: a pointer (这款, 这个空气炸锅) or the product's name before it, a usage verb
before it (吃了, 戴着), a modal right before it (能, 让, 有助于), or it describes the product (促进发育的拉拉裤).
A target alone ("你家宝宝得过尿布疹吗？") and a scene ("失眠的时候", "感冒好了以后") are not claims.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from assistant.checks.lexicon import Matcher, compiled, norm_term
from assistant.models import Product

_PUNCT = "，,。！？!?；;：:、~…"
_NO_PUNCT = f"[^{_PUNCT}]"


@dataclass(frozen=True)
class Outcome:
    start: int
    end: int
    rule: str
    label: str
    form: str  # before | after | negated | fused | modal


@dataclass
class Grammar:
    version: str
    forms: list[
        tuple[re.Pattern[str], str, dict[str, tuple[str, str]]]
    ]  # regex, form, target -> (rule, label)
    modal_end: re.Pattern[str]
    usage: re.Pattern[str]
    temporal: re.Pattern[str]
    trigger: Matcher  # every target and fused term: a text without one has no outcome
    trigger_rx: re.Pattern[str]  # targets found by pattern (支气管炎, 心脏病)

    def triggered(self, text: str) -> bool:
        return next(self.trigger.iter(text), None) is not None or bool(self.trigger_rx.search(text))


def _alt(terms: list[str]) -> str:
    normed = sorted({norm_term(t) for t in terms if norm_term(t)}, key=len, reverse=True)
    return "|".join(re.escape(t) for t in normed)


def grammar() -> Grammar:
    return compiled(("compliance", "claims.yaml"), _build)


def _build(data: dict[str, Any]) -> Grammar:
    gap_b, gap_a = int(data.get("gap_before", 3)), int(data.get("gap_after", 4))
    forms: list[tuple[re.Pattern[str], str, dict[str, tuple[str, str]]]] = []
    before, after, negated = _alt(data["before"]), _alt(data["after"]), _alt(data["negated"])
    modal = _alt(data["modal"])
    for spec in data["groups"].values():
        owner = {norm_term(t): (spec["rule"], spec.get("label", "")) for t in spec["terms"]}
        owner[""] = (spec["rule"], spec.get("label", ""))  # a target found by one of the group's patterns
        targets = "|".join(filter(None, [_alt(spec["terms"]), *spec.get("target_patterns", [])]))
        forms.append((re.compile(f"(?:{before}){_NO_PUNCT}{{0,{gap_b}}}?(?P<t>{targets})"), "before", owner))
        forms.append((re.compile(f"(?P<t>{targets}){_NO_PUNCT}{{0,{gap_a}}}?(?:{after})"), "after", owner))
        if spec.get("negated"):
            forms.append((re.compile(f"(?:{negated})(?P<t>{targets})"), "negated", owner))
        if spec.get("modal_alone"):
            forms.append((re.compile(f"(?:{modal}){_NO_PUNCT}{{0,2}}?(?P<t>{targets})"), "modal", owner))
    for rule, terms in (data.get("fused") or {}).items():
        owner = {norm_term(t): (rule, "用功效说法描述商品") for t in terms}
        owner[""] = (rule, "用功效说法描述商品")
        forms.append((re.compile(f"(?P<t>{_alt(terms)})"), "fused", owner))
    cues = data.get("cues") or {}
    words = [t for spec in data["groups"].values() for t in spec["terms"]]
    words += [t for terms in (data.get("fused") or {}).values() for t in terms]
    built = Grammar(
        version=str(data.get("version", "0")),
        forms=forms,
        modal_end=re.compile(f"(?:{modal})$"),
        usage=re.compile(cues.get("usage") or "(?!)"),
        temporal=re.compile(data.get("temporal") or "(?!)"),
        trigger=Matcher.build((w, True) for w in words),
        trigger_rx=re.compile(
            "|".join(p for spec in data["groups"].values() for p in spec.get("target_patterns", [])) or "(?!)"
        ),
    )
    return built


def product_names(product: Product | None) -> tuple[str, ...]:
    if product is None:
        return ()
    names = {norm_term(t) for t in (product.name, *product.aliases, product.subject) if t and len(t) >= 2}
    return tuple(sorted(names, key=len, reverse=True))


def product_terms(product: Product | None) -> tuple[str, ...]:
    """Words that name the product in a topic: its names, and for an ad hoc product the nouns of its name
    ("胶囊" names "蜂胶软胶囊")."""
    names = set(product_names(product))
    if product is not None and product.ad_hoc:
        names |= {norm_term(k) for k in product.keywords if len(norm_term(k)) >= 2}
    return tuple(sorted(names, key=len, reverse=True))


def _clause_start(text: str, pos: int, floor: int) -> int:
    for i in range(pos - 1, floor - 1, -1):
        if text[i] in _PUNCT:
            return i + 1
    return floor


def find_outcomes(
    text: str,
    sentence: tuple[int, int],
    pointer: re.Pattern[str],
    names: tuple[str, ...],
    selling: bool = False,
) -> list[Outcome]:
    """Claims inside one sentence [a, b) of the normalised text. `selling`: the sentence carries the seller's
    side of a message (团购价, 到货): an outcome asserted there is about what is sold."""
    g = grammar()
    a, b = sentence
    found: list[Outcome] = []
    if not g.triggered(text[a:b]):
        return found
    for rx, form, owner in g.forms:
        for m in rx.finditer(text, a, b):
            head = text[a : m.start()]
            if g.temporal.search(text[m.end() : b]):
                continue  # "感冒好了以后 ...", "失眠的时候 ...": a scene
            strong = selling or bool(pointer.search(head) or g.usage.search(head))
            named = any(n in head for n in names)
            modal = bool(g.modal_end.search(text[max(a, m.start() - 3) : m.start()]))
            tail = text[m.end() : b]
            describes = tail.startswith("的") and any(n in tail[:8] for n in names)
            if form == "negated":
                tied = strong
            elif form == "modal":
                tied = strong or named
            else:
                tied = strong or named or modal or describes
            if not tied:
                continue
            rule, label = owner.get(m.group("t"), owner[""])
            found.append(Outcome(m.start(), m.end(), rule, label, form))
    found.sort(key=lambda o: (o.start, -(o.end - o.start)))
    out: list[Outcome] = []
    for o in found:  # keep the widest of overlapping outcomes
        if out and o.start < out[-1].end:
            if o.end > out[-1].end:
                out[-1] = Outcome(out[-1].start, o.end, out[-1].rule, out[-1].label, out[-1].form)
            continue
        out.append(o)
    return out


def versions() -> dict[str, Any]:
    return {"claims_grammar": grammar().version}
