"""Low-barrier check: can anyone in the group answer this from their own life, in one line?

Signals and weights live in `knowledge_base/style/low_barrier.yaml`. The score starts at `base`, gains for
yes/no, either-or, show-and-tell and own-experience prompts, and loses for quizzes, jargon, lecture tone,
several asks at once, questions that never address the reader, statements that ask nothing, and length
over `max_chars`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from assistant.checks.lexicon import PatternSet, compiled, pattern_set
from assistant.checks.normalize import Normalized, normalize
from assistant.models import CheckResult

_QMARK = re.compile(r"\?")
_CLAUSE = re.compile(r"[?？,，、;；。!！:：]")
_PROMPT_END = re.compile(r"(吗|呢|吧|没|不|么|啥|谁|哪|几|多少|什么|怎么|如何)[!~。.]*$")

POSITIVE = {
    "yes_no": "是非题，一个字就能答",
    "either_or": "二选一，站个队就能参与",
    "share": "晒图/投票/接龙，动动手就能参与",
    "experience": "问的是群友自己的生活经历",
}
NEGATIVE = {
    "quiz": "像考题，在考知识而不是聊经历",
    "jargon": "用了专业术语，普通群友不一定懂",
    "lecture": "像在上课讲道理",
    "multi_ask": "一次问了好几件事",
}


@dataclass
class Rules:
    version: str
    base: float
    pass_at: float
    max_chars: int
    signals: dict[str, PatternSet]
    penalties: dict[str, PatternSet]
    statement_weight: float
    impersonal_weight: float
    reader_words: re.Pattern[str]
    own_quiz: PatternSet
    own_unless: re.Pattern[str]
    asks: re.Pattern[str]
    max_asks: int


def rules() -> Rules:
    return compiled(("style", "low_barrier.yaml"), _build)


def _build(data: dict[str, Any]) -> Rules:
    pen = dict(data.get("penalties", {}))
    statement = pen.pop("statement", {}) or {}
    impersonal = pen.pop("impersonal", {}) or {}
    own_quiz = pen.pop("own_quiz", {}) or {}
    built = Rules(
        version=str(data.get("version", "0")),
        base=float(data.get("base", 0.5)),
        pass_at=float(data.get("pass_at", 0.5)),
        max_chars=int(data.get("max_chars", 60)),
        signals={k: pattern_set(v) for k, v in data.get("signals", {}).items()},
        penalties={k: pattern_set(v) for k, v in pen.items()},
        statement_weight=float(statement.get("weight", 0.45)),
        impersonal_weight=float(impersonal.get("weight", 0.2)),
        reader_words=re.compile("|".join(impersonal.get("unless", [])) or "你"),
        own_quiz=pattern_set(own_quiz),
        own_unless=re.compile(str(own_quiz.get("unless") or "(?!)")),
        asks=re.compile(str(data.get("asks") or "吗|什么|哪|几|多少|怎么")),
        max_asks=int(data.get("max_asks", 2)),
    )
    return built


def _quote(n: Normalized, m: re.Match[str]) -> dict[str, Any]:
    a, b = n.span(m.start(), max(m.end(), m.start() + 1))
    return {"span": [a, b], "text": n.original[a:b]}


def _quotes(n: Normalized, found: list[re.Match[str]]) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for q in (_quote(n, m) for m in found):
        if not any(o["span"][0] <= q["span"][0] and q["span"][1] <= o["span"][1] for o in out):
            out = [o for o in out if not (q["span"][0] <= o["span"][0] and o["span"][1] <= q["span"][1])]
            out.append(q)
    return out


def _clause(t: str, pos: int) -> str:
    starts = [m.end() for m in _CLAUSE.finditer(t, 0, pos)]
    end = _CLAUSE.search(t, pos)
    return t[starts[-1] if starts else 0 : end.start() if end else len(t)]


def _own_quizzes(r: Rules, t: str) -> list[re.Match[str]]:
    """Quiz words (为什么, 多少度) not asked about the reader's own life in their clause."""
    found = []
    for rx in r.own_quiz.regexes:
        for m in rx.finditer(t):
            if not r.own_unless.search(_clause(t, m.start())):
                found.append(m)
    return found


def count_asks(r: Rules, t: str) -> int:
    """Separate asks: question marks, or clauses with their own question word, whichever is more."""
    clauses = [c for c in _CLAUSE.split(t) if c and r.asks.search(c)]
    return max(len(_QMARK.findall(t)), len(clauses))


def check_low_barrier(text: str, *, norm: Normalized | None = None) -> CheckResult:
    n = norm or normalize(text)
    r = rules()
    t = n.text
    score = r.base
    good: dict[str, list[dict[str, Any]]] = {}
    bad: dict[str, list[dict[str, Any]]] = {}
    reasons: list[str] = []
    for name, ps in r.signals.items():
        found = ps.find(t)
        if found:
            good[name] = _quotes(n, found)
            score += ps.weight
    for name, ps in r.penalties.items():
        found = ps.find(t)
        if name == "quiz":
            found += _own_quizzes(r, t)
        if found:
            bad[name] = _quotes(n, found)
            score -= ps.weight * (1 + 0.5 * (len(found) - 1))
    questions = len(_QMARK.findall(t))
    asks = count_asks(r, t)
    too_many = asks > r.max_asks or (asks >= 2 and "multi_ask" in bad)
    is_prompt = questions > 0 or bool(_PROMPT_END.search(t)) or "share" in good or "either_or" in good
    if not is_prompt:
        score -= r.statement_weight
        reasons.append("不是问句，也不是晒图/投票邀请，群友不知道该回什么")
    if is_prompt and not r.reader_words.search(t):
        score -= r.impersonal_weight
        reasons.append("问的是商品或知识本身，没有问到群友自己（你/大家/你家……）")
    if too_many:
        reasons.append(f"一条话题里问了 {asks} 件事，群友只想回一句：留一个问题就够了")
    elif questions > 1:
        score -= 0.25 * (questions - 1)
        reasons.append(f"出现 {questions} 个问号，一次问了太多，群友只想回一句")
    if questions > 1 or too_many:
        bad.setdefault("multi_ask", []).append({"span": [0, len(text)], "text": f"{asks} 个问题"})
    length = len(text.strip())
    if length > r.max_chars:
        score -= 0.1 * (1 + (length - r.max_chars) // 10)
        reasons.append(f"长度 {length} 字，超过 {r.max_chars} 字，群里没人读完")
    for name, quotes in bad.items():
        spans = "、".join(f"「{q['text']}」" for q in quotes if not q["text"].endswith("个问题"))
        if spans:
            reasons.append(f"{spans}：{NEGATIVE[name]}")
    for name, quotes in good.items():
        spans = "、".join(f"「{q['text']}」" for q in quotes[:2])
        reasons.append(f"加分 {spans}：{POSITIVE.get(name, name)}")
    score = max(0.0, min(1.0, score))
    passed = score >= r.pass_at and is_prompt and "quiz" not in bad and not too_many
    if passed and not bad:
        reasons.insert(0, "低门槛：任何人都能凭自己的经历一句话回答。")
    return CheckResult(
        passed=passed,
        score=round(score, 3),
        reasons=reasons,
        details={
            "signals": good,
            "penalties": bad,
            "spans": [q["span"] for qs in bad.values() for q in qs],
            "length": length,
            "questions": questions,
            "asks": asks,
            "rules_version": r.version,
            "rewrite": None if passed else "改成一句关于自己经历的问题，例如“你用过美白类牙膏吗？”",
        },
    )
