"""The LLM path as one LCEL Runnable (`build_draft_chain`):

retrieve -> render prompts -> chat model -> structured output (tolerant parser, one repair retry)
-> drop repeats of the group's recent topics -> guard with the checks -> revise failing topics once, all
concurrently (`abatch`) -> rank (checks score + MMR) -> fill up from the offline engine -> plan;
any failure -> the offline plan, saying why (`with_fallbacks`).

Sequential round trips: draft (1) + repair (only for malformed output) + revise (only when a topic fails).
"""

from __future__ import annotations

import asyncio
from dataclasses import replace
from typing import Any, Literal

from pydantic import BaseModel, Field

from assistant.drafting.context import DayContext
from assistant.drafting.plan import build_plan, offline_plan, sources_for, title_key
from assistant.drafting.ranking import bigrams, is_contained, is_near_duplicate, jaccard, mmr
from assistant.drafting.screening import unsafe_trend
from assistant.errors import ConfigError
from assistant.llm import prompts
from assistant.llm.choice import fallback_reason
from assistant.llm.structured import Run, Structured, Usage, messages, schema_json, structured_output
from assistant.models import DailyPlan, Hook, PlanRequest, Product, Topic, TopicOrigin, TopicType
from assistant.settings import OFFLINE_MODEL, Settings

__all__ = ["DraftTopic", "DraftTopics", "Structured", "Usage", "arevise_llm", "build_draft_chain", "rank"]

EXTRA_CANDIDATES = 2  # ask for n + 2 so the guard can drop some
EXTRA_WITH_HISTORY = 2  # and 2 more when the group has recent topics to avoid


class DraftTopic(BaseModel):
    type: TopicType = TopicType.experience
    opening: str = ""
    question: str = Field(..., min_length=2, max_length=200)
    hook_kind: Literal["trend", "calendar", "season", "scenario", "case"] | None = None
    hook_title: str = ""
    bridge: str = ""
    follow_ups: list[str] = []

    def to_topic(self, sources: dict[str, str], product: Product) -> Topic:
        """The topic; a trend hook named after an unsafe title (spam, an instruction, bad news) is dropped."""
        hook = None
        title = self.hook_title.strip()
        if self.hook_kind == "trend" and unsafe_trend(title, product):
            title = ""
        if self.hook_kind and title:
            hook = Hook(kind=self.hook_kind, title=title, source=sources.get(title_key(title), "llm"))
        return Topic(
            type=self.type,
            opening=self.opening.strip(),
            question=self.question.strip(),
            hook=hook,
            bridge=self.bridge.strip(),
            follow_ups=[f.strip() for f in self.follow_ups if f.strip()][:3],
        )


class DraftTopics(BaseModel):
    topics: list[DraftTopic] = Field(..., min_length=1)


class NoUsableTopics(ValueError):
    """Every topic the model wrote repeated a recent one or failed the checks."""


def hook_sources(ctx: DayContext) -> dict[str, str]:
    out = {title_key(t.title): (t.url or f"{t.platform} {t.date.isoformat()}") for t in ctx.trends}
    out.update(
        {title_key(e.name): f"calendar:{e.date.isoformat()}" for e in ctx.events if e.kind != "season"}
    )
    out.update({title_key(t): "用户输入" for t in ctx.user_trends})
    return out


# --------------------------------------------------------------------------- prompt data


def _product_data(ctx: DayContext) -> dict[str, Any]:
    from assistant.drafting.offline.library import everyday_noun

    p = ctx.product
    return {
        "商品名": p.name,
        "日常叫法": everyday_noun(p),
        "类目": p.category,
        "卖点": p.selling_points,
        "使用场景": p.scenarios,
        "禁止宣称": p.forbidden_claims,
    }


def _audience_data(ctx: DayContext) -> dict[str, Any] | None:
    a = ctx.audience
    if a is None:
        return None
    return {"群名": a.name, "称呼": a.address, "描述": a.description, "兴趣": a.interests, "语气": a.tone}


def candidate_count(n: int, ctx: DayContext) -> int:
    return n + EXTRA_CANDIDATES + (EXTRA_WITH_HISTORY if ctx.recent else 0)


