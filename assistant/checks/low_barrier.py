"""Low-barrier check: can anyone in the group answer this from their own life, in one line?

Signals and weights live in `knowledge_base/style/low_barrier.yaml`. The score starts at `base`, gains for
yes/no, either-or, show-and-tell, own-experience and own-life prompts (subject-dropped questions count:
"今天午餐吃什么？"), and loses for jargon, lecture tone, several asks at once, statements that ask nothing,
and length over `max_chars`. Fatal groups fail the topic whatever its form: quizzes and knowledge questions
(mechanisms, standards, the right value or order, health effects, which of two things is better: "304还是316
更安全？" is a quiz, not an either-or), questions about the sender, requests for information only some
people have. A call to buy (the tone check's hard sell: "需要的扣1", "接龙下单") earns no bonus and fails.
One main question may carry a light follow-up ("为什么？").
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
_SENTENCE = re.compile(r"[。！!；;，,:：]")
_PROMPT_END = re.compile(r"(吗|呢|吧|没|不|么|啥|谁|哪|几|多少|什么|怎么|如何)[!~。.]*$")

POSITIVE = {
    "yes_no": "是非题，一个字就能答",
    "either_or": "二选一，站个队就能参与",
    "share": "晒图/投票/接龙，动动手就能参与",
    "experience": "问的是群友自己的生活经历",
    "own_life": "问的是群友自己吃喝玩乐的日常（省略主语的问法也算）",
    "title": "标题式的话题，晒一晒、说一说就能参与",
}
NEGATIVE = {
    "quiz": "像考题，在考知识而不是聊经历",
    "knowledge": "问的是知识或标准（安全不安全、对健康好不好、哪个更好、正确做法），不是群友自己的经历",
    "self": "问的是我们自己（品牌、内容、产品），不是群友的生活",
    "request": "在找只有少数人知道的信息，不是人人能答的话题",
    "sell": "是在叫卖：叫卖不算互动，不加分",
    "world": "问的是外面的世界或商品本身，没有问到群友自己的生活（你/大家/你家，或省略主语的“今天吃什么”）",
    "jargon": "用了专业术语，普通群友不一定懂",
    "lecture": "像在上课讲道理",
    "multi_ask": "一次问了好几件事",
}
FATAL = ("quiz", "knowledge", "self", "request", "world")


@dataclass
class Rules:
    version: str
    base: float
    pass_at: float
    max_chars: int
    signals: dict[str, PatternSet]
    penalties: dict[str, PatternSet]
    statement_weight: float
    reader_words: re.Pattern[str]
    impersonal_knowledge: list[re.Pattern[str]]
    fatal: frozenset[str]
    follow_up: re.Pattern[str]
    own_quiz: PatternSet
    own_unless: re.Pattern[str]
    asks: re.Pattern[str]
    max_asks: int


def rules() -> Rules:
    return compiled(("style", "low_barrier.yaml"), _build)


def _build(data: dict[str, Any]) -> Rules:
    pen = dict(data.get("penalties", {}))
    statement = pen.pop("statement", {}) or {}
    pen.pop("world", None)
    impersonal = pen.pop("impersonal", {}) or {}
    own_quiz = pen.pop("own_quiz", {}) or {}
    knowledge = pen.get("knowledge") or {}
    built = Rules(
        version=str(data.get("version", "0")),
        base=float(data.get("base", 0.5)),
        pass_at=float(data.get("pass_at", 0.5)),
        max_chars=int(data.get("max_chars", 60)),
        signals={k: pattern_set(v) for k, v in data.get("signals", {}).items()},
        penalties={k: pattern_set(v) for k, v in pen.items()},
        statement_weight=float(statement.get("weight", 0.45)),
        reader_words=re.compile("|".join(impersonal.get("unless", [])) or "你"),
        impersonal_knowledge=[re.compile(p) for p in knowledge.get("impersonal", [])],
        fatal=frozenset(k for k, v in pen.items() if (v or {}).get("fatal")) | {"world"},
        follow_up=re.compile(str(data.get("follow_up") or "(?!)")),
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
    """Quiz words (为什么, 多少度) not asked about the reader's own life in their clause; a bare follow-up
    after the main question ("…是什么？为什么？") asks the same reader for their reason."""
    found = []
    for rx in r.own_quiz.regexes:
        for m in rx.finditer(t):
            clause = _clause(t, m.start())
            if r.own_unless.search(clause) or (m.start() > 0 and r.follow_up.search(clause)):
                continue
            found.append(m)
    return found


def _follow_ups(r: Rules, t: str) -> int:
    parts = [c for c in _CLAUSE.split(t) if c]
    return sum(1 for i, c in enumerate(parts) if i > 0 and r.follow_up.search(c))


def count_asks(r: Rules, t: str) -> int:
    """Separate asks: question marks, or clauses with their own question word, whichever is more; a bare
    follow-up ("为什么？") after the main question is not another ask."""
    parts = [c for c in _CLAUSE.split(t) if c]
    clauses = [c for c in parts if r.asks.search(c)]
    return max(len(_QMARK.findall(t)), len(clauses)) - _follow_ups(r, t)


def _sell(n: Normalized) -> list[dict[str, Any]]:
    """The tone check's hard-sell calls to buy ("需要的扣1", "接龙下单"), quoted from the original text."""
    from assistant.checks.tone import rules as tone_rules

    tr = tone_rules()
    spans = [(m.start(), m.end()) for rx in tr.sell_patterns for m in rx.finditer(n.text)]
    spans += [(s, e) for s, e, _t, groups in tr.matcher.iter(n.text) if "hard_sell" in groups]
    out = []
    for s, e in sorted(set(spans)):
        a, b = n.span(s, e)
        out.append({"span": [a, b], "text": n.original[a:b]})
    return out


