"""Matching form of a topic with a map back to the original characters.

Folds traditional to simplified (OpenCC t2s), full width to half width and circled digits (NFKC),
case, and drops spaces and decorative separators, so "國家級", "全 网 最 低 价" and "第①" match the
lexicon. `index[i]` is the position in the original text of normalised character `i`.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

# Dropped before matching: whitespace, zero-width characters and decorative separators.
_DROP = frozenset(" \t\r\n\u3000\u200b\u200c\u200d\ufeff|·•*_~^`'\"-.／/\\")
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


def normalize(text: str) -> Normalized:
    chars: list[str] = []
    index: list[int] = []
    for i, ch in enumerate(text):
        if ch.isascii():
            if ch in _DROP:
                continue
            chars.append(ch.lower())
            index.append(i)
            continue
        folded = unicodedata.normalize("NFKC", ch)
        for c in folded:
            if c in _DROP:
                continue
            chars.append(c.lower())
            index.append(i)
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
