"""The selling-point lexicon (`knowledge_base/selling_points.yaml`): a seller's phrase (防滑, 现摘现发 …) mapped
to the everyday pain it answers, the moment that pain shows up, and a question anyone can answer.

`match_points(points)` reads the points an operator typed; `points_in_name(name)` finds lexicon phrases inside
a product title (加绒加厚防滑雪地靴 → 加绒, 加厚, 防滑).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import ahocorasick
from pydantic import BaseModel, ConfigDict, Field

from assistant.knowledge.files import cached, kb_dir, norm_key
from assistant.products.text import clean_text
from assistant.products.vocab import Nature
from assistant.products.yamlfile import fail, node_line, validated
from assistant.settings import Settings

LEXICON_FILE = "selling_points.yaml"


class SellingPoint(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    phrase: str = Field(min_length=1)
    aliases: list[str] = []
    pain: str = Field(min_length=1, description="the everyday annoyance it answers")
    moment: str = Field(min_length=1, description="when that annoyance shows up")
    ask: str = Field(min_length=1, description="a question anyone answers from their own life")
    natures: list[Nature] = []


class _LexiconFile(BaseModel):
    model_config = ConfigDict(extra="forbid")

    version: str
    points: list[SellingPoint] = Field(min_length=1)


PointSource = Literal["given", "name", "catalogue"]


class PointMatch(BaseModel):
    """One selling point and the lexicon entry it contains (None when the lexicon has no phrase for it)."""

    point: str
    entry: SellingPoint | None = None
    matched: str = Field("", description="the phrase or alias found inside the point")
    source: PointSource = "given"


@dataclass(frozen=True)
class Lexicon:
    version: str
    points: tuple[SellingPoint, ...]
    words: tuple[tuple[str, SellingPoint], ...]  # (normalised phrase or alias, entry), longest first
    automaton: Any = field(repr=False, default=None)  # word -> (its rank in `words`, word)

    def found_in(self, text: str) -> list[tuple[int, int, str, SellingPoint]]:
        """(rank, start, word, entry) of each lexicon word's first occurrence in `text`, best rank first."""
        first: dict[str, tuple[int, int]] = {}
        for last, (rank, word) in self.automaton.iter(text):
            first.setdefault(word, (rank, last - len(word) + 1))
        return sorted((rank, start, word, self.words[rank][1]) for word, (rank, start) in first.items())


def _build(files: list[Path]) -> Lexicon:
    if not files:
        raise fail(Path("knowledge_base") / LEXICON_FILE, 1, "文件不存在")
    path = files[0]
    lexicon, node = validated(path, _LexiconFile)
    owner: dict[str, str] = {}
    words: list[tuple[str, SellingPoint]] = []
    for index, entry in enumerate(lexicon.points):
        for word in dict.fromkeys(norm_key(w) for w in (entry.phrase, *entry.aliases)):
            if word in owner and owner[word] != entry.phrase:
                line = node_line(node, ["points", index, "phrase"])
                raise fail(path, line, f"卖点词「{word}」已属于「{owner[word]}」，同一个词只能对应一条")
            owner[word] = entry.phrase
            words.append((word, entry))
    words.sort(key=lambda item: -len(item[0]))  # stable: equal lengths keep file order
    automaton = ahocorasick.Automaton()
    for rank, (word, _entry) in enumerate(words):
        automaton.add_word(word, (rank, word))
    automaton.make_automaton()
    return Lexicon(
        version=lexicon.version, points=tuple(lexicon.points), words=tuple(words), automaton=automaton
    )


def load_lexicon(settings: Settings | None = None) -> Lexicon:
    """The validated lexicon (cached until the file changes)."""
    return cached("selling_points", kb_dir(settings), LEXICON_FILE, _build)


def _entry_in(text: str, lexicon: Lexicon) -> tuple[str, SellingPoint] | None:
    found = lexicon.found_in(norm_key(clean_text(text)))
    return (found[0][2], found[0][3]) if found else None


def match_points(points: Sequence[str], settings: Settings | None = None) -> list[PointMatch]:
    """Each non-empty point with the lexicon entry whose phrase or alias it contains (the longest one);
    points the lexicon does not know are kept with `entry=None`. Repeated points are kept once."""
    lexicon = load_lexicon(settings)
    out: list[PointMatch] = []
    seen: set[str] = set()
    for raw in points:
        point = " ".join(str(raw or "").split())
        if not point or norm_key(point) in seen:
            continue
        seen.add(norm_key(point))
        hit = _entry_in(point, lexicon)
        out.append(PointMatch(point=point, entry=hit[1] if hit else None, matched=hit[0] if hit else ""))
    return out


def points_in_name(name: str, skip: Sequence[str] = (), settings: Settings | None = None) -> list[PointMatch]:
    """Lexicon phrases written inside a product title, in title order; words inside `skip` (the type's own
    name, e.g. 保暖 in 保暖内衣) do not count."""
    lexicon = load_lexicon(settings)
    text = norm_key(clean_text(name))
    for word in skip:
        text = text.replace(norm_key(word), "\x00")
    found: list[tuple[int, PointMatch]] = []
    taken: list[tuple[int, int]] = []
    for _rank, start, word, entry in lexicon.found_in(text):
        if any(s < start + len(word) and start < e for s, e in taken):
            continue
        if any(m.entry is entry for _i, m in found):
            continue
        taken.append((start, start + len(word)))
        found.append((start, PointMatch(point=word, entry=entry, matched=word, source="name")))
    return [m for _i, m in sorted(found, key=lambda item: item[0])]


def fit_points(matches: Sequence[PointMatch], nature: Nature | None) -> list[PointMatch]:
    """A lexicon entry written for other natures (适口性好 is about pets' food) is not kept for this one: the
    point stays, without the entry."""
    out = []
    for m in matches:
        if m.entry is not None and nature is not None and m.entry.natures and nature not in m.entry.natures:
            m = m.model_copy(update={"entry": None, "matched": ""})
        out.append(m)
    return out
