"""The LLM path as one LCEL Runnable (`build_draft_chain`), steps over a typed `DraftState`:

retrieve cases -> render prompts -> chat model -> structured output (tolerant parser, one repair retry)
-> guard: drop repeats of the group's recent topics, check every topic and its posted lines -> repair failing
topics once, all concurrently (`abatch`) -> rank (checks score + MMR) -> fill up from the offline engine
-> plan; any failure but a broken setup -> the offline plan, saying why.

Sequential round trips: draft (1) + repair of malformed output (only then) + repair of failing topics (only
when a topic fails).
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING

from assistant.drafting.context import DayContext
from assistant.drafting.llm.guard import (
    FALSE_EVENT,
    check,
    guard_lines,
    hook_problems,
    passed,
    problems,
    rank,
    repeats,
)
from assistant.drafting.llm.prompting import candidate_count, render_draft
from assistant.drafting.llm.rewrite import build_rewrite_chain
from assistant.drafting.llm.schema import DraftTopics, hook_sources
from assistant.drafting.offline import engine as offline_engine
from assistant.drafting.offline import library as offline_library
from assistant.drafting.plan import build_plan, offline_plan, sources_for
from assistant.drafting.screening import unused_trend_notes
from assistant.errors import ConfigError
from assistant.llm.choice import fallback_reason
from assistant.llm.client import model_name
from assistant.llm.structured import Run, structured_output
from assistant.models import DailyPlan, PlanRequest, Topic, TopicOrigin
from assistant.settings import OFFLINE_MODEL, Settings

if TYPE_CHECKING:
    from langchain_core.language_models import BaseChatModel
    from langchain_core.messages import BaseMessage
    from langchain_core.runnables import Runnable

__all__ = ["DraftState", "NoUsableTopics", "build_draft_chain"]


class NoUsableTopics(ValueError):
    """Every topic the model wrote repeated a recent one or failed the checks."""


@dataclass
class DraftState:
    """What one LLM plan carries from step to step."""

    ctx: DayContext
    run: Run = field(default_factory=Run)
    cases: list[dict[str, str]] = field(default_factory=list)
    messages: list[BaseMessage] = field(default_factory=list)
    drafted: DraftTopics | None = None
    topics: list[Topic] = field(default_factory=list)  # checked candidates, repeats dropped
    issues: list[list[str]] = field(default_factory=list)  # per topic: what the checks found
    chosen: list[Topic] = field(default_factory=list)  # the model's topics that made the plan
    extra: list[Topic] = field(default_factory=list)  # the offline engine's fill-in


def retrieve_cases(ctx: DayContext, settings: Settings) -> list[dict[str, str]]:
    """Up to three case excerpts for the model; none when there is no index."""
    from assistant.errors import HuatiError
    from assistant.retrieval import search

    query = f"{ctx.product.noun} 群话题 {ctx.audience.name if ctx.audience else ''}"
    try:
        hits = search(query, kind="cases", date=ctx.date, k=3, settings=settings)
    except HuatiError:  # no index yet: draft without cases
        return []
    return [{"标题": h.title, "摘录": h.text[:300], "来源": h.source} for h in hits]


def _why(run: Run, history_days: int, usable: int) -> str:
    parts = []
    if run.dropped["recent"]:
        parts.append(f"有 {run.dropped['recent']} 个与该群近 {history_days} 天的话题重复")
    if run.dropped["same"]:
        parts.append(f"有 {run.dropped['same']} 个彼此重复")
    if run.dropped["failed"]:
        parts.append(f"有 {run.dropped['failed']} 个改写后仍没有通过检查")
    if run.dropped["malformed"]:
        parts.append(f"有 {run.dropped['malformed']} 个格式不对（缺字段或写错类型）")
    return "，".join(parts) or f"只有 {usable} 个可用"


def why_offline(exc: BaseException) -> str:
    if isinstance(exc, NoUsableTopics):
        return f"大模型给出的话题不能用（{exc}），本方案由离线引擎生成"
    return fallback_reason(exc)


class DraftChain:
    """The steps of one plan request; `runnable()` strings them together."""

    def __init__(self, chat_model: BaseChatModel, settings: Settings, request: PlanRequest, label: str):
        self.chat_model, self.settings, self.request, self.label = chat_model, settings, request, label
        self._rewrite: Runnable | None = None  # built on first need: most plans never repair a topic

    def retrieve(self, state: DraftState) -> DraftState:  # sync: runs in a thread, the index may load a model
        state.cases = retrieve_cases(state.ctx, self.settings)
        return state

    async def render(self, state: DraftState) -> DraftState:
        count = candidate_count(self.request.n, state.ctx)
        schema = self.settings.llm_structured_method == "prompt"
        state.messages, versions = render_draft(state.ctx, count, state.cases, self.settings, schema=schema)
        state.run.versions.update(versions)
        state.run.usage.round_trips += 1
        return state

    async def call_model(self, state: DraftState) -> DraftState:
        parser = structured_output(self.chat_model, self.settings, DraftTopics)
        state.drafted = await parser.ainvoke({"messages": state.messages, "run": state.run})
        return state

    async def guard(self, state: DraftState) -> DraftState:
        ctx, run = state.ctx, state.run
        sources = hook_sources(ctx)
        memo: dict[str, list[str]] = {}
        assert state.drafted is not None
        run.dropped["malformed"] += state.drafted.rejected
        for draft in state.drafted.topics:
            topic = draft.to_topic(sources, ctx.product)
            if repeats(topic, ctx.recent) or (
                ctx.avoid and repeats(topic, ctx.avoid)
            ):  # avoid: rejected here
                run.dropped["recent"] += 1
                continue
            if repeats(topic, [t.text for t in state.topics]):
                run.dropped["same"] += 1
                continue
            false_day = hook_problems(topic, ctx)
            check(topic, ctx)
            state.topics.append(topic)
            state.issues.append(false_day + problems(topic) + guard_lines(topic, ctx, memo))
        return state

    async def repair(self, state: DraftState) -> DraftState:
        """Each topic with a problem is rewritten once, all at once; one still failing is dropped."""
        ctx, run, topics = state.ctx, state.run, state.topics
        todo = [i for i, found in enumerate(state.issues) if found]
        if not todo:
            return state
        run.usage.round_trips += 1
        others = [[*ctx.recent[-20:], *(t.text for j, t in enumerate(topics) if j != i)] for i in todo]
        inputs = [
            {"topic": topics[i], "ctx": ctx, "run": run, "problems": state.issues[i], "avoid": avoid}
            for i, avoid in zip(todo, others, strict=True)
        ]
        if self._rewrite is None:
            self._rewrite = build_rewrite_chain(self.chat_model, self.settings)
        results = await self._rewrite.abatch(inputs, return_exceptions=True)
        kept: list[Topic | None] = list(topics)
        for i, new in zip(todo, results, strict=True):
            verdict = None
            if not isinstance(new, Topic) or not passed(new):
                verdict = "failed"
            elif repeats(new, ctx.recent) or (ctx.avoid and repeats(new, ctx.avoid)):
                verdict = "recent"
            elif repeats(new, [t.text for j, t in enumerate(kept) if j != i and t is not None and passed(t)]):
                verdict = "same"
            if verdict is None:
                guard_lines(new, ctx)
                kept[i] = new
            elif not passed(topics[i]) or any(p.startswith(FALSE_EVENT) for p in state.issues[i]):
                # still failing (or still naming a day that is not this one) after its one repair: dropped
                kept[i] = None
                run.dropped[verdict] += 1
        state.topics = [t for t in kept if t is not None]
        return state

    async def rank(self, state: DraftState) -> DraftState:
        state.chosen = rank(state.topics, self.request.n, state.ctx.learned)
        if not state.chosen:
            raise NoUsableTopics("候选里" + _why(state.run, self.settings.history_days, 0))
        return state

    async def fill(self, state: DraftState) -> DraftState:
        missing = self.request.n - len(state.chosen)
        if missing > 0:
            ctx = replace(state.ctx, recent=[*state.ctx.recent, *(t.text for t in state.chosen)])
            state.extra = await asyncio.to_thread(
                offline_engine.draft_topics, ctx, missing, self.settings, note_trends=False
            )
        return state

    async def plan(self, state: DraftState) -> DailyPlan:
        ctx, run, chosen, extra = state.ctx, state.run, state.chosen, state.extra
        topics = [*chosen, *extra]
        out = build_plan(ctx, self.request, topics, "llm", self.label, self.settings)
        out.notes = [*out.notes, *unused_trend_notes(ctx.user_trends, topics, out.notes)]
        out.prompt_versions = dict(run.versions)
        out.sources = sources_for(topics, ctx, state.cases)
        out.usage = run.usage.public()
        out.topic_origins = {t.id: TopicOrigin(engine="llm", model=self.label) for t in chosen}
        out.topic_origins.update({t.id: TopicOrigin(engine="offline", model=OFFLINE_MODEL) for t in extra})
        if extra:
            out.prompt_versions["patterns"] = offline_library.version(self.settings)
            why = _why(run, self.settings.history_days, len(chosen))
            out.fallback_reason = (
                f"{len(topics)} 个话题中有 {len(extra)} 个由离线引擎补足（大模型的候选里{why}）"
            )
        return out

    def offline(self, state: DraftState, error: BaseException) -> DailyPlan:
        out = offline_plan(state.ctx, self.request, self.settings, why_offline(error))
        out.usage = state.run.usage.public()  # what the failed attempt cost
        return out

    def runnable(self) -> Runnable[DayContext, DailyPlan]:
        from langchain_core.runnables import RunnableLambda, RunnableSequence

        llm_path: Runnable[DraftState, DailyPlan] = RunnableSequence(
            RunnableLambda(self.retrieve, name="retrieve"),
            RunnableLambda(self.render, name="render_prompts"),
            RunnableLambda(self.call_model, name="call_model"),
            RunnableLambda(self.guard, name="guard"),
            RunnableLambda(self.repair, name="repair_failing"),
            RunnableLambda(self.rank, name="rank"),
            RunnableLambda(self.fill, name="fill_offline"),
            RunnableLambda(self.plan, name="plan"),
        )

        async def draft(ctx: DayContext) -> DailyPlan:
            state = DraftState(ctx)
            try:
                return await llm_path.ainvoke(state)
            except ConfigError:  # a broken setup is an error, not a fallback
                raise
            except Exception as exc:  # any other failure: the offline plan, saying why
                return await asyncio.to_thread(self.offline, state, exc)

        return RunnableLambda(draft, name="draft_plan")


def build_draft_chain(
    chat_model: BaseChatModel, settings: Settings, request: PlanRequest, model: str | None = None
) -> Runnable[DayContext, DailyPlan]:
    """One Runnable: `await build_draft_chain(model, settings, request).ainvoke(ctx)` -> DailyPlan.

    The plan is `engine="llm"` when at least one topic is the model's; topics the offline engine filled in
    are listed in `plan.topic_origins` and counted in `fallback_reason`. Any failure -> the offline plan."""
    return DraftChain(chat_model, settings, request, model or model_name(chat_model)).runnable()
