"""The drafting entry point: `draft_plan` / `adraft_plan` run the offline engine or the LLM chain (which
falls back to the offline plan by itself), then save the plan."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

from assistant.drafting.context import gather_context
from assistant.drafting.plan import offline_plan
from assistant.llm.choice import choose_model
from assistant.models import DailyPlan, PlanRequest
from assistant.settings import Settings, get_settings
from assistant.sync import run_sync

if TYPE_CHECKING:
    from langchain_core.language_models import BaseChatModel

    from assistant.storage import Store


def _store(settings: Settings, store: Store | None) -> Store:
    if store is not None:
        return store
    from assistant.storage import Store

    return Store(settings)


async def adraft_plan(
    request: PlanRequest,
    *,
    settings: Settings | None = None,
    chat_model: BaseChatModel | None = None,
    save: bool = True,
    store: Store | None = None,
) -> DailyPlan:
    """Draft a daily plan. engine auto -> LLM if configured else offline; LLM failure -> offline fallback."""
    settings = settings or get_settings()
    choice = choose_model(settings, "draft", mode=request.engine, chat_model=chat_model)
    store = _store(settings, store)
    ctx = await asyncio.to_thread(gather_context, request, settings, store)
    if choice.model is None:
        plan = await asyncio.to_thread(offline_plan, ctx, request, settings, choice.fallback_reason)
    else:
        from assistant.drafting.llm.chain import build_draft_chain

        plan = await build_draft_chain(choice.model, settings, request).ainvoke(ctx)
    if save:
        await asyncio.to_thread(store.save_plan, plan)
    return plan


def draft_plan(
    request: PlanRequest,
    *,
    settings: Settings | None = None,
    chat_model: BaseChatModel | None = None,
    save: bool = True,
    store: Store | None = None,
) -> DailyPlan:
    """Synchronous `adraft_plan` (runs its own event loop, or a worker thread inside a running loop)."""
    return run_sync(adraft_plan(request, settings=settings, chat_model=chat_model, save=save, store=store))
