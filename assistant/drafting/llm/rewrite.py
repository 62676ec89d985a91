"""Rewriting one topic with the model: as the operator asked (an instruction), or to fix what the checks
found (no instruction; the draft chain's repair step). The result is checked again."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from assistant.drafting.context import DayContext
from assistant.drafting.llm.guard import FALSE_EVENT, check, hook_problems, problems
from assistant.drafting.llm.prompting import audience_data, product_data
from assistant.drafting.llm.schema import DraftTopic, hook_sources
from assistant.llm import prompts
from assistant.llm.structured import Run, messages, schema_json, structured_output
from assistant.models import Topic
from assistant.settings import Settings

if TYPE_CHECKING:
    from langchain_core.language_models import BaseChatModel


def build_rewrite_chain(chat_model: BaseChatModel, settings: Settings) -> Any:
    """Runnable `{"topic", "ctx", "run", "instruction" ("" = fix the checks' problems), "problems", "trends",
    "avoid"} -> Topic` (checked again)."""
    from langchain_core.runnables import RunnableLambda, RunnableSequence

    async def render(x: dict[str, Any]) -> dict[str, Any]:
        topic, ctx = x["topic"], x["ctx"]
        system, _ = prompts.render("draft_system", settings)
        data = {
            "type": topic.type.value,
            "opening": topic.opening,
            "question": topic.question,
            "bridge": topic.bridge,
            "follow_ups": topic.follow_ups,
        }
        user, version = prompts.render(
            "revise_topic",
            settings,
            instruction=x.get("instruction") or "",
            problems=x.get("problems") or problems(topic),
            topic=data,
            product=product_data(ctx),
            audience=audience_data(ctx),
            trends=x.get("trends") or [],
            avoid=x.get("avoid") or [],
            schema=schema_json(DraftTopic),
        )
        x["run"].versions["revise_topic"] = version
        return {**x, "messages": messages(system, user)}

    async def finish(x: dict[str, Any]) -> Topic:
        new = x["draft"].to_topic(hook_sources(x["ctx"]), x["ctx"].product)
        if new.hook is None:
            new.hook = x["topic"].hook
        false_day = [p for p in hook_problems(new, x["ctx"]) if p.startswith(FALSE_EVENT)]
        if false_day:  # a false hook is dropped; a false event in the text fails the rewrite
            raise ValueError(false_day[0])
        return check(new, x["ctx"])

    return RunnableSequence(
        RunnableLambda(render, name="render_rewrite"),
        structured_output(chat_model, settings, DraftTopic, key="draft"),
        RunnableLambda(finish, name="check_rewrite"),
    )


async def arewrite(
    chat_model: BaseChatModel,
    settings: Settings,
    topic: Topic,
    instruction: str,
    ctx: DayContext,
    trends: list[str] | None = None,
    avoid: list[str] | None = None,
    run: Run | None = None,
) -> Topic:
    """One rewrite as the operator asked (`drafting.revision.revise_topic`)."""
    chain = build_rewrite_chain(chat_model, settings)
    return await chain.ainvoke(
        {
            "topic": topic,
            "ctx": ctx,
            "run": run or Run(),
            "instruction": instruction,
            "trends": trends or [],
            "avoid": avoid or [],
        }
    )
