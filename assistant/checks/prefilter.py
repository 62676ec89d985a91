"""A cheap test before a regular expression runs: the characters one of which any match must contain.

`required_chars(pattern)` reads the pattern's syntax tree and returns the characters of its first element that
every match must contain ("(全网|全国)…最低" needs 全; "[\\u4e00-\\u9fff]{1,4}之王" needs 之), or None when it
cannot tell. A text none of whose characters is in the set cannot match, so the expression is skipped: most
topics skip most of the compliance grammar.
"""

from __future__ import annotations

import re
from functools import lru_cache
from re import _constants as C  # type: ignore[attr-defined]
from re import _parser as P  # type: ignore[attr-defined]
from typing import Any

_SMALL_RANGE = 64  # a character range wider than this says nothing useful


def _chars(op: Any, av: Any) -> frozenset[str] | None:
    """The characters a single mandatory element stands for, or None."""
    if op is C.LITERAL:
        return frozenset(chr(av))
    if op is C.IN:
        out: set[str] = set()
        for o, a in av:
            if o is C.LITERAL:
                out.add(chr(a))
            elif o is C.RANGE and a[1] - a[0] <= _SMALL_RANGE:
                out |= {chr(x) for x in range(a[0], a[1] + 1)}
            else:
                return None
        return frozenset(out)
    if op is C.SUBPATTERN:
        return _first_required(av[-1])
    if op is C.BRANCH:
        acc: set[str] = set()
        for branch in av[1]:
            found = _first_required(branch)
            if found is None:
                return None
            acc |= found
        return frozenset(acc)
    if op in (C.MAX_REPEAT, C.MIN_REPEAT) and av[0] >= 1:
        return _first_required(av[2])
    return None


def _first_required(items: Any) -> frozenset[str] | None:
    """The first element of a sequence that every match must contain and whose characters are known."""
    for op, av in items:
        if op in (C.AT, C.ASSERT, C.ASSERT_NOT):
            continue
        if op in (C.MAX_REPEAT, C.MIN_REPEAT) and av[0] == 0:
            continue  # optional: look further
        found = _chars(op, av)
        if found is not None:
            return found
        if op in (C.MAX_REPEAT, C.MIN_REPEAT, C.IN, C.ANY, C.NOT_LITERAL):
            continue  # mandatory but unknown (a wide class): a later element may still be known
        return None
    return None


@lru_cache(maxsize=4096)
def required_chars(pattern: str) -> frozenset[str] | None:
    try:
        return _first_required(P.parse(pattern))
    except (re.error, TypeError, ValueError):
        return None


def may_match(pattern: re.Pattern[str], chars: set[str] | frozenset[str]) -> bool:
    """False when `pattern` cannot match a text made of `chars`."""
    need = required_chars(pattern.pattern)
    return need is None or not need.isdisjoint(chars)
