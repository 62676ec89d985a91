"""Checking many topics at once (`huati check --file`): the same `check_topic`, batched.

Each distinct product and group is resolved once; a topic repeated with the same product, group, date and
trend is checked once (the checks are deterministic); each result is serialised once, to the JSON that
`huati check --json` prints. The words of every topic are embedded in one call first (`semantic.prepare`). A
large batch is split over the machine's cores: worker processes are forked after the word lists and the
catalogue are loaded, so they start warm and share them, and each takes the topics of its own products (a
product's profile is inferred in one worker only). The results come back in input order.
"""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from typing import Any

from assistant.checks.topic import check_topic, resolve
from assistant.models import Audience, Product

PARALLEL_FROM = 2000  # distinct topics; below this a second process costs more than it saves
Line = tuple[
    str, str, str | None, str | None, str | None, list[str]
]  # topic, product, category, audience, date, trend
_Work = tuple[str, Product, Audience | None, str | None, list[str]]

_BATCH: list[_Work] = []  # what forked workers read (inherited, never pickled)


def _one(work: _Work) -> str:
    topic, prod, aud, date, trend = work
    result = check_topic(topic, prod, audience=aud, date=date, trend=trend)
    return json.dumps(result.public_dict(), ensure_ascii=False)


def _slice(bounds: tuple[int, int]) -> list[str]:
    return [_one(w) for w in _BATCH[bounds[0] : bounds[1]]]


def _workers(n: int) -> int:
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    return 1 if n < PARALLEL_FROM else max(1, min(cores, 8))


def check_lines(lines: Sequence[Line]) -> list[str]:
    """The `huati check --json` result of every line (without line/id/topic), as JSON text, in order."""
    resolved: dict[tuple[str, str | None, str | None], tuple[Product, Audience | None]] = {}
    index: dict[tuple[Any, ...], int] = {}
    order: list[int] = []
    work: list[_Work] = []
    for topic, product, category, audience, date, trend in lines:
        who = (product, category or None, audience or None)
        if who not in resolved:
            resolved[who] = resolve(product, category, audience)
        key = (topic, who, date or None, tuple(trend))
        if key not in index:
            prod, aud = resolved[who]
            index[key] = len(work)
            work.append((topic, prod, aud, date, list(trend)))
        order.append(index[key])
    done = _run(work)
    return [done[i] for i in order]


def _prepare(work: list[_Work]) -> None:
    """The words of every topic are embedded in one call (and cached) before any is checked; forked workers
    inherit them."""
    from assistant.checks import semantic
    from assistant.checks.catalogue_terms import words
    from assistant.checks.normalize import normalize

    semantic.prepare((normalize(w[0]).text for w in work), stop=words().stop)


def _run(work: list[_Work]) -> list[str]:
    workers = _workers(len(work))
    if len(work) > 1:
        _prepare(work)
    if workers == 1 or not work:
        return [_one(w) for w in work]
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    # One topic is checked here, before forking: the word lists and the catalogue index are built once and
    # every worker inherits them. The rest go to the workers grouped by product, so each product's profile,
    # own index and claim rules are built in one worker only.
    done = {0: _one(work[0])}
    rest = sorted(range(1, len(work)), key=lambda i: work[i][1].id)
    _BATCH[:] = [work[i] for i in rest]
    step = -(-len(rest) // workers)
    bounds = [(i, min(i + step, len(rest))) for i in range(0, len(rest), step)]
    try:
        ctx = multiprocessing.get_context("fork")
        with ProcessPoolExecutor(max_workers=workers, mp_context=ctx) as pool:
            lines = [line for part in pool.map(_slice, bounds) for line in part]
    except (OSError, ValueError):  # no fork here (or no processes allowed): one process does it all
        lines = [_one(w) for w in _BATCH]
    finally:
        _BATCH.clear()
    done.update(zip(rest, lines, strict=True))
    return [done[i] for i in range(len(work))]
