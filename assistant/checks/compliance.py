"""Compliance check, organised by the groups of the Advertising Law and its enforcement practice.

Lexicon: `knowledge_base/compliance/lexicon.yaml` (versioned; one rule per group: absolute terms, state and
authority names, medical and efficacy claims, superstition, inducement and prizes, endorsements and awards,
guarantees, returns and collecting, education promises, misleading origin, status words). Every rule has
words and grammar patterns; the product's own `forbidden_claims` and its category's claims
(`categories.py`) join them, and the claim grammar (`claims.py`) finds outcomes tied to the product.

Matching runs on the normalised text (`normalize.py`: traditional, full width, inserted spaces, zero-width
characters, emoji and symbols), then context (`context.py`) decides whether a match is a claim:
- ordinary words that contain a term (第一次, 100%纯棉, 充到100%) are not matches at all;
- a disclaimer ("没有美白的功效") or a debunked report ("号称…其实…") cancels it;
- superlatives and ranks in a question that asks the reader (你觉得哪款最好用？) are the reader's own words
  (a warning), unless the text points at what is sold or the word describes the product (最强的空气炸锅);
- efficacy words as a category label in a question about the reader's own experience ("你用过美白类牙膏吗？")
  are a warning; said of the product, they fail;
- otherwise a match is a claim when its rule's scope is `any`, or its sentence is about what is sold.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from assistant.checks.categories import Category, product_category
from assistant.checks.claims import find_outcomes, grammar, product_terms
from assistant.checks.context import ContextRules, Reading, build_rules, read
from assistant.checks.lexicon import Matcher, compiled, longest_only, norm_term
from assistant.checks.normalize import Normalized, normalize, sentence_bounds
from assistant.checks.prefilter import may_match, required_chars
from assistant.models import CheckResult, Product

_EXPERIENCE = re.compile(
    r"用过|试过|买过|吃过|在用|用的|用什么|会用|有没有|的时候|期间|平时|一般|你家|你们家|以前|小时候|第一次|喜欢|爱用"
)
_ASSERT = re.compile(r"能|可以|帮你?|让|效果|功效|保证|真的|确实|立刻|马上|见效|一用|用完|用了|就会|变得?")
_WORDY = re.compile(r"[0-9a-z]")
EFFICACY = "医疗与功效宣称"


@dataclass(frozen=True)
class Rule:
    id: str
    group: str
    tier: str
    scope: str
    category: str
    basis: str
    why: str
    rewrite: str
    soft: frozenset[str] = frozenset()
    strong: frozenset[str] = frozenset()  # terms whose scope is `any` even when the rule's is `sale`
    soft_grammar: bool = False
    reader_ok: bool = False
    except_after: tuple[str, ...] = ()
    except_before: tuple[str, ...] = ()


@dataclass
class Lexicon:
    version: str
    rules: dict[str, Rule]
    matcher: Matcher
    patterns: list[tuple[Rule, re.Pattern[str]]]
    context: ContextRules
    by_char: dict[str, tuple[int, ...]]  # character -> the patterns that need it (prefilter.required_chars)
    always: tuple[int, ...]  # patterns whose needed characters cannot be told

    def candidates(self, text: str) -> list[tuple[Rule, re.Pattern[str]]]:
        """The grammar patterns that could match `text`, in rule order: most topics leave out most of them."""
        found = set(self.always)
        for ch in set(text):
            found.update(self.by_char.get(ch, ()))
        return [self.patterns[i] for i in sorted(found)]

    @property
    def pointer(self) -> re.Pattern[str]:
        return self.context.pointer


def _rule(spec: dict[str, Any]) -> Rule:
    soft = [str(t) for t in spec.get("soft_terms", [])]
    return Rule(
        id=spec["id"],
        group=spec.get("group", spec.get("category", "")),
        tier=spec.get("tier", "fail"),
        scope=spec.get("scope", "sale"),
        category=spec.get("category", ""),
        basis=spec.get("basis", ""),
        why=spec.get("why", ""),
        rewrite=spec.get("rewrite", ""),
        soft=frozenset(norm_term(t) for t in soft),
        strong=frozenset(norm_term(str(t)) for t in spec.get("any_terms", [])),
        soft_grammar=spec["id"] == "ABS-SUPERLATIVE" or bool(spec.get("soft_grammar")),
        reader_ok=bool(spec.get("reader_ok", False)),
        except_after=tuple(norm_term(t) for t in spec.get("except_after", [])),
        except_before=tuple(norm_term(t) for t in spec.get("except_before", [])),
    )


def lexicon() -> Lexicon:
    return compiled(("compliance", "lexicon.yaml"), _build)


def _build(data: dict[str, Any]) -> Lexicon:
    specs = data.get("rules", [])
    rules = {spec["id"]: _rule(spec) for spec in specs}
    matcher = Matcher.build((t, rules[s["id"]]) for s in specs for t in s.get("terms", []))
    patterns = [(rules[s["id"]], re.compile(p)) for s in specs for p in s.get("patterns", [])]
    context = build_rules(data.get("context") or {})
    by_char: dict[str, list[int]] = {}
    always = []
    for i, (_owner, rx) in enumerate(patterns):
        need = required_chars(rx.pattern)
        if need is None:
            always.append(i)
        for ch in need or ():
            by_char.setdefault(ch, []).append(i)
    lex = Lexicon(
        str(data.get("version", "0")),
        rules,
        matcher,
        patterns,
        context,
        {ch: tuple(ids) for ch, ids in by_char.items()},
        tuple(always),
    )
    return lex


PRODUCT_RULE = Rule(
    id="PRODUCT-CLAIM",
    group=EFFICACY,
    tier="fail",
    scope="sale",
    category="商品禁用宣称",
    basis="商品目录 forbidden_claims；广告法第四条、第二十八条",
    why="是这个商品明确不能说的宣称",
    rewrite="删掉这句宣称，改问群友自己的使用习惯",
)


def _category_rule(category: Category) -> Rule:
    return Rule(
        id="CATEGORY-CLAIM",
        group=EFFICACY,
        tier="fail",
        scope="sale",
        category=f"品类禁用宣称（{category.kind}）",
        basis=category.basis,
        why=f"「{category.name}」类商品不能做这类宣称",
        rewrite="删掉这句宣称，改问群友自己的使用习惯或经历",
    )


@lru_cache(maxsize=256)
def _claim_matcher(claims: tuple[str, ...], lex_version: str, category: Category | None) -> Matcher:
    """Product and category claims; short ones without a medical/absolute term inside are relaxable."""
    lex = lexicon()
    items = []
    rule = _category_rule(category) if category is not None else PRODUCT_RULE
    for claim in claims:
        strict_hits = [
            r for _s, _e, _t, rs in lex.matcher.iter(normalize(claim).text) for r in rs if not r.reader_ok
        ]
        relaxable = not strict_hits and len(claim) <= 4
        items.append((claim, (rule, relaxable)))
    return Matcher.build(items)


def _ordinary(rule: Rule, norm: str, start: int, end: int, grammar: bool = False) -> bool:
    after = norm[end:]
    before = norm[:start]
    if after and _WORDY.match(norm[end - 1]) and _WORDY.match(after[0]):
        return True  # 第1 in 第12, top1 in top10: another number or word
    if before and _WORDY.match(norm[start]) and norm[start].isalpha() and _WORDY.match(before[-1]):
        return True  # no1 inside "piano1"
    if grammar:  # a pattern says its own context
        return False
    return any(after.startswith(x) for x in rule.except_after) or any(
        before.endswith(x) for x in rule.except_before
    )


def _finding(n: Normalized, start: int, end: int, rule: Rule, tier: str, note: str = "") -> dict[str, Any]:
    a, b = n.span(start, end)
    return {
        "span": [a, b],
        "text": n.original[a:b],
        "rule": rule.id,
        "group": rule.group,
        "tier": tier,
        "category": rule.category,
        "basis": rule.basis,
        "why": note or rule.why,
        "suggestion": rule.rewrite,
    }


@dataclass(frozen=True)
class Match:
    start: int
    end: int
    term: str
    rule: Rule
    relaxable: bool = False
    grammar: bool = False  # found by a pattern, not a listed word


def _classify(n: Normalized, reading: Reading, m: Match) -> dict | None:
    """A finding for one match, or None when the context makes it ordinary speech."""
    rule, start, end, term = m.rule, m.start, m.end, m.term
    if _ordinary(rule, n.text, start, end, m.grammar):
        return None
    s = reading.at(start)
    if s.debunk or reading.is_reported(start) or reading.negated(start, term):
        return None
    if rule.tier == "warn":
        return _finding(n, start, end, rule, "warn")
    own_words = s.asks and not s.own_cues and not reading.describes(end)
    soft = term in rule.soft or (m.grammar and rule.soft_grammar)
    if soft and s.asks and not s.own_cues and (s.selection or not reading.describes(end)):
        note = "出现在问群友自身感受的问句里，属于日常说法，不算广告宣称"
        return _finding(n, start, end, rule, "warn", note)
    if (rule.reader_ok or m.relaxable) and own_words:
        a, b = sentence_bounds(n.text, start)
        rest = n.text[a:b].replace(term, "")
        if _EXPERIENCE.search(rest) and not _ASSERT.search(rest):
            note = "作为品类叫法出现在问群友自身经历的问句里，不是对商品功效的宣称；发出前再确认没有配套的功效描述"
            return _finding(n, start, end, rule, "warn", note)
    strict = rule.group == EFFICACY and not (soft or rule.reader_ok or m.relaxable)
    if rule.scope == "any" or term in rule.strong or reading.about_sale(start) or reading.describes(end):
        return _finding(n, start, end, rule, "fail")
    if strict and reading.attributive(end):  # a claim that qualifies goods: "促进宝宝发育的拉拉裤"
        return _finding(n, start, end, rule, "fail")
    return None


def _rewrite(text: str, findings: list[dict[str, Any]]) -> str | None:
    """Text with absolute terms removed; None when a claim needs a human rewrite."""
    fails = [f for f in findings if f["tier"] == "fail"]
    if not fails or any(not f["rule"].startswith("ABS") for f in fails):
        return None
    out = text
    for f in sorted(fails, key=lambda f: f["span"][0], reverse=True):
        a, b = f["span"]
        out = out[:a] + out[b:]
    return out.strip() or None


def _add(findings: list[dict[str, Any]], found: dict[str, Any]) -> None:
    """Add a finding unless one already covers it; a failure replaces overlapping warnings."""
    a, b = found["span"]
    overlapping = [f for f in findings if f["span"][0] < b and a < f["span"][1]]
    if any(f["tier"] == "fail" for f in overlapping) or (found["tier"] == "warn" and overlapping):
        return
    for f in overlapping:
        findings.remove(f)
    findings.append(found)


def _claims(n: Normalized, reading: Reading, names: tuple[str, ...], category: Category | None) -> list[dict]:
    """Outcomes tied to the product (claims.py), one finding each."""
    text = n.text
    if not grammar().triggered(text):
        return []
    lex = lexicon()
    out = []
    for s in reading.sentences:
        if s.debunk:
            continue
        for o in find_outcomes(text, (s.start, s.end), lex.pointer, names, selling=s.commerce or s.copy):
            if reading.negated(o.start, text[o.start : o.end]):
                continue
            rule = lex.rules.get(o.rule) or PRODUCT_RULE
            found = _finding(n, o.start, o.end, rule, "fail", o.label)
            if category is not None and rule.id != "MED-CLAIM":
                found["basis"] = category.basis
            out.append(found)
    return out


def _matches(text: str, product: Product | None, category: Category | None) -> list[Match]:
    lex = lexicon()
    hits: list[tuple[int, int, str, list[Any]]] = [
        (s, e, t, [(r, False) for r in rs]) for s, e, t, rs in lex.matcher.iter(text)
    ]
    if product is not None and product.forbidden_claims:
        hits += list(_claim_matcher(tuple(product.forbidden_claims), lex.version, None).iter(text))
    if category is not None and category.claims:
        hits += list(_claim_matcher(category.claims, lex.version, category).iter(text))
    out = [
        Match(s, e, t, rule, relax) for s, e, t, payloads in longest_only(hits) for rule, relax in payloads
    ]
    out.sort(key=lambda m: m.start)
    words = [(m.start, m.end) for m in out]
    grammar_rules = lex.candidates(text)
    if category is not None:
        chars = set(text)
        grammar_rules += [(_category_rule(category), rx) for rx in category.patterns if may_match(rx, chars)]
    for rule, rx in grammar_rules:
        for found in rx.finditer(text):
            a, b = found.span()
            if b > a and not any(s <= a and b <= e for s, e in words):
                out.append(Match(a, b, found.group(0), rule, grammar=True))
    return out


def check_compliance(
    text: str, product: Product | None = None, *, norm: Normalized | None = None
) -> CheckResult:
    n = norm or normalize(text)
    lex = lexicon()
    category = product_category(product)
    names = product_terms(product)
    reading = read(n.text, lex.context, names)
    findings: list[dict[str, Any]] = []
    for m in _matches(n.text, product, category):  # words by position, then grammar in rule order
        found = _classify(n, reading, m)
        if found is not None:
            _add(findings, found)
    for found in _claims(n, reading, names, category):
        _add(findings, found)
    findings.sort(key=lambda f: f["span"][0])
    fails = [f for f in findings if f["tier"] == "fail"]
    warns = [f for f in findings if f["tier"] == "warn"]
    score = 1.0 - (0.6 + 0.1 * (len(fails) - 1) if fails else 0.0) - 0.05 * len(warns)
    reasons = []
    for f in findings:
        label = "违规" if f["tier"] == "fail" else "提醒"
        reasons.append(
            f"{label}：「{f['text']}」{f['why']}（{f['category']}；{f['basis']}）。建议：{f['suggestion']}"
        )
    if not findings:
        reasons.append("未发现绝对化用语、医疗或功效宣称、诱导、背书、迷信或收益承诺。")
    return CheckResult.model_construct(  # built from checked values: no second validation
        passed=not fails,
        score=round(max(0.0, min(1.0, score)), 3),
        reasons=reasons,
        details={
            "findings": findings,
            "spans": [f["span"] for f in fails],
            "rule_ids": sorted({f["rule"] for f in findings}),
            "groups": sorted({f["group"] for f in fails}),
            "rewrite": _rewrite(text, findings),
            "lexicon_version": lex.version,
            "product_category": category.name if category is not None else None,
        },
    )
