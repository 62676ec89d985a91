"""Hybrid search over the index: dense + BM25 fused by reciprocal rank fusion (RRF), metadata filters,
and for trends a date window with recency decay and heat (`trends_for` in day_trends.py builds on it)."""

from __future__ import annotations

import math
from datetime import date as Date
from datetime import timedelta
from typing import Any

import numpy as np

from assistant.dates import MIN_DATE, check_range
from assistant.errors import IndexError_, InputError
from assistant.models import SearchHit, stable_id
from assistant.retrieval.index import IndexStore, Partition
from assistant.settings import Settings, get_settings

KINDS = ("cases", "trends", "calendar", "all")
RRF_K = 60
DENSE_CANDIDATES = 50
# Trend titles are short: below this cosine (usem) a dense neighbour is noise, not a match.
TREND_MIN_SIM = 0.3
TREND_HALF_LIFE_DAYS = 2.0
CALENDAR_HORIZON_DAYS = 14
MAX_K = 100
# Filter key -> record metadata key (cases, trends).
_FILTER_KEYS = {
    "kind": ("case_kind", None),
    "category": ("categories", "category"),
    "audience": ("audience", None),
    "platform": ("platform", "platform"),
    "brand": ("brand", None),
    "industry": ("industry", None),
    "tactic": ("tactics", None),
}


def today() -> Date:
    """Today in China (Asia/Shanghai)."""
    from datetime import datetime, timezone

    return datetime.now(timezone(timedelta(hours=8))).date()


def norm(value: Any) -> str:
    from assistant.retrieval.text import normalize

    return normalize(str(value)).replace(" ", "")


def _matches(value: Any, wanted: list[str]) -> bool:
    values = value if isinstance(value, list) else [value]
    values = [norm(v) for v in values if v not in (None, "")]
    return any(w in v or v in w for w in wanted for v in values)


def _filter_mask(part: Partition, kind: str, filters: dict[str, Any]) -> np.ndarray | None:
    """Boolean mask of records passing `filters` (cached per partition), None when no filter applies."""
    wanted: dict[str, list[str]] = {}
    for key, value in filters.items():
        if value in (None, "", []):
            continue
        if key not in _FILTER_KEYS:
            raise InputError(f"不支持的筛选条件：{key}，可选 {'、'.join(_FILTER_KEYS)}", field="filters")
        field = _FILTER_KEYS[key][0 if kind == "cases" else 1]
        if field is None:  # e.g. audience: trends have none, so the filter does not apply to them
            continue
        values = value if isinstance(value, list | tuple) else [value]
        wanted[field] = [norm(v) for v in values]
    if not wanted:
        return None
    cache_key = tuple(sorted((k, tuple(v)) for k, v in wanted.items()))
    if cache_key in part.masks:
        return part.masks[cache_key]
    mask = np.fromiter(
        (all(_matches(r["metadata"].get(f), w) for f, w in wanted.items()) for r in part.records),
        dtype=bool,
        count=len(part.records),
    )
    if len(part.masks) > 64:
        part.masks.clear()
    part.masks[cache_key] = mask
    return mask


def _rrf(n: int, *rankings: np.ndarray) -> np.ndarray:
    """Reciprocal rank fusion of rankings (arrays of candidate positions, best first), scaled so that
    first place in every list scores 1.0."""
    scores = np.zeros(n, dtype=np.float64)
    for ranking in rankings:
        scores[ranking] += 1.0 / (RRF_K + 1 + np.arange(len(ranking)))
    return scores / (len(rankings) / (RRF_K + 1))


def _top(values: np.ndarray, n: int, positive: bool = False) -> np.ndarray:
    idx = np.nonzero(values > 0)[0] if positive else np.arange(len(values))
    if len(idx) > n:
        idx = idx[np.argpartition(-values[idx], n)[:n]]
    return idx[np.argsort(-values[idx], kind="stable")]


class Query:
    """A query's tokens and (lazily) its vector."""

    def __init__(self, text: str, settings: Settings, dense: bool = True):
        from assistant.retrieval.text import search_terms

        self.text = text
        self.tokens = search_terms(text)
        self.settings = settings
        self.dense = dense
        self._vec: np.ndarray | None = None

    @property
    def vec(self) -> np.ndarray:
        if self._vec is None:
            from assistant.retrieval.embeddings import get_embedder

            self._vec = get_embedder(self.settings).embed([self.text])[0]
        return self._vec


