"""Ranking: maximal marginal relevance over candidate topics, and near-duplicate detection."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from typing import TypeVar

T = TypeVar("T")

_PUNCT = re.compile(r"[\s，。！？、：；“”‘’「」,.!?:;'\"~～()（）]+")
NEAR_DUPLICATE = 0.6


def bigrams(text: str) -> frozenset[str]:
    s = _PUNCT.sub("", text.lower())
    if len(s) < 2:
        return frozenset({s}) if s else frozenset()
    return frozenset(s[i : i + 2] for i in range(len(s) - 1))


def jaccard(a: str | frozenset[str], b: str | frozenset[str]) -> float:
    x = bigrams(a) if isinstance(a, str) else a
    y = bigrams(b) if isinstance(b, str) else b
    if not x or not y:
        return 0.0
    return len(x & y) / len(x | y)


def is_near_duplicate(text: str, others: Sequence[str], threshold: float = NEAR_DUPLICATE) -> bool:
    grams = bigrams(text)
    return any(jaccard(grams, bigrams(o)) >= threshold for o in others)


def is_contained(question: str, others: Sequence[str], threshold: float = 0.7) -> bool:
    """The question's bigrams mostly reappear in an earlier topic (same question, other opening)."""
    grams = bigrams(question)
    return bool(grams) and any(len(grams & bigrams(o)) / len(grams) >= threshold for o in others)


def mmr(
    items: Sequence[T],
    relevance: Sequence[float],
    similarity: Callable[[T, T], float],
    k: int,
    lambda_: float = 0.7,
) -> list[T]:
    """Pick k items, each maximising lambda*relevance - (1-lambda)*max similarity to those picked.
    Ties break on input order, so the result is deterministic."""
    chosen: list[int] = []
    left = list(range(len(items)))
    while left and len(chosen) < k:
        best, best_value = left[0], float("-inf")
        for i in left:
            penalty = max((similarity(items[i], items[j]) for j in chosen), default=0.0)
            value = lambda_ * relevance[i] - (1 - lambda_) * penalty
            if value > best_value:
                best, best_value = i, value
        chosen.append(best)
        left.remove(best)
    return [items[i] for i in chosen]
