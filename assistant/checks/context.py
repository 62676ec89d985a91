"""Who and what a sentence is about: the context rules that decide whether a word is a claim.

A word from the compliance lexicon is a claim when it is said about what is sold. A sentence is about what is
sold when it points at the product (这款, 我们店的, 今天开团的), carries the seller's side of a message (团购价,
到货, 下单, 截单), tells of using something (用了一周, 吃了), or names the product or goods in general (品牌,
课程) — unless the name is the reader's own thing ("你家的牙膏"). A whole message that sells (a pointer or a
seller's word anywhere) makes its statements about what is sold too; its questions to the reader stay
questions. Everything else is everyday speech about the reader's life: "你手机一般充到100%才拔吗？",
"这事我百分之百支持你。".

Two more things cancel a claim: a disclaimer right before the word ("没有美白祛斑的功效", "不能代替治疗",
"别期待升值"), and a sentence that reports a claim to debunk or warn about it ("号称创领行业，其实就是普通反渗透",
"…的短信，千万别点"). The patterns live in the `context` section of `knowledge_base/compliance/lexicon.yaml`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from assistant.checks.normalize import SENTENCE_END

_CLAUSE = re.compile(r"[，,。！？!?；;：:\n]")
_NEGATORS = frozenset("不没无非别未")
_LAST: list[tuple[tuple[str, int, tuple[str, ...]], Reading]] = []
_ATTRIBUTIVE = re.compile(r"的(?!时候|时|话|人|事|那|这|是|吗|呢|了|一|，|,|。|？|\?|$)[\u4e00-\u9fff]")
_KEYS = (
    "pointer",
    "commerce",
    "goods",
    "reader",
    "question",
    "selection",
    "own",
    "negation",
    "debunk",
    "quoted",
    "usage",
    "goods_noun",
    "personal",
)


@dataclass(frozen=True)
class ContextRules:
    pointer: re.Pattern[str]
    commerce: re.Pattern[str]
    goods: re.Pattern[str]
    reader: re.Pattern[str]
    question: re.Pattern[str]
    selection: re.Pattern[str]
    own: re.Pattern[str]
    negation: re.Pattern[str]
    debunk: re.Pattern[str]
    quoted: re.Pattern[str]
    usage: re.Pattern[str]
    goods_noun: re.Pattern[str]
    personal: re.Pattern[str]


def build_rules(spec: dict[str, Any]) -> ContextRules:
    """The `context` section of lexicon.yaml; a missing pattern never matches."""
    return ContextRules(**{k: re.compile(str(spec.get(k) or "(?!)")) for k in _KEYS})


@dataclass(frozen=True)
class Sentence:
    start: int
    end: int
    pointer: bool  # points at what is sold
    commerce: bool  # the seller's side of a message
    usage: bool  # tells of using something
    asks: bool  # a question to the reader
    selection: bool  # the reader is asked to choose or rank
    debunk: bool  # a claim reported to debunk or warn about it
    copy: bool  # a statement about no one: copy about what is sold
    mentions: tuple[tuple[int, int], ...]  # the product or goods named, not as the reader's own

    @property
    def own_cues(self) -> bool:
        """Cues that a sentence is about the sale by itself, not just by naming the product. Use tells of the
        product in a statement ("用了一周牙齿白了"), of the reader's own things in a question ("穿了几年了？")."""
        return self.pointer or self.commerce or (self.usage and not self.asks)


def read(text: str, rules: ContextRules, names: tuple[str, ...]) -> Reading:
    """`Reading(text, rules, names)`, shared by the checks that read the same topic one after another."""
    key = (text, id(rules), names)
    if _LAST and _LAST[0][0] == key:
        return _LAST[0][1]
    reading = Reading(text, rules, names)
    _LAST[:] = [(key, reading)]
    return reading


class Reading:
    """The sentences of one normalised text, read for one product."""

    def __init__(self, text: str, rules: ContextRules, names: tuple[str, ...]) -> None:
        self.text = text
        self.rules = rules
        self.sentences: list[Sentence] = []
        start = 0
        for m in SENTENCE_END.finditer(text):
            if m.end() > start:
                self._add(start, m.end(), names)
            start = m.end()
        if start < len(text) or not self.sentences:
            self._add(start, len(text), names)
        self.selling = any(s.pointer or s.commerce for s in self.sentences)
        self.reported = [m.span() for m in rules.quoted.finditer(text)]

    def _add(self, a: int, b: int, names: tuple[str, ...]) -> None:
        r, s = self.rules, self.text[a:b]
        asks = bool(r.reader.search(s) and r.question.search(s))
        self.sentences.append(
            Sentence(
                start=a,
                end=b,
                pointer=bool(r.pointer.search(s)),
                commerce=bool(r.commerce.search(s)),
                usage=bool(r.usage.search(s)),
                asks=asks,
                selection=asks and bool(r.selection.search(s)),
                debunk=bool(r.debunk.search(s)),
                copy=not asks and "?" not in s and not r.personal.search(s),
                mentions=tuple(self._mentions(a, b, names)),
            )
        )

    def _mentions(self, a: int, b: int, names: tuple[str, ...]) -> list[tuple[int, int]]:
        found: list[tuple[int, int]] = []
        spans = [m.span() for m in self.rules.goods.finditer(self.text, a, b)]
        for name in names:
            i = self.text.find(name, a, b)
            while i >= 0:
                spans.append((i, i + len(name)))
                i = self.text.find(name, i + 1, b)
        for s, e in spans:
            if not self.rules.own.search(self.text[max(a, s - 5) : s]):
                found.append((s, e))
        return sorted(found)

    def at(self, pos: int) -> Sentence:
        for s in self.sentences:
            if s.start <= pos < s.end:
                return s
        return self.sentences[-1]

    def about_sale(self, pos: int) -> bool:
        """Is the sentence at `pos` about what is sold?"""
        s = self.at(pos)
        if s.own_cues or s.mentions or s.copy:
            return True
        return self.selling and not s.asks

    def is_reported(self, start: int) -> bool:
        """Inside a quotation that is named as a text message, an ad, a scam ("…"的短信)."""
        return any(a <= start < b for a, b in self.reported)

    def describes(self, end: int) -> bool:
        """The words ending near `end` qualify the product or goods: "最强的空气炸锅", "开发智力的积木",
        "最具性价比的土鸡蛋", "引领潮流的冲锋衣"."""
        s = self.at(max(0, end - 1))
        de = self.text.find("的", end, min(s.end, end + 7))
        if de < 0 or _CLAUSE.search(self.text, end, de):
            return False
        if any(de < ms <= de + 8 and not _CLAUSE.search(self.text, de, ms) for ms, _me in s.mentions):
            return True
        clause = _CLAUSE.search(self.text, de + 1)
        noun = self.rules.goods_noun.match(self.text, de + 1, clause.start() if clause else s.end)
        return noun is not None

    def attributive(self, end: int) -> bool:
        """The words before `end` qualify a noun: "促进宝宝发育的拉拉裤" (not "失眠的时候", "治疗的话")."""
        return bool(_ATTRIBUTIVE.match(self.text, end))

    def negated(self, start: int, term: str) -> bool:
        """A disclaimer right before the word, in its clause ("没有美白祛斑的功效"); never for a word that is
        itself negative (不反复, 无效退款)."""
        if term[:1] in _NEGATORS:
            return False
        head = self.text[max(0, start - 8) : start]
        cut = max((m.end() for m in _CLAUSE.finditer(head)), default=0)
        return bool(self.rules.negation.search(head[cut:]))
