"""Relevance: does the topic reach the product? Judged against the product profile, by words and by meaning.

Evidence, strongest first:
1. **Names** (`catalogue_terms.py`, contrastive against the catalogue): the product's name, aliases, subject and
   keywords, and the profile's everyday noun and library-type words (`profile_terms.py`). The target must lead
   every other catalogue product by a margin; a same-kind neighbour (儿童保温杯 for 大容量保温杯) is never
   evidence against it.
2. **Meaning** (`semantic.py`, the offline embedding of the topic's words): a word of the topic close in meaning
   to the product's names and kind, and closer to it than to almost every other type of the product library —
   the usage scene counts ("你喜欢听什么歌手的歌？" for earphones, "晚上给娃讲故事" for picture books). Words of the
   day's hook, generic who/when words (宝宝、冬天、早餐) and the product's alternatives (暖气 for an electric
   blanket) are left out first: on-trend-but-off-product does not count, nor does a topic about what people use
   instead.
Against: another catalogue product named in the question; then meaning is not asked.
**Fit** (`fit.py`): a topic that reaches the product in a shape that does not suit it (晒一晒 a service,
restocking a durable, 用着顺手 for a course) fails relevance with a `fit` finding.
The tie-in to the day's trend or calendar event is reported, not required (`hooks.py`).
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date as Date
from typing import Any

from assistant.checks import lexicon, scenes
from assistant.checks.catalogue_terms import (
    BIGRAM_WEIGHT,
    MARGIN,
    MIN_SCORE,
    NAME_WEIGHT,
    build_index,
    find,
    hook_hits,
    name_bigrams,
    own_index,
    same_kind,
    score_products,
    words,
)
from assistant.checks.fit import fit_findings
from assistant.checks.hooks import TIE_IN_HORIZON, events_for, tie_in
from assistant.checks.lexicon import norm_term
from assistant.checks.normalize import Normalized, normalize
from assistant.checks.profile_terms import ProductTerms, terms_for
from assistant.checks.semantic import NONE, Semantic, evidence, words_of
from assistant.models import CheckResult, Product

SEM_MIN = 0.45  # a word of the topic at least this close to one of the product's words …
SEM_RANK = 20  # … and closer to it than to all but this many other library types
SCENE_MIN = 0.55  # a word of the type's usage scenes is weaker evidence than a name: it must be closer …
SCENE_RANK = 2  # … and closer to this type's scenes than to all but this many other types' scenes


def _spans_of(text: str, terms: tuple[str, ...] | list[str] | frozenset[str]) -> list[tuple[int, int]]:
    out = []
    for term in terms:
        i = text.find(term) if len(term) >= 2 else -1
        while i >= 0:
            out.append((i, i + len(term)))
            i = text.find(term, i + 1)
    return out


def _close(sem: Semantic, floor: float) -> bool:
    return sem.sim >= floor and sem.rank <= SEM_RANK


def _meaning(
    n: Normalized, product: Product, terms: ProductTerms, hooks: tuple[str, ...], blocked: list[str]
) -> Semantic:
    rules = words()
    masked = _spans_of(n.text, [*hooks, *rules.generic, *terms.alternatives, *blocked])
    found = words_of(n.text, masked, rules.stop)
    if not found:
        return NONE
    # The product's names and kind first (not the catalogue's keywords, which say what it is like — 酸甜, 吵闹 —
    # as often as what it is); then the words of its type's usage scenes, which must come closer.
    by_name = evidence(found, terms.names, terms.type_id)
    if _close(by_name, SEM_MIN) or not terms.scenes:
        return by_name
    by_scene = evidence(found, terms.scenes, terms.type_id)
    if by_scene.word is None or by_scene.sim < SCENE_MIN:
        return by_name
    # closer to this type's scenes than to almost every other type's
    by_scene = replace(by_scene, rank=scenes.rank(by_scene.word.text, by_scene.sim, terms.type_id))
    return by_scene if by_scene.rank <= SCENE_RANK else by_name


def _neighbour(product: Product, terms: ProductTerms, other: Product | None) -> bool:
    """A product of the target's own kind (by the words of their names, or the library type of their
    profiles): never evidence against it."""
    if other is None:
        return False
    if same_kind(product, other):
        return True
    theirs = terms_for(other)
    if terms.type_id is not None and theirs.type_id == terms.type_id:
        return True
    return len(terms.noun) >= 2 and theirs.noun == terms.noun


def _fill(terms: ProductTerms) -> dict[str, str]:
    p = terms.profile
    return {
        "noun": terms.noun,
        "verb": p.verb or "用",
        "unit": p.unit or "个",
        "scene": p.scenes[0] if p.scenes else "平时用它的时候",
        "pain": p.pains[0] if p.pains else "用的时候遇到的小麻烦",
    }


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
    day_events = events_for(date)
    hooks = tuple(h for h in (norm_term(x) for x in [*trends, *day_events]) if len(h) >= 2)
    scores, matched, core = score_products(n, index, target=target, hooks=hooks)
    if target not in index.products:  # ad hoc or outside the given catalogue
        s, m, c = score_products(n, own_index(product), target=target, hooks=hooks)
        scores[target] = s.get(target, 0.0)
        matched[target] = m.get(target, [])
        core |= c
        if product.ad_hoc and scores[target] < MIN_SCORE:
            found = [g for g in name_bigrams(product) if g in n.text]
            if found:
                scores[target] = max(scores[target], BIGRAM_WEIGHT * len(found))
                matched[target] = matched[target] + found
                core.add(target)
    terms = terms_for(product)
    own = matched.get(target, [])
    # The profile's words (the type's name and aliases, the everyday noun) name the product too.
    extra = [
        t
        for t in terms.names
        if t in n.text and not any(t in h for h in hooks) and not any(t in o or o in t for o in own)
    ]
    for t in extra:
        if not any(t in e for e in extra if e != t):
            scores[target] = scores.get(target, 0.0) + NAME_WEIGHT
            matched[target] = [*matched.get(target, []), t]
            core.add(target)
    # A catalogue product of the same kind (少儿英语绘本 for an ad hoc 儿童绘本套装) is never evidence against the
    # target, and what names its use names the target's too (讲故事).
    kin = [k for k in scores if k != target and _neighbour(product, terms, index.products.get(k))]
    # Nor is a product matched only by words of the target's own names (酸奶 for 酸奶饮品, 充电 for 充电器).
    own_words = (*terms.names, norm_term(product.name))
    kin += [
        k
        for k, ts in matched.items()
        if k != target and k not in kin and ts and all(any(t in w for w in own_words) for t in ts)
    ]
    for k in sorted(kin, key=lambda k: -scores[k])[:1]:
        if k in core and scores[k] > scores.get(target, 0.0):
            scores[target] = scores[k]
            matched[target] = list(dict.fromkeys([*matched.get(target, []), *matched.get(k, [])]))
            core.add(target)
    mine = round(scores.get(target, 0.0), 3)
    others = sorted((round(v, 3), k) for k, v in scores.items() if k != target and k not in kin)[::-1]
    best_other, best_id = others[0] if others else (0.0, None)
    has_core = target in core
    named = has_core and mine >= MIN_SCORE and mine - best_other >= MARGIN
    other_named = not named and best_id is not None and best_id in core and best_other >= MIN_SCORE
    sem = NONE
    if not named and not other_named:
        blocked = [t for k, ts in matched.items() if k != target and k not in kin for t in ts]
        sem = _meaning(n, product, terms, hooks, blocked)
    by_scene = sem.ref in terms.scenes
    meaning = not named and not other_named and _close(sem, SCENE_MIN if by_scene else SEM_MIN)
    if by_scene and sem.rank > SCENE_RANK:
        meaning = False
    about = named or meaning
    fits = fit_findings(n, terms.names, terms.nature, _fill(terms)) if about else []
    passed = about and not fits
    names = {**{p.id: p.name for p in catalogue}, target: product.name}
    reasons = _reasons(
        n,
        product,
        terms,
        matched,
        hooks,
        index,
        (mine, best_other, best_id, has_core),
        names,
        sem,
        (named, meaning),
    )
    reasons[:0] = [f"{f['reason']}{f['suggestion']}" for f in fits]
    # The tie-in report looks as far ahead as drafting does (a week): "再过5天就是大雪了" is a calendar hook.
    week_events = events_for(date, TIE_IN_HORIZON) if date is not None else []
    link = tie_in(n, trends, week_events)
    for t in link["trends"]:
        reasons.append(f"{'结合了' if t['mentioned'] else '没有提到'}今天的热点「{t['title']}」。")
    events = [e for e in link["events"] if e["mentioned"]]
    if events:
        reasons.append(f"结合了日历节点「{'、'.join(e['name'] for e in events)}」。")
    elif week_events and not trends:
        reasons.append(f"没有提到这几天的日历节点（{'、'.join(week_events[:3])}）。")
    target_spans = [list(n.span(*find(n.text, t))) for t in matched.get(target, [])]
    if meaning and sem.word is not None:
        target_spans.append(list(n.span(sem.word.start, sem.word.end)))
    # Highlight what is wrong: a shape that does not fit, the words that make it about another product, or none.
    if fits:
        spans = [f["span"] for f in fits]
    elif passed:
        spans = target_spans
    elif best_id and best_other > 0:
        spans = [list(n.span(*find(n.text, t))) for t in matched.get(best_id, [])]
    else:
        spans = []
    ranking = sorted(((v, k) for k, v in scores.items() if v > 0), reverse=True)[:5]
    margin = mine - best_other
    if named:
        score = max(0.0, min(1.0, 0.5 + margin / 4))
    elif meaning:
        score = 0.5 + min(0.3, sem.sim - SEM_MIN)
    else:
        score = 0.0 if mine <= 0 and sem.sim <= 0 else min(0.49, max(mine / 4, sem.sim / 2))
    if fits:
        score = min(score, 0.3)
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
            "rewrite": fits[0]["suggestion"]
            if fits
            else None
            if passed
            else f"在话题里带上「{terms.noun}」或它的使用场景",
            "basis": "name" if named else "meaning" if meaning else None,
            "about": about,
            "semantic": _semantic_details(n, sem),
            "meaning_rule": f"话题里有词和商品的意思相近（相似度 ≥ {SEM_MIN}），且在品类库里排进前 {SEM_RANK + 1}",
            "fit": fits,
            "profile": {
                "noun": terms.noun,
                "type": terms.profile.type_name or None,
                "nature": terms.nature,
                "basis": terms.profile.basis,
            },
        },
    )


def _semantic_details(n: Normalized, sem: Semantic) -> dict[str, Any] | None:
    if sem.word is None:
        return None
    return {
        "word": sem.word.text,
        "span": list(n.span(sem.word.start, sem.word.end)),
        "close_to": sem.ref,
        "similarity": sem.sim,
        "rank": sem.rank,
        "nearest_type": sem.top_type,
    }


def _reasons(
    n: Normalized,
    product: Product,
    terms: ProductTerms,
    matched: dict[str, list[str]],
    hooks: tuple[str, ...],
    index: Any,
    scored: tuple[float, float, str | None, bool],
    names: dict[str, str],
    sem: Semantic,
    verdict: tuple[bool, bool],
) -> list[str]:
    mine, best_other, best_id, has_core = scored
    named, meaning = verdict
    target = product.id
    reasons: list[str] = []
    quoted = "、".join(f"「{n.quote(*find(n.text, t))}」" for t in matched.get(target, [])[:5])
    hook_words = [h for h in hooks if h in n.text] or [
        t for t in (x for m in hook_hits(n, index, hooks) for x in m) if t
    ]
    word = n.quote(sem.word.start, sem.word.end) if sem.word is not None else ""
    if named:
        reasons.append(
            f"和「{product.name}」相关：{quoted}（得分 {mine}，领先第二名 {round(mine - best_other, 2)}）。"
        )
    elif meaning:
        reasons.append(
            f"和「{product.name}」相关：话题里的「{word}」说的是「{terms.noun}」的用途或使用场景"
            f"（和「{sem.ref}」意思相近，相似度 {sem.sim:.2f}）。"
        )
    elif mine <= 0 and hook_words:
        reasons.append(
            f"话题只围绕今天的热点（{'、'.join(sorted(set(hook_words))[:3])}），没有落到「{terms.noun}」上。"
        )
    elif mine <= 0:
        reasons.append(f"话题里没有提到和「{product.name}」相关的东西（商品名、用途或使用场景）。")
    elif not has_core:
        reasons.append(
            f"只提到了人物、时间、使用场景或今天的热点（{quoted}），没有提到「{terms.noun}」本身或它的用途。"
        )
    elif mine < MIN_SCORE:
        reasons.append(f"和「{product.name}」的关联太弱：{quoted}（得分 {mine}，至少需要 {MIN_SCORE}）。")
    if named or meaning:
        return reasons
    if sem.word is not None and sem.sim >= SEM_MIN and sem.top_type:
        reasons.append(f"话题里的「{word}」更像在说「{sem.top_type}」这类东西，离「{terms.noun}」较远。")
    if best_id and best_other > 0:
        other_words = "、".join(f"「{n.quote(*find(n.text, t))}」" for t in matched.get(best_id, [])[:3])
        if has_core and mine >= MIN_SCORE:
            reasons.append(
                f"「{product.name}」得分 {mine}，但「{names[best_id]}」得分 {best_other}（{other_words}），"
                f"需要领先 {MARGIN} 以上：话题同样在聊「{names[best_id]}」。"
            )
        else:
            reasons.append(f"更像在聊「{names[best_id]}」：{other_words}（得分 {best_other}）。")
    return reasons
