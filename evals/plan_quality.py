"""Plan-level facts for `huati eval run`: what a reader of the plan would notice beyond the four checks.

Per plan (`plan_facts`): whether every top topic passes all checks; pattern-fit violations (a library pattern
filled for a product nature it does not list — should never happen); whether a selling point (typed, or found
in the name; not one the compliance check refuses, such as 0添加) shows in a topic or its bridge; whether the day had an occasion that fits the product and a topic
took one as its hook; whether the topics are distinct (no two share a pattern family or a question core).
`plan_metrics` turns a list of cases into shares.
"""

from __future__ import annotations

from typing import Any

from assistant.models import DailyPlan

TOP_K = 3


def _natures() -> dict[str, list[str]]:
    from assistant.drafting.offline.library import library

    return {str(p["id"]): list(p.get("natures") or []) for p in library()["patterns"]}


def _family(pattern: str | None) -> str:
    from assistant.drafting.offline.engine import family

    return family(pattern or "")


def pattern_violations(plan: DailyPlan, natures: dict[str, list[str]] | None = None) -> list[str]:
    """Library patterns of the top topics filled for a nature they exclude (nature unknown: a pattern that
    does not list every nature)."""
    from assistant.drafting.product_view import suits

    table = natures if natures is not None else _natures()
    nature = plan.product_profile.nature if plan.product_profile else None
    out = []
    for t in plan.topics[:TOP_K]:
        if t.pattern in table and not suits(table[t.pattern], nature):
            out.append(f"{t.pattern}（{nature or '性质不明'}）")
    return out


def _distinct(plan: DailyPlan) -> bool:
    from assistant.drafting.ranking import near_duplicate_of, question_core

    topics = plan.topics[:TOP_K]
    families = [_family(t.pattern) for t in topics if t.pattern and t.pattern != "own"]
    if len(families) != len(set(families)):
        return False
    cores = [question_core(t.text) for t in topics]
    if len(cores) != len(set(cores)):
        return False
    return all(near_duplicate_of(t.text, [o.text for o in topics[:i]]) is None for i, t in enumerate(topics))


def plan_facts(request: dict[str, Any], plan: DailyPlan) -> dict[str, Any]:
    """The plan-level facts of one drafted plan (`request`: the case's product, category, points, trend)."""
    from assistant.products import fitting, profile_for
    from assistant.retrieval.calendar import events_for

    topics = plan.topics[:TOP_K]
    profile = profile_for(
        request["product"], request.get("category") or None, request.get("points") or [], product=None
    )
    from assistant.checks import check_compliance

    raw = [m.point for m in profile.points] or list(plan.product.selling_points)
    points = [p for p in raw if check_compliance(p, plan.product).passed]  # a claim is never to be said
    said = " ".join(f"{t.text} {t.bridge}" for t in topics)
    events = [e for e in events_for(plan.date, 7) if e.kind != "season"]
    typed = [t for t in request.get("trend") or [] if t]
    fits = {f.occasion.name for f in fitting(profile, plan.date, events=events, trends=typed)}
    hooked = [t.hook for t in topics if t.hook]
    fitting_hook = any(h.kind == "season" or h.title in fits for h in hooked)
    return {
        "all_pass": bool(topics) and all(all(c.passed for c in t.checks.values()) for t in topics),
        "pattern_violations": pattern_violations(plan),
        "has_points": bool(points),
        "points_used": any(p and p in said for p in points),
        "fitting": bool(fits),
        "fitting_hook_used": fitting_hook,
        "hooks": [h.title for h in hooked],
        "distinct": _distinct(plan),
    }


def _share(num: int, den: int) -> float | None:
    return round(num / den, 4) if den else None


def plan_metrics(cases: list[dict[str, Any]]) -> dict[str, Any]:
    """Shares over the plans of a run (cases without a plan are left out)."""
    facts = [c["plan"] for c in cases if c.get("plan")]
    with_points = [f for f in facts if f["has_points"]]
    with_fits = [f for f in facts if f["fitting"]]
    return {
        "plans": len(facts),
        "plan_all_checks_pass_rate": _share(sum(f["all_pass"] for f in facts), len(facts)),
        "pattern_fit_violations": sum(len(f["pattern_violations"]) for f in facts),
        "selling_point_use_rate": _share(sum(f["points_used"] for f in with_points), len(with_points)),
        "fitting_hook_use_rate": _share(sum(f["fitting_hook_used"] for f in with_fits), len(with_fits)),
        "within_plan_distinct_rate": _share(sum(f["distinct"] for f in facts), len(facts)),
    }
