"""`trends_for`: the day's trend items for drafting, from the index when it is built, else from the trend
files; with `dense=False` matched by shared character pairs (no embedding model: fast cold start)."""

from __future__ import annotations

from datetime import date as Date
from datetime import timedelta

import numpy as np

from assistant.dates import MIN_DATE, check_range
from assistant.errors import IndexError_, InputError
from assistant.models import TrendItem
from assistant.retrieval.hybrid import Query, norm, open_index, search_trends, trend_weight
from assistant.settings import Settings, get_settings


def trends_for(
    date: Date,
    window_days: int | None = None,
    query: str | None = None,
    k: int = 10,
    settings: Settings | None = None,
    dense: bool = True,
) -> list[TrendItem]:
    """Trend items dated within `window_days` before `date` (inclusive), most relevant to `query`
    (if given: only items that match it), recent and hot first.

    Uses the index when built (hybrid search when `dense`), else reads the trend files. `dense=False`
    matches the query by shared character pairs instead: no embedding model, no jieba (fast cold start).
    """
    settings = settings or get_settings()
    check_range(date)
    window = settings.trend_window_days if window_days is None else window_days
    if window < 0:
        raise InputError("热点窗口天数不能为负数", field="window_days")
    window = min(window, (date - MIN_DATE).days)  # the window stops at the start of the supported range
    query = (query or "").strip() or None
    try:
        store, manifest = open_index(settings, required=False)
    except IndexError_:
        manifest = None  # other embedding or corrupt manifest: fall back to the files
    if manifest is None or not any(n.startswith("trends-") for n in manifest["parts"]):
        from assistant.retrieval.trends import read_trend_files

        lo = date - timedelta(days=window)
        return _rank_lexical([i for i in read_trend_files(settings) if lo <= i.date <= date], date, query, k)
    if query and not dense:
        hits = search_trends(store, manifest, None, date, window, 10_000, {})
        return _rank_lexical([TrendItem.model_validate(h.metadata) for h in hits], date, query, k)
    q = Query(query, settings) if query else None
    return [
        TrendItem.model_validate(h.metadata) for h in search_trends(store, manifest, q, date, window, k, {})
    ]


def _rank_lexical(items: list[TrendItem], day: Date, query: str | None, k: int) -> list[TrendItem]:
    """Recency × heat, times how much of the query's character pairs the title contains."""
    if not items:
        return []
    ages = np.array([(day - i.date).days for i in items], dtype=np.float64)
    heat = np.array([i.heat or 0.0 for i in items], dtype=np.float64)
    scores = trend_weight(ages, heat)
    if query:  # each space-separated term contributes the share of its character pairs in the title
        terms = [norm(t) for t in query.split() if t.strip()]
        grams = [{t[j : j + 2] for j in range(len(t) - 1)} or {t} for t in terms]
        normed = [norm(i.title) for i in items]
        overlap = np.array(
            [sum(sum(g in title for g in gs) / len(gs) for gs in grams) / len(grams) for title in normed]
        )
        scores = scores * overlap
    out: list[TrendItem] = []
    titles: set[str] = set()
    for j in np.argsort(-scores, kind="stable"):
        if scores[j] <= 0 or len(out) >= k:
            break
        if norm(items[j].title) not in titles:
            titles.add(norm(items[j].title))
            out.append(items[j])
    return out