def _hit(record: dict[str, Any], score: float, extra: dict[str, Any] | None = None) -> SearchHit:
    return SearchHit(
        id=record["id"],
        kind=record["kind"],
        title=record["title"],
        text=record["text"],
        score=round(float(score), 4),
        source=record["source"],
        metadata={**record["metadata"], **(extra or {})},
    )


def _search_cases(store: IndexStore, manifest: dict, q: Query, k: int, filters: dict) -> list[SearchHit]:
    part = store.part(manifest, "cases")
    if part is None or not part.records:
        return []
    mask = _filter_mask(part, "cases", filters)
    bm25 = part.bm25_scores(q.tokens)
    if mask is not None:
        bm25 = np.where(mask, bm25, 0.0)
    n_dense = max(DENSE_CANDIDATES, k * 10)
    if mask is not None:  # exact dense scoring over the filtered subset
        rows = np.nonzero(mask)[0]
        sims = part.emb[rows] @ q.vec
        dense = rows[_top(sims, n_dense)]
    else:
        collection = store.collection(manifest["collection"])
        res = collection.query(
            query_embeddings=q.vec[None, :], n_results=min(n_dense, len(part.records)), include=[]
        )
        dense = np.array([part.id_pos[i] for i in res["ids"][0] if i in part.id_pos], dtype=np.int64)
    scores = _rrf(len(part.records), dense, _top(bm25, n_dense, positive=True))
    hits, seen = [], set()
    for pos in _top(scores, len(scores), positive=True):
        record = part.records[pos]
        case_id = record["metadata"].get("case_id")
        if case_id in seen:
            continue
        seen.add(case_id)
        hits.append(_hit(record, scores[pos]))
        if len(hits) >= k:
            break
    return hits


