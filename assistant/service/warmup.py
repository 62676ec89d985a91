"""Load every index partition, the embedding model, lexicons and the chat client once, so that the first burst
of requests (or of batch items in a worker) does not make each one load the same partitions at the same time."""

from __future__ import annotations

import logging
import time

from assistant.settings import Settings

log = logging.getLogger("huati.warm_up")


def warm_up(settings: Settings) -> bool:
    """Best effort: True when done, False (logged) when something was missing; requests report real errors."""
    started = time.perf_counter()
    try:
        from assistant.drafting import draft_plan
        from assistant.knowledge import load_products
        from assistant.models import PlanRequest
        from assistant.retrieval.index import IndexStore

        store = IndexStore(settings)
        manifest = store.manifest() or {"parts": {}}
        for name in manifest["parts"]:
            store.part(manifest, name)
        product = load_products(settings)[0].name
        draft_plan(PlanRequest(product=product, engine="offline", n=1), settings=settings, save=False)
        if settings.llm_configured:
            import assistant.drafting.llm.chain  # noqa: F401 - LangChain imports are the slow part of a first LLM plan
            from assistant.llm import get_chat_model

            get_chat_model(settings, "draft")
        log.info("warm-up done in %.1f s", time.perf_counter() - started)
        return True
    except Exception as exc:
        log.warning("warm-up skipped: %s", exc)
        return False
