"""The contrastive, lexical side of relevance: every catalogue product's words, and the topic scored against all
of them.

Each product contributes weighted terms: name, aliases and subject (3), keywords (1), scenarios (0.75). A term
shared by k products is worth 1/k to each (so 宝宝 or 冬天 alone decide nothing). The topic's score for a product
is the sum of the weights of its distinct terms found in the normalised text; words of the day's hook count for
the target only, and a product named only in the scene before the question ("吃完饺子你会马上刷牙吗？") drops out
when the question itself names another. Ad hoc products are scored with their own index the same way.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from assistant.checks.lexicon import Matcher, compiled, norm_term
from assistant.checks.normalize import Normalized, normalize
from assistant.models import Product

NAME_WEIGHT = 3.0
SCENARIO_WEIGHT = 0.75
KEYWORD_WEIGHT = 1.0
MIN_SCORE = 1.0
MARGIN = 0.5
BIGRAM_WEIGHT = 1.0  # ad hoc products only: a word of the name ("蜂胶" of 蜂胶软胶囊) names its kind


@dataclass
class Index:
    products: dict[str, Product]
    matcher: Matcher


@dataclass
class Words:
    version: str
    generic: frozenset[str]
    context: list[re.Pattern[str]]
    stop: frozenset[
        str
    ]  # words that say nothing about what a topic is about (什么, 一种): no meaning evidence


def words() -> Words:
    return compiled(("style", "relevance.yaml"), _build)


def _build(data: dict[str, Any]) -> Words:
    built = Words(
        version=str(data.get("version", "0")),
        generic=frozenset(normalize(str(t)).text for t in data.get("generic", [])),
        context=[re.compile(p) for p in data.get("context", [])],
        stop=frozenset(normalize(str(t)).text for t in data.get("stop", [])),
    )
    return built


def _scenario_text(scenario: Any) -> str:
    """Scenarios are strings or objects with a `text` (per-audience scenarios)."""
    if isinstance(scenario, str):
        return scenario
    if isinstance(scenario, dict):
        return str(scenario.get("text") or "")
    return str(getattr(scenario, "text", "") or "")


def _terms(product: Product) -> list[tuple[str, float, str]]:
    """(term, weight, kind) with kind name | keyword | scenario; the first kind listed wins."""
    terms: dict[str, tuple[float, str]] = {}
    generic = words().generic
    for t in [product.name, *product.aliases, product.subject]:
        if t and len(t) >= 2:
            terms[t] = (NAME_WEIGHT, "name")
    for t in product.keywords:
        if t and len(t) >= 2:
            kind = "scenario" if normalize(t).text in generic else "keyword"
            terms.setdefault(t, (KEYWORD_WEIGHT, kind))
    for sc in product.scenarios:
        t = _scenario_text(sc)
        if t:
            terms.setdefault(t, (SCENARIO_WEIGHT, "scenario"))
    return [(t, w, k) for t, (w, k) in terms.items()]


_INDEX: dict[tuple, Index] = {}
_BY_LIST: dict[int, tuple[list[Product], Index]] = {}


def build_index(products: list[Product]) -> Index:
    """Matcher over every product's terms with shared-term discounting; cached per catalogue."""
    fast = _BY_LIST.get(id(products))
    if fast is not None and fast[0] is products:
        return fast[1]
    key = (words().version,) + tuple(
        (p.id, p.name, tuple(p.keywords), tuple(p.aliases), tuple(_scenario_text(s) for s in p.scenarios))
        for p in products
    )
    hit = _INDEX.get(key)
    if hit is not None:
        _BY_LIST.clear()
        _BY_LIST[id(products)] = (products, hit)
    if hit is not None:
        return hit
    owners: dict[str, dict[str, tuple[float, str]]] = defaultdict(dict)
    for p in products:
        for term, w, kind in _terms(p):
            nt = normalize(term).text
            if w > owners[nt].get(p.id, (0.0, ""))[0]:
                owners[nt][p.id] = (w, kind)
    items = []
    for nt, per in owners.items():
        share = len(per)
        items.append((nt, {pid: (w / share, kind) for pid, (w, kind) in per.items()}))
    index = Index({p.id: p for p in products}, Matcher.build(items))
    if len(_INDEX) > 32:
        _INDEX.clear()
    _INDEX[key] = index
    return index


