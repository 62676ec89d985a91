"""The drafting entry point: `draft_plan` / `adraft_plan` run the offline engine or the LLM chain (which
falls back to the offline plan by itself), then save the plan."""

from __future__ import annotations

import asyncio
import logging
from typing import Any, Literal

from assistant.drafting.context import DayContext, gather_context
from assistant.drafting.plan import offline_plan
from assistant.errors import ConfigError
from assistant.models import DailyPlan, PlanRequest
from assistant.settings import Settings, get_settings

log = logging.getLogger("huati.drafting")


def _engine(request: PlanRequest, settings: Settings, chat_model: Any) -> Literal["offline", "llm"]:
    if request.engine == "offline":
        return "offline"
    if chat_model is not None:
        return "llm"
    if request.engine == "llm" or settings.llm_configured:
        from assistant.llm import require_configured

        require_configured(settings)
        return "llm"
    return "offline"


def _store(settings: Settings, store: Any) -> Any:
    if store is not None:
        return store
    from assistant.storage import Store

    return Store(settings)


async def adraft_plan(
    request: PlanRequest,
    *,
    settings: Settings | None = None,
    chat_model: Any = None,
    save: bool = True,
    store: Any = None,
) -> DailyPlan:
    """Draft a daily plan. engine auto -> LLM if configured else offline; LLM failure -> offline fallback."""
    settings = settings or get_settings()
    engine = _engine(request, settings, chat_model)
    store = _store(settings, store)
    ctx = await asyncio.to_thread(gather_context, request, settings, store)
    if engine == "offline":
        plan = await asyncio.to_thread(offline_plan, ctx, request, settings)
    else:
        plan = await _llm_plan(ctx, request, settings, chat_model)
    if save:
        await asyncio.to_thread(store.save_plan, plan)
    return plan


async def _llm_plan(ctx: DayContext, request: PlanRequest, settings: Settings, chat_model: Any) -> DailyPlan:
    """The LCEL chain (`chains.build_draft_chain`); it falls back to the offline plan by itself."""
    from assistant.drafting.llm.chain import build_draft_chain, fallback_reason
    from assistant.llm import get_chat_model

    try:
        model = chat_model if chat_model is not None else get_chat_model(settings)
    except ConfigError:
        raise
    except Exception as exc:  # noqa: BLE001 - a client that cannot be built is a failed endpoint too
        log.info("LLM client failed, falling back to offline: %s", exc)
        return await asyncio.to_thread(offline_plan, ctx, request, settings, fallback_reason(exc))
    return await build_draft_chain(model, settings, request).ainvoke(ctx)


def draft_plan(
    request: PlanRequest,
    *,
    settings: Settings | None = None,
    chat_model: Any = None,
    save: bool = True,
    store: Any = None,
) -> DailyPlan:
    """Synchronous `adraft_plan` (runs its own event loop, or a worker thread inside a running loop)."""
    coro = adraft_plan(request, settings=settings, chat_model=chat_model, save=save, store=store)
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(coro)
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coro).result()


