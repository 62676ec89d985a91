"""Ranking: maximal marginal relevance over candidate topics, and near-duplicate detection.

Near-duplicates are judged on the question core, not the decorated text: the opening (今天冬至，/宝妈们，/
刷到「…」，), quoted hook titles, the operator's own example answer (我先来：…) and emoji are cut, and a few
paraphrases are folded together (回购过好几次 / 一直回购 -> 回购), so "今天冬至，你家的X一般谁挑？" and
"入冬了，你家的X一般谁挑？" are the same topic.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from functools import lru_cache
from typing import TypeVar

T = TypeVar("T")

_PUNCT = re.compile(r"[\s，。！？、：；“”‘’「」,.!?:;'\"~～()（）]+")
_QUOTED = re.compile(r"「[^」]*」|“[^”]*”")
_EXAMPLE = re.compile(r"[，,]?\s*我先(来|说|晒|坦白)[：:].*$")
_EMOJI = re.compile("[\U0001f000-\U0001faff\u2600-\u27bf\ufe0f]+")
_CLAUSE = re.compile(r"^([^，,：:！!？?]{1,16})[，,：:！!]")
# Leading clauses that decorate rather than ask: the hook, the address, a casual lead-in.
_OPENING = re.compile(
    r"^(今天|明天|后天|今年|最近|这两天|这几天|刷到|看到|听说|说到|还有\d+天|再过\d+天|大冷天|天一|天还|天慢慢|天暖|天凉"
    r"|天冷|天热|入冬|入秋|开春|快开春|换季|这么热|早晚凉|新年好|过年好|大年|问个|随便聊|好奇|来个|来唠唠|说真的|问问"
    r"|各位|投个票|吐槽一下|坦白局|说实话|晒张照片)|们$|(到了|快到了|了)$|「"
)
_FUNCTION = set("你我他她它们的了是有在吗呢吧啊呀么个一这那都还就也和与或用会要")
# Paraphrases that ask the same thing.
_SAME = [
    (re.compile(r"(一直|反复|好几次|多次)?回购(过)?(好几次|很多次|多次)?(的)?"), "回购"),
    (re.compile(r"是什么时候|是啥时候|啥时候|什么时候"), "何时"),
    (re.compile(r"啥"), "什么"),
    (re.compile(r"咋"), "怎么"),
    (re.compile(r"平常|平时|一般"), "平时"),
    (re.compile(r"[吗呢呀啊吧不]$"), ""),
]
# What a question is about: two cores with the same anchor and some shared wording ask the same thing.
_ANCHORS = re.compile(
    r"回购|小时候|踩过.{0,4}坑|窍门|第一次|几年|谁挑|家里人挑|价格还是口碑|在哪买|最在意|多久.{0,3}完|放在哪|闲置"
    r"|没怎么|过期|放坏"
)
NEAR_DUPLICATE = 0.6
CORE_CONTAINED = 0.8


@lru_cache(maxsize=8192)  # pure: the same texts (a group's history, the day's candidates) are compared often
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


@lru_cache(maxsize=8192)
def question_core(text: str) -> str:
    """The question without its decoration: leading clauses that do not address the reader, quoted hook
    titles, the example answer after 我先来：, emoji and trailing particles; paraphrases folded."""
    s = _EMOJI.sub("", text or "").strip()
    s = _EXAMPLE.sub("", s)
    for _ in range(3):  # 今天冬至，宝妈们，你家… -> 你家…
        m = _CLAUSE.match(s)
        if not m or not _OPENING.search(m.group(1)) or len(s) - m.end() < 4:
            break
        s = s[m.end() :]
    s = _QUOTED.sub("", s)
    s = _PUNCT.sub("", s)
    for rx, repl in _SAME:
        s = rx.sub(repl, s)
    return s


def is_near_duplicate(text: str, others: Sequence[str], threshold: float = NEAR_DUPLICATE) -> bool:
    """`text` repeats one of `others`: the decorated texts or their question cores are this similar, or one
    core sits inside the other (the same question under another opening or example answer)."""
    return near_duplicate_of(text, others, threshold) is not None


def near_duplicate_of(text: str, others: Sequence[str], threshold: float = NEAR_DUPLICATE) -> str | None:
    """The first of `others` that `text` repeats (see `is_near_duplicate`), or None."""
    grams = bigrams(text)
    core = bigrams(question_core(text))
    anchors = _anchors(text)
    for other in others:
        if not other:
            continue
        if jaccard(grams, bigrams(other)) >= threshold:
            return other
        oc = bigrams(question_core(other))
        if not core or not oc:
            continue
        if jaccard(core, oc) >= threshold:
            return other
        small, big = (core, oc) if len(core) <= len(oc) else (oc, core)
        if len(small) >= 4 and len(small & big) / len(small) >= CORE_CONTAINED:
            return other
        shared = anchors & _anchors(other)
        if shared and _content(core - _anchor_grams(shared)) & _content(oc):
            return other
    return None


def _anchors(text: str) -> set[str]:
    return {m.group(0) for m in _ANCHORS.finditer(question_core(text))}


def _anchor_grams(anchors: set[str]) -> frozenset[str]:
    return frozenset(g for a in anchors for g in bigrams(a))


def _content(grams: frozenset[str]) -> set[str]:
    """Bigrams that carry content (no pronoun, particle or auxiliary)."""
    return {g for g in grams if not set(g) & _FUNCTION}


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
    allowed: Callable[[T, list[T]], bool] | None = None,
) -> list[T]:
    """Pick k items, each maximising lambda*relevance - (1-lambda)*max similarity to those picked.
    `allowed(item, picked)` can veto an item (e.g. a near-duplicate of one already picked).
    Ties break on input order, so the result is deterministic."""
    chosen: list[int] = []
    left = list(range(len(items)))
    while left and len(chosen) < k:
        best, best_value = -1, float("-inf")
        picked = [items[j] for j in chosen]
        for i in left:
            if allowed is not None and not allowed(items[i], picked):
                continue
            penalty = max((similarity(items[i], items[j]) for j in chosen), default=0.0)
            value = lambda_ * relevance[i] - (1 - lambda_) * penalty
            if value > best_value:
                best, best_value = i, value
        if best < 0:
            break
        chosen.append(best)
        left.remove(best)
    return [items[i] for i in chosen]
