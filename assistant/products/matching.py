"""Which library types a title names, and how strongly.

A Chinese product title ends with its head noun (加厚防滑儿童雨靴男女童 → 雨靴), so a library word scores by
its length and by how near it ends to the end of the title (packaging words such as 礼盒 or 券 after it do not
count). Three kinds of evidence, strongest first:
- a library word found whole in the title (雨靴, 儿童雨靴);
- a library word whose two parts are both there with other characters between them (儿童…羽绒服 for
  儿童羽绒服, 蛋黄…肉粽 for 蛋黄肉粽);
- the title's head jieba word beginning library words of one type only (自助餐 → 自助餐券): weak.
jieba's split is also a second signal: a word that cuts through one of its words (口红 inside 进口|红酒) scores
less. A title's last character alone (丑橘 → …橘) is no evidence: too many types share one.
`ranking.py` then applies the operator's category and the title's cue words.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import ahocorasick

from assistant.knowledge.files import norm_key
from assistant.products.library import TypeLibrary
from assistant.products.text import Name, clean_text, segment

HitKind = Literal["word", "split", "part"]


@dataclass(frozen=True)
class Hit:
    type_id: str
    word: str
    start: int
    end: int
    kind: HitKind
    score: float
    second: str = ""  # a split word's part found after the gap (酒 of 桂花…酒)


@dataclass(frozen=True)
class _Index:
    automaton: ahocorasick.Automaton
    firsts: dict[
        str, tuple[tuple[str, str, str], ...]
    ]  # first part of a word -> (second part, word, type id)
    longest_first: int
    words: dict[str, tuple[str, ...]]  # every library word -> type ids
    pieces: dict[str, tuple[frozenset[str], bool]]  # a 2+ character piece of words -> (type ids, begins one)


_INDEXES: dict[str, _Index] = {}


def key_of(word: str) -> str:
    return norm_key(clean_text(word))


def _index(lib: TypeLibrary) -> _Index:
    hit = _INDEXES.get(lib.digest)
    if hit is not None:
        return hit
    words: dict[str, list[str]] = {}
    for ptype in lib.types.values():
        for word in ptype.keys:
            ids = words.setdefault(key_of(word), [])
            if ptype.id not in ids:
                ids.append(ptype.id)
    automaton = ahocorasick.Automaton()
    firsts: dict[str, list[tuple[str, str, str]]] = {}
    pieces: dict[str, tuple[set[str], list[bool]]] = {}
    for key, ids in words.items():
        automaton.add_word(key, (key, tuple(ids)))
        for type_id in ids:
            for i in range(2, len(key)):
                firsts.setdefault(key[:i], []).append((key[i:], key, type_id))
        for i in range(len(key)):
            for j in range(i + 2, len(key) + 1):
                owners, begins = pieces.setdefault(key[i:j], (set(), [False]))
                owners.update(ids)
                begins[0] = begins[0] or i == 0
    automaton.make_automaton()
    index = _Index(
        automaton,
        {f: tuple(rest) for f, rest in firsts.items()},
        max((len(f) for f in firsts), default=0),
        {k: tuple(ids) for k, ids in words.items()},
        {p: (frozenset(o), b[0]) for p, (o, b) in pieces.items()},
    )
    _INDEXES.clear()  # one library at a time (tests swap knowledge bases)
    _INDEXES[lib.digest] = index
    return index


def _boundaries(tokens: list[str]) -> set[int]:
    cuts, pos = {0}, 0
    for word in tokens:
        pos += len(word)
        cuts.add(pos)
    return cuts


def _score(length: float, end: int, core_end: int, aligned: bool | None) -> float:
    tail = max(0, core_end - end)
    score = min(length, 6.0) + (2.0 if tail == 0 else 1.0 if tail <= 2 else 0.0)
    if aligned is True:
        score += 0.5
    elif aligned is False:
        score -= 0.75
    return score


def words_in(text: str, lib: TypeLibrary) -> list[tuple[int, int, str, tuple[str, ...]]]:
    """(start, end, word, type ids) of every library word inside `text` (already a key)."""
    return [(last - len(w) + 1, last + 1, w, ids) for last, (w, ids) in _index(lib).automaton.iter(text)]


def find_hits(name: Name, lib: TypeLibrary) -> list[Hit]:
    """Every word and split hit in the title (head-character hits come from `head_hits`)."""
    index = _index(lib)
    text, core_end = name.text, len(name.core)
    tokens = segment(text)
    cuts = _boundaries(tokens)
    hits: list[Hit] = []
    for start, end, word, ids in words_in(text, lib):
        if len(word) == 1 and end != core_end:
            continue  # a one-character word (醋, 藕) only counts as the head of the title
        aligned = start in cuts and end in cuts
        score = _score(len(word), end, core_end, aligned)
        if start == 0 and end >= core_end:
            score += 1.0  # the whole title is this word
        hits.extend(Hit(t, word, start, end, "word", score) for t in ids)
    found: dict[str, int] = {}  # first part -> where it first occurs
    for i in range(len(text)):
        for j in range(i + 2, min(len(text), i + index.longest_first) + 1):
            if text[i:j] in index.firsts and text[i:j] not in found:
                found[text[i:j]] = i
    for first, p in sorted(found.items(), key=lambda item: (item[1], item[0])):
        for second, word, type_id in index.firsts[first]:
            _split(hits, text, core_end, p, first, second, word, type_id)
    if not hits:
        hits = _part_hits(tokens, core_end, index)
    return hits


def _split(
    hits: list[Hit], text: str, core_end: int, p: int, first: str, second: str, word: str, type_id: str
) -> None:
    q = text.find(second, p + len(first) + 1)
    if q < 0 or (len(second) == 1 and q + 1 != core_end):
        return
    score = _score(len(word) - 1.5, q + len(second), core_end, None)
    hits.append(Hit(type_id, word, p, q + len(second), "split", score, second))


def _part_hits(tokens: list[str], core_end: int, index: _Index) -> list[Hit]:
    """The title's last jieba word (before packaging words) when it begins a library word and every library
    word containing it belongs to one type: 自助餐 → 自助餐券, 台历 → 台历相册. A word that only ends library
    words (香水 in 车载香水) names a kind of thing, not this type."""
    start = 0
    for token in tokens:
        end = start + len(token)
        if end == core_end and len(token) >= 2 and token not in index.words:
            owners = {t for word, ids in index.words.items() if token in word for t in ids}
            begins = any(word.startswith(token) for word in index.words if token in word)
            if len(owners) == 1 and begins:
                return [
                    Hit(
                        owners.pop(), token, start, end, "part", _score(len(token) - 0.5, end, core_end, None)
                    )
                ]
        start = end
    return []
