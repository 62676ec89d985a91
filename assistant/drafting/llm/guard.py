"""The checks as the chain's guard: every topic (and the lines posted with it) is checked; repeats of the
group's recent topics are dropped; the passing ones are ranked by score, diverse by MMR."""

from __future__ import annotations

from assistant.drafting.context import DayContext
from assistant.drafting.learning import Learned
from assistant.drafting.ranking import bigrams, is_contained, is_near_duplicate, jaccard, mmr
from assistant.models import Topic


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


def rank(topics: list[Topic], n: int, learned: Learned | None = None) -> list[Topic]:
    """Topics that pass every check, by checks score plus what their type and hook drew in this group
    (`learned`, the same estimates the offline ranking uses), diverse by MMR (repeats were dropped before)."""
    value = {id(t): t.score for t in topics}
    if learned is not None:
        for t in topics:
            bonus, why = learned.bonus(
                {"type": t.type.value, "hook": t.hook.kind if t.hook else "", "pattern": ""}
            )
            if bonus:
                value[id(t)] = t.score + bonus
                t.reason = why
    ordered = sorted((t for t in topics if passed(t)), key=lambda t: -value[id(t)])
    grams = {id(t): bigrams(t.text) for t in ordered}

    def sim(a: Topic, b: Topic) -> float:
        return 0.6 * jaccard(grams[id(a)], grams[id(b)]) + 0.4 * (a.type == b.type)

    return mmr(ordered, [value[id(t)] for t in ordered], sim, n)


FALSE_EVENT = (
    "话题提到"  # how a false event in the text is reported: such a topic must be rewritten or dropped
)


def _mentions(title: str, names: list[str]) -> bool:
    key = title.strip()
    return any(n and (n in key or key in n) for n in names)


def hook_problems(topic: Topic, ctx: DayContext) -> list[str]:
    """What is false about the day in a topic the model wrote: a hook that is neither one of the day's
    events or named windows (梅雨季, 年前大扫除 …), a trend of the day nor a typed trend (then the hook is dropped), and a festival or solar term named
    in the text that does not fall in the days the plan is for (「冬至年夜饭」 on 12-23)."""
    from assistant.products import windows_on
    from assistant.retrieval.event_names import event_names_in

    found: list[str] = []
    events = [e.name for e in ctx.events if e.kind != "season"] + [w.name for w in windows_on(ctx.date)]
    hook = topic.hook
    if hook is not None and hook.kind in ("calendar", "trend"):
        trends = [*ctx.user_trends, *(t.title for t in ctx.trends)]
        known = events + trends if hook.kind == "calendar" else trends + events
        if not _mentions(hook.title, known):
            found.append(f"由头「{hook.title}」不是这几天的节日节气或热点，不能当由头")
            topic.hook = None
    text = f"{topic.text}{hook.title if hook else ''}"
    typed = "".join([*ctx.user_trends, *(t.title for t in ctx.trends)])
    for name in event_names_in(text):
        if not _mentions(name, events) and name not in typed:
            found.append(
                f"话题提到「{name}」，但 {ctx.date.isoformat()} 前后几天不是{name}，换成当天真实的由头或去掉"
            )
    return list(dict.fromkeys(found))
