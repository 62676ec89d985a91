"""Drafting: the day's context, the offline engine and the LLM chain behind one entry point, ranking,
the timeline and revisions."""

from assistant.drafting.context import default_date, gather_context, trend_query
from assistant.drafting.engine import adraft_plan, draft_plan
from assistant.drafting.plan import title_key

__all__ = ["adraft_plan", "default_date", "draft_plan", "gather_context", "title_key", "trend_query"]