def render_draft(
    ctx: DayContext, count: int, cases: list[dict[str, str]], settings: Settings, schema: bool
) -> tuple[list[Any], dict[str, str]]:
    system, v1 = prompts.render("draft_system", settings)
    trends = [*ctx.user_trends, *(t.title for t in ctx.trends)]
    events = [{"名称": e.name, "类型": e.kind, "距今天数": e.days_from} for e in ctx.events]
    user, v2 = prompts.render(
        "draft_topics",
        settings,
        day=ctx.date.isoformat(),
        count=count,
        types=[t.value for t in TopicType],
        product=_product_data(ctx),
        audience=_audience_data(ctx),
        events=events,
        trends=trends,
        cases=cases,
        recent=ctx.recent[-20:],
        schema=schema_json(DraftTopics) if schema else "",
    )
    return messages(system, user), {"draft_system": v1, "draft_topics": v2}


# --------------------------------------------------------------------------- guard


def check(topic: Topic, ctx: DayContext) -> Topic:
    from assistant.checks import run_checks

    trend = [topic.hook.title] if topic.hook and topic.hook.kind == "trend" else None
    report = run_checks(topic.text[:2000], ctx.product, audience=ctx.audience, date=ctx.date, trend=trend)
    topic.checks = report.checks
    topic.score = report.score if report.passed else report.score - 1
    return topic


def passed(topic: Topic) -> bool:
    return bool(topic.checks) and all(r.passed for r in topic.checks.values())


def problems(topic: Topic) -> list[str]:
    return [f"{name}: {'；'.join(r.reasons[:2])}" for name, r in topic.checks.items() if not r.passed]


def guard_lines(topic: Topic, ctx: DayContext, memo: dict[str, list[str]] | None = None) -> list[str]:
    """The bridge and follow-ups are posted too: drop any that breaks compliance, carries platform-risk words
    (导流、加微信、红包) or sells hard. Returns the checks' reasons for what was dropped. `memo`: verdicts
    shared by the topics of one answer (they often repeat a line)."""
    from assistant.checks.compliance import check_compliance
    from assistant.checks.tone import check_tone

    memo = {} if memo is None else memo

    def bad(line: str) -> list[str]:
        if line not in memo:
            memo[line] = _line_problems(line)
        return memo[line]

    def _line_problems(line: str) -> list[str]:
        comp = check_compliance(line, ctx.product)
        risky = [f for f in comp.details.get("findings", []) if f.get("rule") == "PLAT-RISK"]
        tone = check_tone(line, ctx.audience)
        sells = "hard_sell" in tone.details.get("findings", {})
        if comp.passed and not risky and not sells:
            return []
        return [*comp.reasons[:1], *([r for r in tone.reasons if "叫卖" in r][:1] if sells else [])]

    issues: list[str] = []
    if topic.bridge and (why := bad(topic.bridge)):
        issues.append(f"bridge「{topic.bridge[:40]}」: {'；'.join(why)}")
        topic.bridge = ""
    kept = []
    for line in topic.follow_ups:
        if why := bad(line):
            issues.append(f"follow_ups「{line[:40]}」: {'；'.join(why)}")
        else:
            kept.append(line)
    topic.follow_ups = kept
    return issues


def repeats(topic: Topic, texts: list[str]) -> bool:
    """A near-duplicate of one of `texts`, or the same question under another opening."""
    texts = [t for t in texts if t]
    return bool(texts) and (is_near_duplicate(topic.text, texts) or is_contained(topic.question, texts))


# --------------------------------------------------------------------------- revise


def build_revise_chain(chat_model: Any, settings: Settings) -> Any:
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
            product=_product_data(ctx),
            audience=_audience_data(ctx),
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
        return check(new, x["ctx"])

    return RunnableSequence(
        RunnableLambda(render, name="render_revise"),
        structured_output(chat_model, settings, DraftTopic, key="draft"),
        RunnableLambda(finish, name="check_revision"),
    )


async def arevise_llm(
    structured: Structured,
    topic: Topic,
    instruction: str,
    ctx: DayContext,
    trends: list[str] | None = None,
    avoid: list[str] | None = None,
) -> Topic:
    """One revision as the operator asked (`revise.revise_topic`)."""
    chain = build_revise_chain(structured.model, structured.settings)
    return await chain.ainvoke(
        {
            "topic": topic,
            "ctx": ctx,
            "run": structured.run,
            "instruction": instruction,
            "trends": trends or [],
            "avoid": avoid or [],
        }
    )


