"""Revising one topic as an operator asks (更口语 / 更短 / 换个角度 / 结合热点 / 更正式 ...)."""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from datetime import date as Date
from typing import TYPE_CHECKING

from assistant.drafting.context import DayContext, default_date, trend_query
from assistant.drafting.ranking import near_duplicate_of
from assistant.errors import ConfigError, HuatiError
from assistant.llm.choice import choose_model
from assistant.models import Audience, Product, Topic, TopicOrigin
from assistant.settings import OFFLINE_MODEL, Settings, get_settings
from assistant.sync import run_sync

if TYPE_CHECKING:
    from langchain_core.language_models import BaseChatModel

log = logging.getLogger("huati.revise")
TREND_K = 8


_HOT = re.compile(r"（今日热搜：([^）]*)）")


def _instruction_trends(instruction: str) -> list[str]:
    m = _HOT.search(instruction)
    return [t.strip() for t in re.split(r"[、,，]", m.group(1)) if t.strip()] if m else []


def revise_topic(
    topic: Topic,
    instruction: str,
    product: Product,
    audience: Audience | None = None,
    date: Date | None = None,
    chat_model: BaseChatModel | None = None,
    settings: Settings | None = None,
    avoid: Sequence[str] = (),
) -> Topic:
    """`revise_topic_with_origin` without saying who wrote the result."""
    new, _origin = revise_topic_with_origin(
        topic, instruction, product, audience, date, chat_model, settings, avoid
    )
    return new


def revise_topic_with_origin(
    topic: Topic,
    instruction: str,
    product: Product,
    audience: Audience | None = None,
    date: Date | None = None,
    chat_model: BaseChatModel | None = None,
    settings: Settings | None = None,
    avoid: Sequence[str] = (),
) -> tuple[Topic, TopicOrigin]:
    """Rewrite one topic as asked (更口语 / 更短 / 换个角度 / 结合热点 / 改成投票 / 加emoji ...). LLM when one is
    given or configured, falling back to the offline rules (`offline_revise`); the result is checked again.

    `avoid`: texts the result must not repeat (the plan's other topics, earlier revisions). When no rewrite
    that really follows the instruction exists, an InputError says why in Chinese instead of returning the
    topic unchanged. Trends typed as 「（今日热搜：A、B）」 are used when they fit the product; otherwise the
    day's trend files are searched. Returns the topic and which engine and model wrote it (the offline rules
    when the model failed or repeated something)."""
    from assistant.drafting.context import profile_of
    from assistant.drafting.offline.rewrite import rewrite_offline
    from assistant.drafting.product_view import filled
    from assistant.retrieval.calendar import events_for

    settings = settings or get_settings()
    day = date or default_date()
    instruction = (instruction or "").strip() or "换个角度"
    typed = _instruction_trends(instruction)
    found = []
    if not typed and re.search(r"热点|热搜|热门|新闻|时事|蹭", instruction):
        try:
            from assistant.retrieval import trends_for

            found = trends_for(day, query=trend_query(product), k=TREND_K, settings=settings, dense=False)
        except HuatiError:
            found = []
    ctx = DayContext(product, audience, day, trends=found, events=events_for(day, 7), user_trends=typed)
    ctx.profile = profile_of(product, settings)
    ctx.product = filled(product, ctx.profile)
    avoid = [a for a in avoid if a and a != topic.text]
    choice = choose_model(settings, "revise", chat_model=chat_model)
    if choice.model is not None:
        try:
            new = _revise_llm(
                topic, instruction, ctx, typed or [t.title for t in found], choice.model, settings
            )
            if new.text != topic.text and not near_duplicate_of(new.text, avoid):
                return new, TopicOrigin(engine="llm", model=choice.name)
            log.info("LLM revision repeated the topic or the plan, using offline rules")
        except ConfigError:
            raise
        except Exception as exc:  # offline rules still give an answer
            log.info("LLM revision failed, using offline rules: %s", exc)
    new = rewrite_offline(topic, instruction, ctx, settings, avoid=avoid)
    return new, TopicOrigin(engine="offline", model=OFFLINE_MODEL)


def _revise_llm(
    topic: Topic,
    instruction: str,
    ctx: DayContext,
    trends: list[str],
    chat_model: BaseChatModel,
    settings: Settings,
) -> Topic:
    """The model's revision (checked again); ValueError when it breaks compliance."""
    from assistant.drafting.llm.rewrite import arewrite

    new = run_sync(arewrite(chat_model, settings, topic, instruction, ctx, trends))
    if not new.checks["compliance"].passed:
        raise ValueError("改写结果没有通过合规检查")
    return new
