"""Relevance check, contrastive: rank the topic against every catalogue product, not a bare similarity.

Each product contributes weighted terms: name, aliases and subject (3), keywords (1), scenarios (0.75).
A term shared by k products is worth 1/k to each (so 宝宝 or 冬天 alone decide nothing). The topic's
score for a product is the sum of the weights of its distinct terms found in the normalised text.
Pass rule: the topic has a core match for the target (its name, alias, subject, or a keyword that is
not just the day's hook; scenarios only support), the target scores at least `MIN_SCORE`, and it beats
the best other product by `MARGIN`
(ties fail: the topic is as much about another product). Words of the day's hook (the given trends and
the calendar events of `date`) count for the target only: "冬至吃完饺子你会马上刷牙吗?" with the hook
冬至吃饺子 is a toothpaste topic, not a dumpling one. Ad hoc products are scored with the same rule.
The tie-in to the day's trend or calendar event is reported, not required.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass
from datetime import date as Date
from functools import lru_cache
from typing import Any

from assistant.checks import lexicon
from assistant.checks.lexicon import Matcher, compiled, norm_term
from assistant.checks.normalize import Normalized, normalize
from assistant.checks.twins import twins
from assistant.models import CheckResult, Product

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


def words() -> Words:
    return compiled(("style", "relevance.yaml"), _build)


def _build(data: dict[str, Any]) -> Words:
    built = Words(
        version=str(data.get("version", "0")),
        generic=frozenset(normalize(str(t)).text for t in data.get("generic", [])),
        context=[re.compile(p) for p in data.get("context", [])],
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


def _own_index(product: Product) -> Index:
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


def _trend_terms(trend: str) -> list[str]:
    t = norm_term(trend)
    t = re.sub(r"[#＃\[\]【】()（）,，。!！?？:：]", " ", t)
    parts = [p for p in t.split() if p]
    terms = [p for p in parts if len(p) >= 2]
    for p in parts:  # bigrams of longer titles: a topic rarely repeats a headline word for word
        if len(p) > 4:
            terms.extend(p[i : i + 2] for i in range(len(p) - 1))
    return terms


_STOP_BIGRAMS = frozenset(
    {"大家", "什么", "怎么", "我们", "你们", "一个", "今天", "这个", "那个", "可以", "自己"}
)


TIE_IN_HORIZON = 7


def tie_in(n: Normalized, trends: list[str], events: list[str]) -> dict[str, Any]:
    out: dict[str, Any] = {"trends": [], "events": []}
    for trend in trends:
        hits = [t for t in _trend_terms(trend) if t not in _STOP_BIGRAMS and t in n.text]
        out["trends"].append({"title": trend, "mentioned": bool(hits), "matched": sorted(set(hits))[:5]})
    for name in events:
        forms = {norm_term(name), norm_term(name.replace("季", "天"))}  # 冬季 is also 冬天
        out["events"].append({"name": name, "mentioned": any(f and f in n.text for f in forms)})
    return out


def _events_for(day: Date | None, horizon: int = 3) -> list[str]:
    return [] if day is None else list(_event_names(day, horizon))


@lru_cache(maxsize=1024)
def _event_names(day: Date, horizon: int) -> tuple[str, ...]:
    from assistant.errors import HuatiError
    from assistant.retrieval.calendar import events_for

    try:
        return tuple(e.name for e in events_for(day, horizon_days=horizon))
    except HuatiError:  # a date the calendar cannot place: no tie-in report, never a failed check
        return ()


def check_relevance(
    text: str,
    product: Product,
    *,
    catalogue: list[Product] | None = None,
    trend: list[str] | None = None,
    date: Date | None = None,
    norm: Normalized | None = None,
) -> CheckResult:
    n = norm or normalize(text)
    if catalogue is None:
        catalogue = lexicon.catalogue()
    index = build_index(catalogue)
    target = product.id
    trends = trend or []
    day_events = _events_for(date)
    hooks = tuple(h for h in (norm_term(x) for x in [*trends, *day_events]) if len(h) >= 2)
    scores, matched, core = score_products(n, index, target=target, hooks=hooks)
    if target not in index.products:  # ad hoc or outside the given catalogue
        for twin in twins(
            product, index.products
        ):  # the same kind of thing as a catalogue entry is not a rival
            scores.pop(twin, None)
            matched.pop(twin, None)
            core.discard(twin)
        own = _own_index(product)
        s, m, c = score_products(n, own, target=target, hooks=hooks)
        scores[target] = s.get(target, 0.0)
        matched[target] = m.get(target, [])
        core |= c
        if product.ad_hoc and scores[target] < MIN_SCORE:
            grams = _name_bigrams(product)
            found = [g for g in grams if g in n.text]
            if found:
                scores[target] = max(scores[target], BIGRAM_WEIGHT * len(found))
                matched[target] = matched[target] + found
                core.add(target)
    mine = round(scores.get(target, 0.0), 3)
    # A same-kind neighbour is never evidence against: "大容量保温杯" is not less about 保温杯 because the
    # catalogue sells a 儿童保温杯. Kinds are compared by the words of their names.
    others = sorted(
        (round(v, 3), k)
        for k, v in scores.items()
        if k != target and not _same_kind(product, index.products.get(k))
    )[::-1]
    best_other, best_id = others[0] if others else (0.0, None)
    has_core = target in core
    passed = has_core and mine >= MIN_SCORE and mine - best_other >= MARGIN
    names = {**{p.id: p.name for p in catalogue}, target: product.name}
    reasons: list[str] = []
    quoted = "、".join(f"「{n.quote(*_find(n.text, t))}」" for t in matched.get(target, [])[:5])
    hook_words = [h for h in hooks if h in n.text] or [
        t for t in (x for m in _hook_hits(n, index, hooks) for x in m) if t
    ]
    if mine <= 0 and hook_words:
        reasons.append(
            f"话题只围绕今天的热点（{'、'.join(sorted(set(hook_words))[:3])}），没有落到「{product.noun}」上。"
        )
    elif mine <= 0:
        reasons.append(f"话题里没有提到和「{product.name}」相关的东西（商品名、用途或使用场景）。")
    elif passed:
        reasons.append(
            f"和「{product.name}」相关：{quoted}（得分 {mine}，领先第二名 {round(mine - best_other, 2)}）。"
        )
    elif not has_core:
        reasons.append(
            f"只提到了人物、时间、使用场景或今天的热点（{quoted}），没有提到「{product.noun}」本身或它的用途。"
        )
    elif mine < MIN_SCORE:
        reasons.append(f"和「{product.name}」的关联太弱：{quoted}（得分 {mine}，至少需要 {MIN_SCORE}）。")
    if best_id and best_other > 0 and not passed:
        other_words = "、".join(f"「{n.quote(*_find(n.text, t))}」" for t in matched.get(best_id, [])[:3])
        if has_core and mine >= MIN_SCORE:
            reasons.append(
                f"「{product.name}」得分 {mine}，但「{names[best_id]}」得分 {best_other}（{other_words}），"
                f"需要领先 {MARGIN} 以上：话题同样在聊「{names[best_id]}」。"
            )
        else:
            reasons.append(f"更像在聊「{names[best_id]}」：{other_words}（得分 {best_other}）。")
    # The tie-in report looks as far ahead as drafting does (a week): "再过5天就是大雪了" is a calendar hook.
    week_events = _events_for(date, TIE_IN_HORIZON) if date is not None else []
    link = tie_in(n, trends, week_events)
    for t in link["trends"]:
        reasons.append(f"{'结合了' if t['mentioned'] else '没有提到'}今天的热点「{t['title']}」。")
    events = [e for e in link["events"] if e["mentioned"]]
    if events:
        reasons.append(f"结合了日历节点「{'、'.join(e['name'] for e in events)}」。")
    elif week_events and not trends:
        reasons.append(f"没有提到这几天的日历节点（{'、'.join(week_events[:3])}）。")
    target_spans = [list(n.span(*_find(n.text, t))) for t in matched.get(target, [])]
    # Highlight what is wrong: when the check fails, the words that make it about another product (or none).
    spans = (
        target_spans
        if passed
        else [list(n.span(*_find(n.text, t))) for t in matched.get(best_id, [])]
        if best_id and best_other > 0
        else []
    )
    ranking = sorted(((v, k) for k, v in scores.items() if v > 0), reverse=True)[:5]
    margin = mine - best_other
    score = 0.0 if mine <= 0 else max(0.0, min(1.0, 0.5 + margin / 4)) if passed else min(0.49, mine / 4)
    return CheckResult.model_construct(  # built from checked values: no second validation
        passed=passed,
        score=round(score, 3),
        reasons=reasons,
        details={
            "target": target,
            "target_score": mine,
            "runner_up": {"product": best_id, "name": names.get(best_id), "score": best_other}
            if best_id
            else None,
            "ranking": [{"product": k, "name": names.get(k, k), "score": round(v, 3)} for v, k in ranking],
            "matched": matched.get(target, []),
            "matched_spans": target_spans,
            "spans": spans,
            "margin_rule": f"目标商品得分 ≥ {MIN_SCORE} 且领先第二名 ≥ {MARGIN}",
            "tie_in": link,
            "rewrite": None if passed else f"在话题里带上「{product.noun}」或它的使用场景",
        },
    )


def _hook_hits(n: Normalized, index: Index, hooks: tuple[str, ...]) -> list[list[str]]:
    """Catalogue terms of the topic that belong to the day's hook."""
    terms = {t for _s, _e, t, _p in index.matcher.iter(n.text)}
    return [[t for t in terms if t in h or h in t] for h in hooks]


def _same_kind(target: Product, other: Product | None) -> bool:
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
    return {clean[-n:] for n in (2, 3) if len(clean) >= n} - _STOP_BIGRAMS


def _name_bigrams(product: Product) -> list[str]:
    """Character bigrams of an ad hoc product's name: "手冲咖啡壶" still matches "手冲咖啡"."""
    name = norm_term(product.name)
    grams = {name[i : i + 2] for i in range(len(name) - 1)}
    return sorted(g for g in grams if re.fullmatch(r"[\u4e00-\u9fff]{2}", g) and g not in _STOP_BIGRAMS)


def _find(text: str, term: str) -> tuple[int, int]:
    i = text.find(term)
    return (i, i + len(term)) if i >= 0 else (0, 0)