# --------------------------------------------------------------------------- rank


def rank(topics: list[Topic], n: int) -> list[Topic]:
    """Topics that pass every check, by checks score, diverse by MMR (repeats were dropped before)."""
    ordered = sorted((t for t in topics if passed(t)), key=lambda t: -t.score)
    grams = {id(t): bigrams(t.text) for t in ordered}

    def sim(a: Topic, b: Topic) -> float:
        return 0.6 * jaccard(grams[id(a)], grams[id(b)]) + 0.4 * (a.type == b.type)

    return mmr(ordered, [t.score for t in ordered], sim, n)


# --------------------------------------------------------------------------- the chain


def _cases(settings: Settings) -> Any:
    def cases(state: dict[str, Any]) -> list[dict[str, str]]:
        ctx = state["ctx"]
        try:
            from assistant.retrieval import search

            hits = search(
                f"{ctx.product.noun} 群话题 {ctx.audience.name if ctx.audience else ''}",
                kind="cases",
                date=ctx.date,
                k=3,
                settings=settings,
            )
        except Exception:  # noqa: BLE001 - no index: draft without cases
            return []
        return [{"标题": h.title, "摘录": h.text[:300], "来源": h.source} for h in hits]

    return cases


def _why(run: Run, history_days: int, usable: int) -> str:
    parts = []
    if run.dropped["recent"]:
        parts.append(f"有 {run.dropped['recent']} 个与该群近 {history_days} 天的话题重复")
    if run.dropped["same"]:
        parts.append(f"有 {run.dropped['same']} 个彼此重复")
    if run.dropped["failed"]:
        parts.append(f"有 {run.dropped['failed']} 个改写后仍没有通过检查")
    return "，".join(parts) or f"只有 {usable} 个可用"


def why_offline(exc: BaseException) -> str:
    if isinstance(exc, NoUsableTopics):
        return f"大模型给出的话题不能用（{exc}），本方案由离线引擎生成"
    return fallback_reason(exc)


