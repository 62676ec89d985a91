"""The facts the model sees about the day (product, what Huati understands about it, the occasions that fit,
group, events, trends, cases, recent topics), rendered through the shared prompt renderer as quoted data."""

from __future__ import annotations

from typing import Any

from langchain_core.messages import BaseMessage

from assistant.drafting.context import DayContext
from assistant.drafting.llm.schema import DraftTopics
from assistant.llm import prompts
from assistant.llm.structured import messages, schema_json
from assistant.models import TopicType
from assistant.settings import Settings

EXTRA_CANDIDATES = 2  # ask for n + 2 so the guard can drop some
EXTRA_WITH_HISTORY = 2  # and 2 more when the group has recent topics to avoid
OCCASIONS = 5  # fitting occasions the model sees


def product_data(ctx: DayContext) -> dict[str, Any]:
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


def profile_data(ctx: DayContext) -> dict[str, Any] | None:
    """What Huati understands about the product (`assistant.products`): the words, who uses it, its moments,
    annoyances and either-ors, its selling points with the pain each answers, and which claims are risky."""
    from assistant.products.vocab import CLAIM_RISK_LABELS, NATURE_LABELS, USER_LABELS

    p = ctx.profile
    if p is None:
        return None
    return {
        "叫法": p.noun,
        "性质": NATURE_LABELS[p.nature] if p.nature else "不确定",
        "给谁用": [USER_LABELS[u] for u in p.users],
        "动词和量词": f"{p.verb} / {p.unit}",
        "活动说法": p.activity,
        "使用场景": p.scenes[:6],
        "常见麻烦": p.pains[:5],
        "大家爱争的二选一": [f"{a} 还是 {b}" for a, b in p.debates[:4]],
        "平时用什么代替": p.alternatives[:4],
        "卖点": [{"卖点": m.point, "对应的日常麻烦": m.entry.pain if m.entry else ""} for m in p.points[:6]],
        "宣传风险类别": CLAIM_RISK_LABELS[p.claim_risk],
        "把握": round(p.confidence, 2),
    }


def occasion_data(ctx: DayContext) -> list[dict[str, Any]]:
    """The day's occasions that fit the product, best first, each with why (events, named windows, the
    typed trends that passed screening)."""
    from assistant.products import fitting

    if ctx.profile is None:
        return []
    fits = fitting(ctx.profile, ctx.date, events=ctx.events, trends=ctx.user_trends)
    return [{"由头": f.occasion.name, "为什么合适": f.why} for f in fits[:OCCASIONS]]


def audience_data(ctx: DayContext) -> dict[str, Any] | None:
    a = ctx.audience
    if a is None:
        return None
    return {"群名": a.name, "称呼": a.address, "描述": a.description, "兴趣": a.interests, "语气": a.tone}


def candidate_count(n: int, ctx: DayContext) -> int:
    return n + EXTRA_CANDIDATES + (EXTRA_WITH_HISTORY if ctx.recent else 0)


def render_draft(
    ctx: DayContext, count: int, cases: list[dict[str, str]], settings: Settings, schema: bool
) -> tuple[list[BaseMessage], dict[str, str]]:
    system, v1 = prompts.render("draft_system", settings)
    trends = [*ctx.user_trends, *(t.title for t in ctx.trends)]
    events = [{"名称": e.name, "类型": e.kind, "距今天数": e.days_from} for e in ctx.events]
    user, v2 = prompts.render(
        "draft_topics",
        settings,
        day=ctx.date.isoformat(),
        count=count,
        types=[t.value for t in TopicType],
        product=product_data(ctx),
        profile=profile_data(ctx),
        occasions=occasion_data(ctx),
        audience=audience_data(ctx),
        events=events,
        trends=trends,
        cases=cases,
        recent=ctx.recent[-20:],
        schema=schema_json(DraftTopics) if schema else "",
    )
    return messages(system, user), {"draft_system": v1, "draft_topics": v2}
