"""Meaning evidence for relevance: the offline embedding of a topic's words, batched and cached.

A topic's words are the dictionary words inside its runs of Chinese (every two to four characters the
segmenter's dictionary knows, wherever they start, so no segmentation is needed) and its Latin words (ai,
excel). Each word is embedded once with the offline `usem` model — whatever `HUATI_EMBEDDING_PROVIDER` says, the
checks stay offline and deterministic — and kept in memory and under `HUATI_HOME/cache/check-words/`, so a
word costs its embedding once per home, not once per topic. A batch embeds all its new words in one call
(`prepare`), before any topic is checked.

`evidence(words, refs, own_type)`: the word of the topic closest in meaning to one of the product's own words
(`refs`: its names and kind), its similarity, and how that compares with the product library: `rank` is the
number of other library types that some word of the topic is closer to (a same-type neighbour never counts).
A topic about the usage scene ("你喜欢听什么歌手的歌？" for earphones) has a close word and a small rank; a
topic about something else ("你最喜欢的电影是什么？" for a thermos) has neither.
"""

from __future__ import annotations

import os
import re
import threading
import time
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from assistant.settings import Settings, get_settings

if TYPE_CHECKING:
    from assistant.products.library import TypeLibrary

_CJK_RUN = re.compile(r"[\u4e00-\u9fff]+|[a-z][a-z0-9]+")
MAX_WORD = 4
# A library bigram with one of these is a piece of grammar (的时, 给你), not a word.
_GRAMMAR = frozenset("的了着过吗呢吧啊呀是在你我他她它们个这那都也就还又把被给让和与或很太就要会能")
MAX_SHARDS = 24  # cache files before they are merged into one
RECHECK_SECONDS = 1.0  # the product library is looked at again at most once a second
_LOCK = threading.RLock()


@dataclass(frozen=True)
class Word:
    start: int
    end: int
    text: str


@dataclass(frozen=True)
class Semantic:
    """The closest word of the topic to the product, and the product's rank among library types."""

    word: Word | None
    ref: str | None
    sim: float
    rank: int
    top_type: str | None  # the library type some word of the topic is closest to


NONE = Semantic(None, None, 0.0, 10_000, None)


_LIBRARY: list[tuple[float, TypeLibrary]] = []


def library() -> TypeLibrary:
    """The product library, looked at again at most once a second (a batch checks thousands of topics a
    second; each look stats every library file)."""
    now = time.monotonic()
    if _LIBRARY and now - _LIBRARY[0][0] < RECHECK_SECONDS:
        return _LIBRARY[0][1]
    from assistant.products.library import load_library

    lib = load_library()
    _LIBRARY[:] = [(now, lib)]
    return lib


class _Dictionary:
    """The segmenter's word list (loaded once; the same one product understanding uses), and the two-character
    words of the product library itself (泡脚, 夜醒: everyday words the segmenter does not list)."""

    freq: dict[str, int] | None = None
    domain: frozenset[str] = frozenset()
    digest: str | None = None

    @classmethod
    def get(cls) -> dict[str, int]:
        if cls.freq is None:
            from assistant.products.text import dictionary

            cls.freq = dictionary()
        return cls.freq

    @classmethod
    def library_words(cls) -> frozenset[str]:
        lib = library()
        if cls.digest != lib.digest:
            found: set[str] = set()
            for t in lib.types.values():
                for line in (
                    *t.keys,
                    *t.scenes,
                    *t.pains,
                    *t.alternatives,
                    *(x for d in t.debates for x in d),
                ):
                    for run in re.findall(r"[\u4e00-\u9fff]+", line):
                        found.update(
                            run[i : i + 2]
                            for i in range(len(run) - 1)
                            if run[i] not in _GRAMMAR and run[i + 1] not in _GRAMMAR
                        )
            cls.domain = frozenset(found)
            cls.digest = lib.digest
        return cls.domain