def build_draft_chain(
    chat_model: Any, settings: Settings, request: PlanRequest, model: str | None = None
) -> Any:
    """One Runnable: `await build_draft_chain(model, settings, request).ainvoke(ctx)` -> DailyPlan.

    The plan is `engine="llm"` when at least one topic is the model's; topics the offline engine filled in
    are listed in `plan.topic_origins` and counted in `fallback_reason`. Any failure -> the offline plan."""
    from langchain_core.runnables import RunnableLambda, RunnableSequence

    from assistant.drafting.offline import engine as offline_engine
    from assistant.drafting.offline import library as offline_library
    from assistant.llm import model_name

    n = request.n
    label = model or model_name(chat_model)
    revise_chain: list[Any] = []

    async def start(x: DayContext | dict[str, Any]) -> dict[str, Any]:
        state = dict(x) if isinstance(x, dict) else {"ctx": x}
        state.setdefault("run", Run())
        return state

    def retrieve(state: dict[str, Any]) -> dict[str, Any]:  # sync: a thread, the index may load a model
        return {**state, "cases": cases(state)}

    async def render(state: dict[str, Any]) -> dict[str, Any]:
        msgs, versions = render_draft(
            state["ctx"],
            candidate_count(n, state["ctx"]),
            state["cases"],
            settings,
            schema=settings.llm_structured_method == "prompt",
        )
        state["run"].versions.update(versions)
        state["run"].usage.round_trips += 1
        return {**state, "messages": msgs}

    async def guard(state: dict[str, Any]) -> dict[str, Any]:
        ctx, run = state["ctx"], state["run"]
        sources = hook_sources(ctx)
        topics: list[Topic] = []
        issues: list[list[str]] = []
        memo: dict[str, list[str]] = {}
        for draft in state["drafted"].topics:
            topic = draft.to_topic(sources, ctx.product)
            if repeats(topic, ctx.recent):
                run.dropped["recent"] += 1
                continue
            if repeats(topic, [t.text for t in topics]):
                run.dropped["same"] += 1
                continue
            check(topic, ctx)
            topics.append(topic)
            issues.append(problems(topic) + guard_lines(topic, ctx, memo))
        return {**state, "topics": topics, "issues": issues}

    async def revise(state: dict[str, Any]) -> dict[str, Any]:
        ctx, run, topics, issues = state["ctx"], state["run"], state["topics"], state["issues"]
        todo = [i for i, found in enumerate(issues) if found]
        if not todo:
            return state
        run.usage.round_trips += 1
        inputs = [
            {
                "topic": topics[i],
                "ctx": ctx,
                "run": run,
                "instruction": "",
                "problems": issues[i],
                "trends": [],
                "avoid": [*ctx.recent[-20:], *(t.text for j, t in enumerate(topics) if j != i)],
            }
            for i in todo
        ]
        if not revise_chain:  # built on first need: most plans never revise
            revise_chain.append(build_revise_chain(chat_model, settings))
        results = await revise_chain[0].abatch(inputs, return_exceptions=True)
        kept: list[Topic | None] = list(topics)
        for i, new in zip(todo, results, strict=True):
            verdict = None
            if not isinstance(new, Topic) or not passed(new):
                verdict = "failed"
            elif repeats(new, ctx.recent):
                verdict = "recent"
            elif repeats(new, [t.text for j, t in enumerate(kept) if j != i and t is not None and passed(t)]):
                verdict = "same"
            if verdict is None:
                guard_lines(new, ctx)
                kept[i] = new
            elif not passed(topics[i]):  # still failing after its one revision: dropped
                kept[i] = None
                run.dropped[verdict] += 1
        return {**state, "topics": [t for t in kept if t is not None]}

    async def ranked(state: dict[str, Any]) -> dict[str, Any]:
        chosen = rank(state["topics"], n)
        if not chosen:
            raise NoUsableTopics("候选里" + _why(state["run"], settings.history_days, 0))
        return {**state, "chosen": chosen}

    async def fill(state: dict[str, Any]) -> dict[str, Any]:
        ctx, chosen = state["ctx"], state["chosen"]
        extra: list[Topic] = []
        if len(chosen) < n:
            fill_ctx = replace(ctx, recent=[*ctx.recent, *(t.text for t in chosen)])
            extra = await asyncio.to_thread(offline_engine.draft_topics, fill_ctx, n - len(chosen), settings)
        return {**state, "extra": extra}

    async def plan(state: dict[str, Any]) -> DailyPlan:
        ctx, run, chosen, extra = state["ctx"], state["run"], state["chosen"], state["extra"]
        topics = [*chosen, *extra]
        out = build_plan(ctx, request, topics, "llm", label, settings)
        out.prompt_versions = dict(run.versions)
        out.sources = sources_for(topics, ctx, state["cases"])
        out.usage = run.usage.public()
        out.topic_origins = {t.id: TopicOrigin(engine="llm", model=label) for t in chosen}
        out.topic_origins.update({t.id: TopicOrigin(engine="offline", model=OFFLINE_MODEL) for t in extra})
        if extra:
            out.prompt_versions["patterns"] = offline_library.version(settings)
            why = _why(run, settings.history_days, len(chosen))
            out.fallback_reason = (
                f"{len(topics)} 个话题中有 {len(extra)} 个由离线引擎补足（大模型的候选里{why}）"
            )
        return out

    def offline(state: dict[str, Any]) -> DailyPlan:
        error = state["error"]
        if isinstance(error, ConfigError):  # a broken setup is an error, not a fallback
            raise error
        out = offline_plan(state["ctx"], request, settings, why_offline(error))
        out.usage = state["run"].usage.public()  # what the failed attempt cost
        return out

    cases = _cases(settings)
    llm_path = RunnableSequence(
        RunnableLambda(retrieve, name="retrieve"),
        RunnableLambda(render, name="render_prompts"),
        structured_output(chat_model, settings, DraftTopics, key="drafted"),
        RunnableLambda(guard, name="guard"),
        RunnableLambda(revise, name="revise_failing"),
        RunnableLambda(ranked, name="rank"),
        RunnableLambda(fill, name="fill_offline"),
        RunnableLambda(plan, name="plan"),
    )
    fallbacks = llm_path.with_fallbacks(
        [RunnableLambda(offline, name="offline_fallback")], exception_key="error"
    )
    return RunnableSequence(RunnableLambda(start, name="start"), fallbacks, name="draft_plan")
