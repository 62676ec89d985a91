"""Retrieval: the index of cases and trends, hybrid search, the calendar and trend files."""

from assistant.retrieval.day_trends import trends_for
from assistant.retrieval.hybrid import KINDS, MAX_K, check_query, search, today, trend_weight, warm_up

__all__ = ["KINDS", "MAX_K", "check_query", "search", "today", "trend_weight", "trends_for", "warm_up"]
