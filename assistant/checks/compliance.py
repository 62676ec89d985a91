"""Compliance check: absolute terms, medical / efficacy / finance claims, the product's forbidden claims.

Lexicon: `knowledge_base/compliance/lexicon.yaml` (versioned, tiered). Matching runs on the normalised
text (see `normalize.py`), then context rules decide whether a match is a claim:
- `except_after` / `except_before`: ordinary words that contain a term (第一次, 最好别).
- soft terms (最好, 首选 ...) pass inside a question that asks the reader about their own life or taste,
  unless the sentence points at the product being sold (这款, 我们家的 ...).
- efficacy words (`reader_ok`, and short product forbidden claims such as 美白) pass with a warning
  when they label a category in a question about the reader's own experience ("你用过美白类牙膏吗?"),
  and fail whenever the text asserts the product does it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from assistant.checks.claims import Category, category_for, find_outcomes, grammar, product_names
from assistant.checks.lexicon import Matcher, kb_file, load_yaml, longest_only
from assistant.checks.normalize import Normalized, normalize, sentence_bounds
from assistant.models import CheckResult, Product

_READER = re.compile(r"你|您|大家|各位|姐妹|宝妈们|家人们|邻居们|同学们|伙伴们|铲屎官|叔叔阿姨|有没有人|谁")
_QUESTION = re.compile(r"\?|吗|呢|啥|什么|哪|多少|怎么|几|没有|有没有|是不是|会不会|还是")
_EXPERIENCE = re.compile(
    r"用过|试过|买过|吃过|在用|用的|用什么|会用|有没有|的时候|期间|平时|一般|你家|你们家|以前|小时候|第一次|喜欢|爱用"
)
_ASSERT = re.compile(r"能|可以|帮你?|让|效果|功效|保证|真的|确实|立刻|马上|见效|一用|用完|用了|就会|变得?")
_DEFAULT_POINTER = "这款|我们家的|本店"
_WORDY = re.compile(r"[0-9a-z]")


@dataclass(frozen=True)
class Rule:
    id: str
    tier: str
    category: str
    basis: str
    why: str
    rewrite: str
    soft: frozenset[str] = frozenset()
    reader_ok: bool = False
    except_after: tuple[str, ...] = ()
    except_before: tuple[str, ...] = ()


@dataclass
class Lexicon:
    version: str
    rules: dict[str, Rule]
    matcher: Matcher
    outcomes: list[tuple[Rule, re.Pattern[str]]]
    pointer: re.Pattern[str]


def _rule(spec: dict[str, Any]) -> Rule:
    from assistant.checks.lexicon import norm_term

    return Rule(
        id=spec["id"],
        tier=spec.get("tier", "fail"),
        category=spec.get("category", ""),
        basis=spec.get("basis", ""),
        why=spec.get("why", ""),
        rewrite=spec.get("rewrite", ""),
        soft=frozenset(norm_term(t) for t in spec.get("soft_terms", [])),
        reader_ok=bool(spec.get("reader_ok", False)),
        except_after=tuple(norm_term(t) for t in spec.get("except_after", [])),
        except_before=tuple(norm_term(t) for t in spec.get("except_before", [])),
    )


_LEX: list[tuple[tuple[str, int], Lexicon]] = []  # one slot; read once so threads never see it half-built


def lexicon() -> Lexicon:
    path = kb_file("compliance", "lexicon.yaml")
    data = load_yaml(path)
    key = (str(path), id(data))
    current = _LEX[0] if _LEX else None
    if current is not None and current[0] == key:
        return current[1]
    rules = {spec["id"]: _rule(spec) for spec in data.get("rules", [])}
    specs = data.get("rules", [])
    matcher = Matcher.build((t, rules[s["id"]]) for s in specs for t in s.get("terms", []))
    outcomes = [(rules[s["id"]], re.compile(p)) for s in specs for p in s.get("patterns", [])]
    pointer = re.compile(str(data.get("pointer") or _DEFAULT_POINTER))
    lex = Lexicon(str(data.get("version", "0")), rules, matcher, outcomes, pointer)
    _LEX[:] = [(key, lex)]
    return lex


PRODUCT_RULE = Rule(
    id="PRODUCT-CLAIM",
    tier="fail",
    category="商品禁用宣称",
    basis="商品目录 forbidden_claims；广告法第四条、第二十八条",
    why="是这个商品明确不能说的宣称",
    rewrite="删掉这句宣称，改问群友自己的使用习惯",
)


def _category_rule(category: Category) -> Rule:
    return Rule(
        id="CATEGORY-CLAIM",
        tier="fail",
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


def _reader_question(norm: str, start: int, end: int) -> tuple[str, bool, bool]:
    """(sentence, asks the reader, sentence points at the product being sold)."""
    a, b = sentence_bounds(norm, start)
    sentence = norm[a:b]
    asks = bool(_READER.search(sentence) and _QUESTION.search(sentence))
    return sentence, asks, bool(lexicon().pointer.search(sentence))


def _ordinary(rule: Rule, norm: str, start: int, end: int) -> bool:
    after = norm[end:]
    before = norm[:start]
    if after and _WORDY.match(norm[end - 1]) and _WORDY.match(after[0]):
        return True  # 第1 in 第12, top1 in top10: another number or word
    if before and _WORDY.match(norm[start]) and norm[start].isalpha() and _WORDY.match(before[-1]):
        return True  # no1 inside "piano1"
    return any(after.startswith(x) for x in rule.except_after) or any(
        before.endswith(x) for x in rule.except_before
    )


def _finding(n: Normalized, start: int, end: int, rule: Rule, tier: str, note: str = "") -> dict[str, Any]:
    a, b = n.span(start, end)
    return {
        "span": [a, b],
        "text": n.original[a:b],
        "rule": rule.id,
        "tier": tier,
        "category": rule.category,
        "basis": rule.basis,
        "why": note or rule.why,
        "suggestion": rule.rewrite,
    }


def _classify(n: Normalized, start: int, end: int, term: str, rule: Rule, relaxable: bool) -> dict | None:
    norm = n.text
    if _ordinary(rule, norm, start, end):
        return None
    if rule.tier == "warn":
        return _finding(n, start, end, rule, "warn")
    sentence, asks, points = _reader_question(norm, start, end)
    if term in rule.soft and asks and not points:
        return _finding(
            n, start, end, rule, "warn", "出现在问群友自身感受的问句里，属于日常说法，不算广告宣称"
        )
    if (rule.reader_ok or relaxable) and asks and not points:
        rest = sentence.replace(term, "")
        if _EXPERIENCE.search(rest) and not _ASSERT.search(rest):
            note = "作为品类叫法出现在问群友自身经历的问句里，不是对商品功效的宣称；发出前再确认没有配套的功效描述"
            return _finding(n, start, end, rule, "warn", note)
    return _finding(n, start, end, rule, "fail")


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
    """Add a failing finding unless a failure already covers it; it replaces overlapping warnings."""
    a, b = found["span"]
    overlapping = [f for f in findings if f["span"][0] < b and a < f["span"][1]]
    if any(f["tier"] == "fail" for f in overlapping):
        return
    for f in overlapping:
        findings.remove(f)
    findings.append(found)


def _claims(n: Normalized, product: Product | None, category: Category | None) -> list[dict[str, Any]]:
    """Outcomes tied to the product (claims.py), one finding each."""
    text = n.text
    if not grammar().triggered(text):
        return []
    lex = lexicon()
    names = product_names(product)
    out = []
    pos = 0
    while pos < len(text):
        a, b = sentence_bounds(text, pos)
        for o in find_outcomes(text, (a, b), lex.pointer, names):
            rule = lex.rules.get(o.rule) or PRODUCT_RULE
            found = _finding(n, o.start, o.end, rule, "fail", o.label)
            if category is not None and rule.id != "MED-CLAIM":
                found["basis"] = category.basis
            out.append(found)
        pos = max(b, pos + 1)
    return out


def check_compliance(
    text: str, product: Product | None = None, *, norm: Normalized | None = None
) -> CheckResult:
    n = norm or normalize(text)
    lex = lexicon()
    category = category_for(product.category) if product is not None else None
    hits = [(s, e, t, [(r, False) for r in rs]) for s, e, t, rs in lex.matcher.iter(n.text)]
    if product is not None and product.forbidden_claims:
        pm = _claim_matcher(tuple(product.forbidden_claims), lex.version, None)
        hits += list(pm.iter(n.text))
    if category is not None and category.claims:
        cm = _claim_matcher(category.claims, lex.version, category)
        hits += list(cm.iter(n.text))
    findings: list[dict[str, Any]] = []
    seen: set[tuple[int, int]] = set()
    for start, end, term, payloads in longest_only(hits):
        for rule, relax in payloads:
            if (start, end) in seen:
                break
            found = _classify(n, start, end, term, rule, relax)
            if found is not None:
                findings.append(found)
                seen.add((start, end))
    for rule, rx in lex.outcomes:
        for m in rx.finditer(n.text):
            _add(findings, _finding(n, m.start(), m.end(), rule, "fail"))
    for found in _claims(n, product, category):
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
        reasons.append("未发现绝对化用语、医疗或功效宣称。")
    return CheckResult(
        passed=not fails,
        score=round(max(0.0, min(1.0, score)), 3),
        reasons=reasons,
        details={
            "findings": findings,
            "spans": [f["span"] for f in fails],
            "rule_ids": sorted({f["rule"] for f in findings}),
            "rewrite": _rewrite(text, findings),
            "lexicon_version": lex.version,
            "product_category": category.name if category is not None else None,
        },
    )
