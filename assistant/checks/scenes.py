"""The usage scene of a product, by words: what relevance compares a topic with after the product's names.

A library type's scenes, pains and debates (讲完故事关灯睡觉, 半夜踢被子冻醒) hold the words of its everyday use.
`scene_words(lib)` keeps, per type, the dictionary words of those lines that at most `SCENE_DF` types share:
讲故事 and 关灯 say something about pajamas and picture books; 周末 and 晚上, which nearly every type has, say
nothing. Grammar and counting words (讲完, 不是, 几十遍) are never scene words.

`rank(word, sim, own_type)`: how many other types have a scene word closer than `sim` to the topic's word, so a
word that is close to the product's scenes but closer to many other types' (挣扎, 度过: vague words the
embedding places near anything) is not evidence. The scene words of every type are embedded once per home
(the same word cache as the topic's words) and each topic word's row is kept in memory.
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Sequence
from typing import Any

import numpy as np

from assistant.checks.lexicon import norm_term
from assistant.checks.semantic import VECTORS, dictionary_words, library
from assistant.products.library import TypeLibrary
from assistant.settings import Settings, get_settings

SCENE_DF = 3  # a scene word shared by more library types than this says nothing about the product
# A word with one of these is a piece of grammar or counting (讲完, 不是, 几十遍), not a scene.
_FUNCTION = frozenset(
    "的了着过吗呢吧啊呀是在你我他她它们个这那都也就还又把被给让和与或很太要会能不完几十一到去来上下"
)
_LOCK = threading.RLock()
_WORDS: dict[str, Any] = {}


def scene_words(lib: TypeLibrary) -> dict[str, tuple[str, ...]]:
    """Per library type, the words of its scenes, pains and debates that few other types share."""
    with _LOCK:
        if _WORDS.get("digest") != lib.digest:
            from assistant.checks.catalogue_terms import words

            rules = words()
            skip = rules.stop | rules.generic
            per: dict[str, set[str]] = {}
            for tid, t in lib.types.items():
                lines = (*t.scenes, *t.pains, *(x for d in t.debates for x in d))
                per[tid] = {
                    w
                    for line in lines
                    for w in dictionary_words(norm_term(line))
                    if w not in skip and not any(c in _FUNCTION for c in w)
                }
            df = Counter(w for ws in per.values() for w in ws)
            _WORDS.clear()
            _WORDS["digest"] = lib.digest
            _WORDS["types"] = {
                tid: tuple(sorted(w for w in ws if df[w] <= SCENE_DF)) for tid, ws in per.items()
            }
        found: dict[str, tuple[str, ...]] = _WORDS["types"]
        return found


class _Index:
    """Every type's scene words as one matrix (columns grouped by type); per topic word, its best similarity
    to each type."""

    def __init__(self) -> None:
        self.key: tuple[str, object] | None = None
        self.matrix = np.zeros((0, 0), dtype=np.float32)
        self.starts = np.zeros(0, dtype=np.int64)
        self.position: dict[str, int] = {}
        self.rows: dict[str, np.ndarray] = {}

    def _build(self, settings: Settings) -> None:
        lib = library()
        key = (lib.digest, settings.home)
        if self.key == key:
            return
        per = scene_words(lib)
        ids = [t for t in sorted(per) if per[t]]
        words = [w for t in ids for w in per[t]]
        starts, at = [], 0
        for t in ids:
            starts.append(at)
            at += len(per[t])
        self.matrix = np.ascontiguousarray(VECTORS.get(words, settings).T)
        self.starts = np.asarray(starts, dtype=np.int64)
        self.position = {t: i for i, t in enumerate(ids)}
        self.rows = {}
        self.key = key

    def row(self, word: str, settings: Settings) -> tuple[np.ndarray, dict[str, int]]:
        with _LOCK:
            self._build(settings)
            hit = self.rows.get(word)
            if hit is None:
                vec = VECTORS.get([word], settings)
                hit = np.maximum.reduceat(vec @ self.matrix, self.starts, axis=1)[0]
                if len(self.rows) > 200_000:
                    self.rows.clear()
                self.rows[word] = hit
            return hit, self.position


INDEX = _Index()


def rank(word: str, sim: float, own_type: str | None, settings: Settings | None = None) -> int:
    """How many other library types have a scene word closer to `word` than `sim`."""
    row, position = INDEX.row(word, settings or get_settings())
    others = np.delete(row, position[own_type]) if own_type in position else row
    return int(np.count_nonzero(others > sim))


def words_for(type_id: str | None, exclude: Sequence[str] = ()) -> tuple[str, ...]:
    """The scene words of a library type (none when the product has no type)."""
    if type_id is None:
        return ()
    skip = set(exclude)
    return tuple(w for w in scene_words(library()).get(type_id, ()) if w not in skip)


def clear() -> None:
    with _LOCK:
        _WORDS.clear()
        INDEX.key = None
        INDEX.rows = {}