def check_low_barrier(text: str, *, norm: Normalized | None = None) -> CheckResult:
    n = norm or normalize(text)
    r = rules()
    t = n.text
    score = r.base
    good: dict[str, list[dict[str, Any]]] = {}
    bad: dict[str, list[dict[str, Any]]] = {}
    reasons: list[str] = []
    sell = _sell(n)
    chars = set(t)
    for name, ps in r.signals.items():
        found = ps.find(t, chars)
        if found and not sell:  # a call to buy never earns a bonus
            good[name] = _quotes(n, found)
            score += ps.weight
    score = min(1.0, score)  # bonuses fill the score; penalties always show
    addressed = bool(r.reader_words.search(t))
    for name, ps in r.penalties.items():
        found = ps.find(t, chars)
        if name == "quiz":
            found += _own_quizzes(r, t)
        if name == "knowledge" and not addressed:
            found += [m for rx in r.impersonal_knowledge if (m := rx.search(t))]
        if found:
            bad[name] = _quotes(n, found)
            score -= ps.weight * (1 + 0.5 * (len(found) - 1))
    if sell:  # noted, and no bonus above; the tone check fails the call to buy itself
        bad["sell"] = sell
    questions = len(_QMARK.findall(t))
    asks = count_asks(r, t)
    extra_marks = max(0, questions - 1 - _follow_ups(r, t))
    too_many = asks > r.max_asks or (asks >= 2 and "multi_ask" in bad)
    # a hashtag-style title that names a moment or a memory ("想和自己的宠物说谢谢的瞬间") invites people to tell
    title = "title" in good and not _SENTENCE.search(t) and len(t) <= 24
    # people drop the question mark in chat: an unpunctuated line with a question word asks ("周末去哪儿玩了")
    unpunctuated_ask = asks > 0 and not _SENTENCE.search(t)
    is_prompt = (
        questions > 0
        or bool(_PROMPT_END.search(t))
        or "share" in good
        or "either_or" in good
        or title
        or unpunctuated_ask
    )
    if not is_prompt:
        score -= r.statement_weight
        reasons.append("不是问句，也不是晒图/投票邀请，群友不知道该回什么")
    own = {"experience", "own_life", "share", "title", "either_or"} & set(good)
    if (questions or unpunctuated_ask) and not addressed and not own and not sell:
        bad["world"] = [{"span": [0, len(text)], "text": text}]
        score -= 0.45
    if too_many:
        reasons.append(f"一条话题里问了 {asks} 件事，群友只想回一句：留一个问题就够了")
    elif extra_marks > 0:
        score -= 0.25 * extra_marks
        reasons.append(f"出现 {questions} 个问号，一次问了太多，群友只想回一句")
    if extra_marks > 0 or too_many:
        bad.setdefault("multi_ask", []).append({"span": [0, len(text)], "text": f"{asks} 个问题"})
    length = len(text.strip())
    if length > r.max_chars:
        score -= 0.1 * (1 + (length - r.max_chars) // 10)
        reasons.append(f"长度 {length} 字，超过 {r.max_chars} 字，群里没人读完")
    for name, quotes in bad.items():
        if name == "world":
            reasons.append(NEGATIVE[name])
            continue
        spans = "、".join(f"「{q['text']}」" for q in quotes if not q["text"].endswith("个问题"))
        if spans:
            reasons.append(f"{spans}：{NEGATIVE[name]}")
    for name, quotes in good.items():
        spans = "、".join(f"「{q['text']}」" for q in quotes[:2])
        reasons.append(f"加分 {spans}：{POSITIVE.get(name, name)}")
    score = max(0.0, min(1.0, score))
    fatal = [name for name in bad if name in r.fatal]
    passed = score >= r.pass_at and is_prompt and not fatal and not too_many
    if passed and not bad:
        reasons.insert(0, "低门槛：任何人都能凭自己的经历一句话回答。")
    return CheckResult.model_construct(  # built from checked values: no second validation
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
