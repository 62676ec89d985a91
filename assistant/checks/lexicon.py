"""Loading and compiling the check word lists (`knowledge_base/compliance`, `knowledge_base/style`).

Files are read once per path and modification time; Aho-Corasick automatons and regexes are built once.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, TypeVar

import ahocorasick
import yaml

from assistant.errors import DataError
from assistant.models import Product
from assistant.settings import get_settings

_cache: dict[tuple[str, int], Any] = {}
_recent: dict[str, tuple[float, Any]] = {}
RECHECK_SECONDS = 1.0  # files are re-stat'ed at most once a second (10,000 checks must take < 5 s)


_paths: dict[tuple[Path, tuple[str, ...]], Path] = {}


def kb_file(*parts: str) -> Path:
    base = get_settings().kb_dir
    hit = _paths.get((base, parts))
    if hit is None:
        hit = _paths[(base, parts)] = base.joinpath(*parts)
    return hit


T = TypeVar("T")
_COMPILED: dict[tuple[str, ...], tuple[int, Any, float, Path]] = {}


def compiled(parts: tuple[str, ...], build: Callable[[dict[str, Any]], T]) -> T:
    """`build(data)` for the YAML file `kb_file(*parts)`, rebuilt only when the file's data is reloaded
    (load_yaml returns the same dict object until the file changes). Replaced atomically per file. Within a
    second of the last look (and the same knowledge-base directory) the built value is returned at once."""
    hit = _COMPILED.get(parts)
    now = time.monotonic()
    if hit is not None and now - hit[2] < RECHECK_SECONDS and hit[3] is get_settings().kb_dir:
        return hit[1]
    path = kb_file(*parts)
    data = load_yaml(path)
    if hit is not None and hit[0] == id(data):
        _COMPILED[parts] = (hit[0], hit[1], now, get_settings().kb_dir)
        return hit[1]
    value = build(data)
    _COMPILED[parts] = (id(data), value, now, get_settings().kb_dir)
    return value


def load_yaml(path: Path) -> dict[str, Any]:
    """YAML mapping from `path`, cached by mtime; DataError `path:line: reason` when malformed."""
    now = time.monotonic()
    recent = _recent.get(str(path))
    if recent is not None and now - recent[0] < RECHECK_SECONDS:
        return recent[1]
    try:
        stamp = path.stat().st_mtime_ns
    except FileNotFoundError as exc:
        raise DataError(f"{path}:1: 找不到检查词表文件") from exc
    key = (str(path), stamp)
    if key in _cache:
        _recent[str(path)] = (now, _cache[key])
        return _cache[key]
    try:
        loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml when present: the same, faster
        data = yaml.load(path.read_text(encoding="utf-8"), Loader=loader)  # safe loader
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark else 1
        raise DataError(f"{path}:{line}: YAML 格式错误：{getattr(exc, 'problem', exc)}") from exc
    if not isinstance(data, dict):
        raise DataError(f"{path}:1: 词表文件应是键值对")
    _cache[key] = data
    _recent[str(path)] = (now, data)
    return data


def catalogue() -> list[Product]:
    """The product catalogue, re-read at most once a second."""
    from assistant.knowledge import load_products

    now = time.monotonic()
    hit = _recent.get("__catalogue__")
    if hit is not None and now - hit[0] < RECHECK_SECONDS:
        return hit[1]
    products = load_products()
    _recent["__catalogue__"] = (now, products)
    return products


def reset() -> None:
    """Forget cached files (tests that switch knowledge-base directories)."""
    _cache.clear()
    _recent.clear()
    _COMPILED.clear()
    _norm_term.cache_clear()


@lru_cache(maxsize=8192)
def _norm_term(term: str) -> str:
    from assistant.checks.normalize import normalize

    return normalize(term).text


def norm_term(term: str) -> str:
    return _norm_term(str(term))


@dataclass
class Matcher:
    """Aho-Corasick over normalised terms; each term carries a payload."""

    automaton: Any = None
    size: int = 0

    @classmethod
    def build(cls, items: Iterable[tuple[str, Any]]) -> Matcher:
        auto = ahocorasick.Automaton()
        payloads: dict[str, list[Any]] = {}
        for term, payload in items:
            key = norm_term(term)
            if key:
                payloads.setdefault(key, []).append(payload)
        for key, values in payloads.items():
            auto.add_word(key, (key, values))
        if payloads:
            auto.make_automaton()
        return cls(auto if payloads else None, len(payloads))

    def iter(self, text: str) -> Iterator[tuple[int, int, str, list[Any]]]:
        """(start, end, term, payloads) for every occurrence, overlapping ones included."""
        if self.automaton is None or not text:
            return
        for end, (key, values) in self.automaton.iter(text):
            yield end - len(key) + 1, end + 1, key, values


def longest_only(hits: list[tuple[int, int, str, list[Any]]]) -> list[tuple[int, int, str, list[Any]]]:
    """Drop matches contained in a longer match (全网最低价 hides 最低价)."""
    hits = sorted(hits, key=lambda h: (h[0], -(h[1] - h[0])))
    out: list[tuple[int, int, str, list[Any]]] = []
    for hit in hits:
        if any(o[0] <= hit[0] and hit[1] <= o[1] for o in out):
            continue
        out.append(hit)
    return out


@dataclass
class PatternSet:
    weight: float
    regexes: list[re.Pattern[str]] = field(default_factory=list)
    needs: list[frozenset[str] | None] = field(default_factory=list)  # prefilter.required_chars per regex

    def find(self, text: str, chars: set[str] | None = None) -> list[re.Match[str]]:
        """The first match of each pattern; with `chars` (the text's characters) patterns that cannot match
        are skipped without running."""
        if chars is None:
            return [m for rx in self.regexes if (m := rx.search(text))]
        return [
            m
            for rx, need in zip(self.regexes, self.needs, strict=True)
            if (need is None or not need.isdisjoint(chars)) and (m := rx.search(text))
        ]


def pattern_set(spec: dict[str, Any]) -> PatternSet:
    from assistant.checks.prefilter import required_chars

    patterns = [str(p) for p in spec.get("patterns", [])]
    return PatternSet(
        float(spec.get("weight", 0)), [re.compile(p) for p in patterns], [required_chars(p) for p in patterns]
    )
