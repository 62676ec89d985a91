"""Matching form of a topic with a map back to the original characters.

Folds traditional to simplified (OpenCC t2s), full width to half width and circled digits (NFKC),
case, and drops what people insert to dodge a word list: spaces, zero-width and other format characters,
emoji and symbols, and decorative separators. So "國家級", "全 网 最 低 价", "第①", "史\u200b上最低价",
"国🔥家免检" and "神/效" all match the lexicon. `index[i]` is the position in the original text of
normalised character `i`.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

# Dropped before matching: whitespace, zero-width characters and decorative separators; and every character
# of the Unicode categories below (emoji and other symbols, math signs such as ~ and +, format characters
# such as U+200B, combining marks such as the emoji variation selector).
_DROP = frozenset(" \t\r\n\u3000\u200b\u200c\u200d\ufeff|·•*_~^`'\"-.／/\\※")
_DROP_CATEGORIES = frozenset({"So", "Sk", "Sm", "Cf", "Mn", "Me"})
_DROP_ASCII = frozenset(c for c in _DROP if c.isascii()) | frozenset("+<>=")
SENTENCE_END = re.compile(r"[。！？!?；;\n]")


@lru_cache(maxsize=1)
def _t2s():
    import opencc

    return opencc.OpenCC("t2s")


@dataclass(frozen=True, slots=True)
class Normalized:
    original: str
    text: str
    index: tuple[int, ...]

    def span(self, start: int, end: int) -> tuple[int, int]:
        """Original [start, end) of normalised [start, end)."""
        if not self.index:
            return 0, 0
        a = self.index[min(start, len(self.index) - 1)]
        b = self.index[min(end, len(self.index)) - 1] + 1
        return a, b

    def quote(self, start: int, end: int) -> str:
        a, b = self.span(start, end)
        return self.original[a:b]


_FOLD: dict[str, str] = {}  # character -> its matching form ("" when dropped); filled as characters are seen


def _fold(ch: str) -> str:
    if ch.isascii():
        return "" if ch in _DROP_ASCII else ch.lower()
    if unicodedata.category(ch) in _DROP_CATEGORIES:
        return ""
    out = []
    for c in unicodedata.normalize("NFKC", ch):
        if c in _DROP_ASCII if c.isascii() else (c in _DROP or unicodedata.category(c) in _DROP_CATEGORIES):
            continue
        out.append(c.lower())
    return "".join(out)


def normalize(text: str) -> Normalized:
    chars: list[str] = []
    index: list[int] = []
    fold = _FOLD
    for i, ch in enumerate(text):
        f = fold.get(ch)
        if f is None:
            f = _fold(ch)
            if len(fold) < 100_000:
                fold[ch] = f
        if not f:
            continue
        if len(f) == 1:
            chars.append(f)
            index.append(i)
        else:
            chars.extend(f)
            index.extend([i] * len(f))
    joined = "".join(chars)
    converted = _t2s().convert(joined)
    if len(converted) != len(joined):  # phrase-level conversion changed the length: go char by char
        converted = "".join(_t2s().convert(c) or c for c in joined)
        if len(converted) != len(joined):
            converted = joined
    return Normalized(text, converted, tuple(index))


def sentence_bounds(text: str, pos: int) -> tuple[int, int]:
    """[start, end) of the sentence of `text` around `pos`; the end includes its punctuation."""
    start = 0
    for m in SENTENCE_END.finditer(text, 0, pos):
        start = m.end()
    after = SENTENCE_END.search(text, pos)
    end = after.end() if after else len(text)
    return start, end
