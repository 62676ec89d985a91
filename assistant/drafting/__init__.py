"""Drafting: the day's context, the offline engine and the LLM chain behind one entry point, ranking,
the timeline and revisions."""

from assistant.drafting.plan import (
    adraft_plan,
    default_date,
    draft_plan,
    gather_context,
    title_key,
    trend_query,
)

__all__ = ["adraft_plan", "default_date", "draft_plan", "gather_context", "title_key", "trend_query"]