def words_of(text: str, masked: Sequence[tuple[int, int]] = (), stop: Iterable[str] = ()) -> list[Word]:
    """The dictionary and Latin words of a normalised text, outside the `masked` spans and not in `stop`."""
    freq = _Dictionary.get()
    domain = _Dictionary.library_words()
    stops = stop if isinstance(stop, frozenset | set) else frozenset(stop)
    out: list[Word] = []
    seen: set[str] = set()
    for m in _CJK_RUN.finditer(text):
        run, base = m.group(), m.start()
        if run.isascii():
            cands = [(base, run)] if len(run) >= 2 else []
        else:
            cands = [
                (base + i, run[i : i + n])
                for i in range(len(run) - 1)
                for n in range(2, MAX_WORD + 1)
                if i + n <= len(run) and (freq.get(run[i : i + n]) or (n == 2 and run[i : i + 2] in domain))
            ]
        for start, word in cands:
            end = start + len(word)
            if word in stops or word in seen or any(a < end and start < b for a, b in masked):
                continue
            seen.add(word)
            out.append(Word(start, end, word))
    return out


def dictionary_words(text: str) -> list[str]:
    """The segmenter's dictionary words (two to four characters) inside the Chinese runs of a text."""
    freq = _Dictionary.get()
    return [
        run[i : i + n]
        for run in re.findall(r"[\u4e00-\u9fff]+", text)
        for i in range(len(run) - 1)
        for n in range(2, MAX_WORD + 1)
        if i + n <= len(run) and freq.get(run[i : i + n])
    ]


class _Vectors:
    """Word → unit vector (float32), in memory and in cache shards on disk."""

    def __init__(self) -> None:
        self.vectors: dict[str, np.ndarray] = {}
        self.loaded: Path | None = None
        self.home: Path | None = None  # the home whose cache is loaded
        self.refs: dict[tuple[str, ...], np.ndarray] = {}

    def _folder(self, settings: Settings) -> Path:
        return settings.home / "cache" / "check-words" / "usem"

    def _load(self, settings: Settings) -> None:
        folder = self._folder(settings)
        if self.loaded == folder:
            return
        self.loaded = folder
        for path in sorted(folder.glob("*.npz")) if folder.is_dir() else []:
            try:
                with np.load(path, allow_pickle=False) as z:
                    words, vecs = z["words"], z["vectors"]
            except (OSError, ValueError, KeyError):
                continue  # a half-written or foreign file: the words are embedded again
            if vecs.ndim == 2 and len(words) == len(vecs):
                for w, v in zip(words.tolist(), vecs.astype(np.float32), strict=True):
                    self.vectors.setdefault(str(w), v)

    def _save(self, words: list[str], vecs: np.ndarray, settings: Settings) -> None:
        """Best effort: a home that cannot be written only costs the next process the embedding time."""
        folder = self._folder(settings)
        try:
            settings.ensure_home()
            folder.mkdir(parents=True, exist_ok=True)
            shards = sorted(folder.glob("*.npz"))
            if len(shards) >= MAX_SHARDS:  # merge: everything known goes into one file, the shards go
                words = list(self.vectors)
                vecs = np.stack([self.vectors[w] for w in words])
            name = f"{uuid.uuid4().hex}.npz"
            tmp = folder / f".{name}.{os.getpid()}.tmp"
            with tmp.open("wb") as fh:
                np.savez(fh, words=np.asarray(words), vectors=vecs.astype(np.float16))
            os.replace(tmp, folder / name)
            if len(shards) >= MAX_SHARDS:
                for old in shards:
                    old.unlink(missing_ok=True)
        except Exception:  # any failure to write the cache leaves the in-memory copy in use
            return

    def get(self, words: Sequence[str], settings: Settings | None = None) -> np.ndarray:
        """One row per word (embedding the unseen ones in one call)."""
        settings = settings or get_settings()
        known = self.vectors
        if words and settings.home == self.home and all(w in known for w in words):
            return np.stack([known[w] for w in words])
        with _LOCK:
            self.home = settings.home
            self._load(settings)
            new = [w for w in dict.fromkeys(words) if w not in self.vectors]
            if new:
                from assistant.retrieval.embeddings import get_embedder

                vecs = np.asarray(get_embedder(settings, "usem").embed(new), dtype=np.float32)
                for w, v in zip(new, vecs, strict=True):
                    self.vectors[w] = v
                self._save(new, vecs, settings)
            if not words:
                return np.zeros((0, 512), dtype=np.float32)
            return np.stack([self.vectors[w] for w in words])