def _months(lo: Date, hi: Date) -> list[str]:
    names, cur = [], Date(lo.year, lo.month, 1)
    while cur <= hi:
        names.append(f"trends-{cur:%Y-%m}")
        cur = Date(cur.year + cur.month // 12, cur.month % 12 + 1, 1)
    return names


def trend_weight(age_days: np.ndarray, heat: np.ndarray) -> np.ndarray:
    """Recency decay (half-life TREND_HALF_LIFE_DAYS) times a mild heat boost in [0.75, 1]."""
    decay = np.power(0.5, np.maximum(age_days, 0) / TREND_HALF_LIFE_DAYS)
    top = float(heat.max()) if len(heat) else 0.0
    boost = 0.75 + 0.25 * (np.log1p(heat) / math.log1p(top) if top > 0 else 0.0)
    return decay * boost


def search_trends(
    store: IndexStore, manifest: dict, q: Query | None, day: Date, window: int, k: int, filters: dict
) -> list[SearchHit]:
    lo, hi = day - timedelta(days=min(window, (day - MIN_DATE).days)), day
    rows: list[tuple[Partition, np.ndarray]] = []
    for name in _months(lo, hi):
        part = store.part(manifest, name)
        if part is None:
            continue
        sel = (part.dates >= lo.toordinal()) & (part.dates <= hi.toordinal())
        mask = _filter_mask(part, "trends", filters)
        if mask is not None:
            sel &= mask
        idx = np.nonzero(sel)[0]
        if len(idx):
            rows.append((part, idx))
    if not rows:
        return []
    ages = np.concatenate([hi.toordinal() - p.dates[i] for p, i in rows]).astype(np.float64)
    heat = np.concatenate([p.heat[i] for p, i in rows]).astype(np.float64)
    weight = trend_weight(ages, heat)
    if q is None:  # no query: hottest and most recent first
        scores = weight
    else:
        bm25 = np.concatenate([p.bm25_scores(q.tokens)[i] for p, i in rows])
        rankings = [_top(bm25, DENSE_CANDIDATES, positive=True)]
        if q.dense:
            sims = np.concatenate([p.emb[i] @ q.vec for p, i in rows])
            dense = _top(sims, DENSE_CANDIDATES)
            rankings.insert(0, dense[sims[dense] >= TREND_MIN_SIM])
        scores = _rrf(len(weight), *rankings) * weight
    refs = [(p, j) for p, i in rows for j in i]
    hits, titles = [], set()
    for pos in _top(scores, 4 * k, positive=True):  # the same title on several platforms counts once
        record = refs[pos][0].records[refs[pos][1]]
        title = norm(record["title"])
        if title in titles:
            continue
        titles.add(title)
        hits.append(_hit(record, scores[pos], {"age_days": int(ages[pos])}))
        if len(hits) >= k:
            break
    return hits


def _search_calendar(query: str, day: Date, k: int, only_matches: bool) -> list[SearchHit]:
    from assistant.retrieval.calendar import events_for
    from assistant.retrieval.text import tokenize

    events = events_for(day, CALENDAR_HORIZON_DAYS)
    qn, tokens = norm(query), tokenize(query)
    hits = []
    for event in events:
        name, hay = norm(event.name), norm(event.name + event.description)
        if name and (name in qn or qn in name):
            match = 1.0
        else:
            match = 0.6 * sum(1 for t in tokens if t in hay) / len(tokens) if tokens else 0.0
        if only_matches and match == 0:
            continue
        nearness = 1.0 - max(event.days_from, 0) / (CALENDAR_HORIZON_DAYS + 1)
        score = match * (0.8 + 0.2 * nearness) if match else 0.1 * nearness
        source = (
            "chinese-calendar"
            if event.kind == "public_holiday"
            else ("规则推算" if event.kind in ("shopping_festival", "season") else "lunar-python")
        )
        hits.append(
            SearchHit(
                id="cal-" + stable_id(event.date.isoformat(), event.name),
                kind="calendar",
                title=event.name,
                text=event.description or event.name,
                score=round(score, 4),
                source=source,
                metadata=event.model_dump(mode="json"),
            )
        )
    hits.sort(key=lambda h: -h.score)
    return hits[:k]


def open_index(settings: Settings, required: bool = True) -> tuple[IndexStore, dict | None]:
    from assistant.retrieval.embeddings import get_embedder

    store = IndexStore(settings)
    manifest = store.manifest()
    if manifest is None:
        if required:
            raise IndexError_("还没有建立检索索引", hint="先运行 huati ingest")
        return store, None
    store.check_embedding(manifest, get_embedder(settings).name)
    return store, manifest


def check_query(query: str | None) -> str:
    """The stripped query; InputError when it is empty or has no letter, digit or Chinese character."""
    from assistant.retrieval.text import normalize

    query = (query or "").strip()
    if not query:
        raise InputError("搜索内容不能为空，请输入要找的关键词", field="query")
    if not any(ch.isalnum() for ch in normalize(query)):
        raise InputError(f"搜索内容只有标点或符号：{query}，请输入要找的词", field="query")
    return query


def search(
    query: str,
    kind: str = "all",
    date: Date | None = None,
    k: int = 5,
    filters: dict[str, Any] | None = None,
    settings: Settings | None = None,
) -> list[SearchHit]:
    """Ranked hits for `query`; `kind` is cases, trends, calendar or all; `date` anchors the trend
    window and the calendar (default: today in China)."""
    settings = settings or get_settings()
    query = check_query(query)
    if kind not in KINDS:
        raise InputError(f"不支持的类型：{kind}，可选 {'、'.join(KINDS)}", field="kind")
    if not 1 <= k <= MAX_K:
        raise InputError(f"返回条数应在 1 到 {MAX_K} 之间", field="k")
    day = check_range(date) if date else today()
    filters = dict(filters or {})
    hits: list[SearchHit] = []
    if kind in ("cases", "trends", "all"):
        store, manifest = open_index(settings)
        assert manifest is not None  # required=True raises when there is no index
        q = Query(query, settings)
        if kind in ("cases", "all"):
            hits += _search_cases(store, manifest, q, k, filters)
        if kind in ("trends", "all"):
            hits += search_trends(store, manifest, q, day, settings.trend_window_days, k, filters)
    if kind in ("calendar", "all"):
        hits += _search_calendar(query, day, k, only_matches=kind == "all")
    hits.sort(key=lambda h: -h.score)
    return hits[:k]


def warm_up(settings: Settings | None = None) -> float:
    """Load the embedding model, jieba, Chroma and every index partition with its BM25 index (servers
    call this at start so the first queries do not pay for it). Returns the seconds spent."""
    import time

    from assistant.retrieval.text import tokenize

    started = time.perf_counter()
    settings = settings or get_settings()
    tokenize("预热")
    store, manifest = open_index(settings, required=False)
    if manifest is not None:
        for name in manifest["parts"]:
            part = store.part(manifest, name)
            if part is not None:
                part.bm25_scores(["预热"])
        if manifest.get("collection"):
            store.collection(manifest["collection"])
        Query("预热", settings).vec  # noqa: B018 - loads the model
    return time.perf_counter() - started