_OWN: dict[tuple, Index] = {}


def own_index(product: Product) -> Index:
    """The index of one product outside the catalogue (ad hoc), built once per product and word lists."""
    key = (
        words().version,
        product.id,
        product.name,
        product.subject,
        tuple(product.aliases),
        tuple(product.keywords),
        tuple(_scenario_text(s) for s in product.scenarios),
    )
    hit = _OWN.get(key)
    if hit is None:
        if len(_OWN) > 4096:
            _OWN.clear()
        hit = _OWN[key] = build_index([product])
    return hit


def context_spans(text: str) -> list[tuple[int, int]]:
    """The scene before the question ("吃完饺子", "下午犯困的时候") in the normalised text."""
    return [m.span() for rx in words().context for m in rx.finditer(text)]


def score_products(
    n: Normalized, index: Index, *, target: str | None = None, hooks: tuple[str, ...] = ()
) -> tuple[dict[str, float], dict[str, list[str]], set[str]]:
    """Scores, matched terms, and the products with a core match.

    A term inside one of the day's hooks counts only for the target, and then only as core when it
    names the product. Scenarios (and generic who/when keywords) are never core. A product named only in
    the scene before the question ("吃完饺子你会马上刷牙吗？") drops out when the question itself has a core
    match for another product.
    """
    scores: dict[str, float] = defaultdict(float)
    matched: dict[str, list[str]] = defaultdict(list)
    core: set[str] = set()
    main: set[str] = set()  # products matched outside the scene
    main_core: set[str] = set()
    scenes = context_spans(n.text)
    seen: set[str] = set()
    for s, e, term, payloads in index.matcher.iter(n.text):
        if term in seen:
            continue
        seen.add(term)
        is_hook = any(term in h or h in term for h in hooks)
        in_scene = any(a <= s and e <= b for a, b in scenes)
        for per in payloads:
            for pid, (w, kind) in per.items():
                if is_hook and pid != target:
                    continue
                scores[pid] += w
                matched[pid].append(term)
                is_core = kind == "name" or (kind == "keyword" and not is_hook)
                if is_core:
                    core.add(pid)
                if not in_scene:
                    main.add(pid)
                    if is_core:
                        main_core.add(pid)
    for pid in list(scores):
        if pid not in main and main_core - {pid}:
            scores[pid] = 0.0
            core.discard(pid)
    return dict(scores), dict(matched), core


STOP_BIGRAMS = frozenset(
    {"大家", "什么", "怎么", "我们", "你们", "一个", "今天", "这个", "那个", "可以", "自己"}
)


def hook_hits(n: Normalized, index: Index, hooks: tuple[str, ...]) -> list[list[str]]:
    """Catalogue terms of the topic that belong to the day's hook."""
    terms = {t for _s, _e, t, _p in index.matcher.iter(n.text)}
    return [[t for t in terms if t in h or h in t] for h in hooks]


def same_kind(target: Product, other: Product | None) -> bool:
    """Two products of one kind: a word (two characters or more) of one's name or subject names the other."""
    if other is None or other.id == target.id:
        return False
    mine = {norm_term(t) for t in (target.name, target.subject, *target.aliases) if t}
    theirs = {norm_term(t) for t in (other.name, other.subject, *other.aliases) if t}
    words = {g for t in mine for g in _grams(t)}
    return any(w in t for w in words for t in theirs)


def _grams(text: str) -> set[str]:
    """The last two and three characters of a name: its head noun (保温杯, 面霜, 牙膏)."""
    clean = re.sub(r"[^\u4e00-\u9fff]", "", text)
    return {clean[-n:] for n in (2, 3) if len(clean) >= n} - STOP_BIGRAMS


def name_bigrams(product: Product) -> list[str]:
    """Character bigrams of an ad hoc product's name: "手冲咖啡壶" still matches "手冲咖啡"."""
    name = norm_term(product.name)
    grams = {name[i : i + 2] for i in range(len(name) - 1)}
    return sorted(g for g in grams if re.fullmatch(r"[\u4e00-\u9fff]{2}", g) and g not in STOP_BIGRAMS)


def find(text: str, term: str) -> tuple[int, int]:
    i = text.find(term)
    return (i, i + len(term)) if i >= 0 else (0, 0)