class _Types:
    """Per word, its best similarity to each library type (the type's name and aliases)."""

    def __init__(self) -> None:
        self.key: str | None = None
        self.seen = -1.0  # when the library was last looked at (monotonic seconds)
        self.matrix = np.zeros((0, 0), dtype=np.float32)
        self.starts = np.zeros(0, dtype=np.int64)
        self.ids: tuple[str, ...] = ()
        self.position: dict[str, int] = {}
        self.rows: dict[str, np.ndarray] = {}

    def _build(self, settings: Settings) -> None:
        from assistant.products.library import load_library
        from assistant.products.semantic import type_vectors
        from assistant.retrieval.embeddings import get_embedder

        now = time.monotonic()
        if self.key is not None and now - self.seen < RECHECK_SECONDS:
            return
        self.seen = now
        lib = load_library(settings)
        if self.key == lib.digest:
            return
        matrix, owners = type_vectors(lib, settings, embedder=get_embedder(settings, "usem"))
        order = np.argsort(np.asarray(owners), kind="stable")
        sorted_owners = [owners[i] for i in order]
        starts = [i for i, o in enumerate(sorted_owners) if i == 0 or o != sorted_owners[i - 1]]
        self.matrix = np.ascontiguousarray(matrix[order].T)
        self.starts = np.asarray(starts, dtype=np.int64)
        self.ids = tuple(sorted_owners[i] for i in starts)
        self.position = {t: i for i, t in enumerate(self.ids)}
        self.rows = {}
        self.key = lib.digest

    def rows_for(self, words: Sequence[str], vecs: np.ndarray, settings: Settings) -> np.ndarray:
        with _LOCK:
            self._build(settings)
            new = [i for i, w in enumerate(words) if w not in self.rows]
            if new:
                sims = vecs[new] @ self.matrix
                best = np.maximum.reduceat(sims, self.starts, axis=1)
                for i, row in zip(new, best, strict=True):
                    self.rows[words[i]] = row
            if not words:
                return np.zeros((0, len(self.ids)), dtype=np.float32)
            return np.stack([self.rows[w] for w in words])


VECTORS = _Vectors()
TYPES = _Types()


def prepare(texts: Iterable[str], stop: Iterable[str] = (), settings: Settings | None = None) -> int:
    """Embed the words of many normalised texts at once (a batch before it is checked); how many were new."""
    settings = settings or get_settings()
    stops = frozenset(stop)
    words = list(dict.fromkeys(w.text for t in texts for w in words_of(t, stop=stops)))
    with _LOCK:
        VECTORS._load(settings)
        new = [w for w in words if w not in VECTORS.vectors]
        vecs = VECTORS.get(words, settings)
        TYPES.rows_for(words, vecs, settings)
    return len(new)


def evidence(
    words: Sequence[Word], refs: Sequence[str], own_type: str | None, settings: Settings | None = None
) -> Semantic:
    """How close the topic's words come to the product's own words, and to every other library type."""
    refs = [r for r in dict.fromkeys(refs) if r]
    if not words or not refs:
        return NONE
    settings = settings or get_settings()
    texts = [w.text for w in words]
    vecs = VECTORS.get(texts, settings)
    key = tuple(refs)
    ref_matrix = VECTORS.refs.get(key)
    if ref_matrix is None:
        ref_matrix = np.ascontiguousarray(VECTORS.get(refs, settings).T)
        if len(VECTORS.refs) > 4096:
            VECTORS.refs.clear()
        VECTORS.refs[key] = ref_matrix
    sims = vecs @ ref_matrix
    i, j = np.unravel_index(int(np.argmax(sims)), sims.shape)
    best = float(sims[i, j])
    per_type = TYPES.rows_for(texts, vecs, settings).max(axis=0)
    own = TYPES.position.get(own_type) if own_type else None
    if own is not None:
        per_type = per_type.copy()
        per_type[own] = -2.0  # a same-type neighbour is never evidence against
    rank = int(np.count_nonzero(per_type > best))
    top = TYPES.ids[int(np.argmax(per_type))] if len(per_type) else None
    return Semantic(words[int(i)], refs[int(j)], round(best, 4), rank, top)


def clear() -> None:
    """Forget the in-memory vectors (tests that swap homes or libraries)."""
    with _LOCK:
        VECTORS.vectors.clear()
        VECTORS.refs.clear()
        VECTORS.loaded = None
        VECTORS.home = None
        TYPES.key = None
        TYPES.rows = {}
        _LIBRARY.clear()
