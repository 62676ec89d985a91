"""The day's hook around a topic: the words of the given trends and of the calendar events of its date (never
evidence for a product other than the target), and the tie-in report (does the topic mention them?)."""

from __future__ import annotations

import re
from datetime import date as Date
from functools import lru_cache
from typing import Any

from assistant.checks.catalogue_terms import STOP_BIGRAMS
from assistant.checks.lexicon import norm_term
from assistant.checks.normalize import Normalized


def trend_terms(trend: str) -> list[str]:
    t = norm_term(trend)
    t = re.sub(r"[#＃\[\]【】()（）,，。!！?？:：]", " ", t)
    parts = [p for p in t.split() if p]
    terms = [p for p in parts if len(p) >= 2]
    for p in parts:  # bigrams of longer titles: a topic rarely repeats a headline word for word
        if len(p) > 4:
            terms.extend(p[i : i + 2] for i in range(len(p) - 1))
    return terms


TIE_IN_HORIZON = 7


def tie_in(n: Normalized, trends: list[str], events: list[str]) -> dict[str, Any]:
    out: dict[str, Any] = {"trends": [], "events": []}
    for trend in trends:
        hits = [t for t in trend_terms(trend) if t not in STOP_BIGRAMS and t in n.text]
        out["trends"].append({"title": trend, "mentioned": bool(hits), "matched": sorted(set(hits))[:5]})
    for name in events:
        forms = {norm_term(name), norm_term(name.replace("季", "天"))}  # 冬季 is also 冬天
        out["events"].append({"name": name, "mentioned": any(f and f in n.text for f in forms)})
    return out


def events_for(day: Date | None, horizon: int = 3) -> list[str]:
    return [] if day is None else list(_event_names(day, horizon))


@lru_cache(maxsize=1024)
def _event_names(day: Date, horizon: int) -> tuple[str, ...]:
    from assistant.errors import HuatiError
    from assistant.retrieval.calendar import events_for

    try:
        return tuple(e.name for e in events_for(day, horizon_days=horizon))
    except HuatiError:  # a date the calendar cannot place: no tie-in report, never a failed check
        return ()
