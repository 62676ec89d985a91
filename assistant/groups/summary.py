"""One group over the last N weeks, as data: hour × weekday activity, the best times, replies per posted topic,
what its history taught (the same estimates the ranking uses) and its regulars. `huati groups show`, the
report and the web page all read this."""

from __future__ import annotations

from datetime import date as Date
from datetime import datetime, timedelta
from typing import Any

from assistant.drafting.learning import FEATURES, label, learn
from assistant.drafting.rhythm import WEEKDAYS
from assistant.errors import InputError, NotFoundError
from assistant.groups.importer import check_group
from assistant.settings import Settings, get_settings

MAX_WEEKS = 52
REGULAR_DAYS = 3  # active on at least this many days of the window
REGULARS_SHOWN = 10


def _window_end(store: Any, group: str, today: Date | None) -> Date:
    rows = store.groups.hours(group)
    last = rows[-1][0] if rows else None
    outcomes = store.groups.outcomes(group=group)
    if outcomes:
        last = max([o.day for o in outcomes] + ([last] if last else []))
    return last or today or Date.today()


def group_summary(
    group: str,
    weeks: int = 4,
    *,
    settings: Settings | None = None,
    store: Any = None,
    today: Date | None = None,
) -> dict[str, Any]:
    from assistant.storage import Store

    group = check_group(group)
    if not 1 <= weeks <= MAX_WEEKS:
        raise InputError(f"--weeks 只能是 1 到 {MAX_WEEKS}，收到：{weeks}", field="weeks")
    store = store or Store(settings or get_settings())
    if not store.groups.known(group):
        raise NotFoundError(
            f"没有群 {group} 的数据", hint="先用 huati groups import 导入聊天记录，或生成方案时加 --group"
        )
    until = _window_end(store, group, today)
    since = until - timedelta(weeks=weeks) + timedelta(days=1)
    hours = store.groups.hours(group, since=since, before=until + timedelta(days=1))
    heat = [[0.0] * 24 for _ in range(7)]
    people = [[0.0] * 24 for _ in range(7)]
    for day, hour, n, s in hours:
        heat[day.weekday()][hour] += n / weeks
        people[day.weekday()][hour] += s / weeks
    by_hour = [sum(heat[w][h] for w in range(7)) / 7 for h in range(24)]
    slots = sorted(((heat[w][h], w, h) for w in range(7) for h in range(24)), reverse=True)
    best = [
        {"weekday": f"周{WEEKDAYS[w]}", "hour": f"{h:02d}:00–{h + 1:02d}:00", "messages": round(v, 1)}
        for v, w, h in slots[:5]
        if v > 0
    ]
    outcomes = store.groups.outcomes(before=until + timedelta(days=1))
    learned = learn(outcomes, group)
    texts = _topic_texts(store, [o for o in outcomes if o.group == group and o.day >= since])
    posts = [
        {
            "date": o.day.isoformat(),
            "plan_id": o.plan_id,
            "topic": o.index,
            "text": texts.get((o.plan_id, o.index), ""),
            "type": o.type,
            "replies": o.replies,
            "source": o.source,
        }
        for o in sorted(outcomes, key=lambda o: (o.day, o.plan_id, o.index))
        if o.group == group and o.day >= since
    ]
    start = datetime.combine(since, datetime.min.time())
    speakers = store.groups.speakers(group, start, start + timedelta(weeks=weeks))
    regulars = [
        {"member": f"成员#{token[:6]}", "token": token, "messages": n, "days": d}
        for token, n, d in speakers
        if d >= REGULAR_DAYS
    ][:REGULARS_SHOWN]
    return {
        "group": group,
        "weeks": weeks,
        "since": since.isoformat(),
        "until": until.isoformat(),
        "messages": sum(n for _d, _h, n, _s in hours),
        "days": len({d for d, *_ in hours}),
        "members": len(speakers),
        "heat": [[round(v, 2) for v in row] for row in heat],
        "speakers": [[round(v, 2) for v in row] for row in people],
        "by_hour": [round(v, 2) for v in by_hour],
        "best_times": best,
        "posts": posts,
        "learned": _learned(learned),
        "regulars": regulars,
        "imports": [
            {k: (v.isoformat(timespec="minutes") if isinstance(v, datetime) else v) for k, v in row.items()}
            for row in store.groups.imports(group)
        ],
    }


def _topic_texts(store: Any, outcomes: list[Any]) -> dict[tuple[str, int], str]:
    out: dict[tuple[str, int], str] = {}
    for plan_id in {o.plan_id for o in outcomes}:
        plan = store.get_plan(plan_id)
        for i, t in enumerate(plan.topics, 1):
            out[(plan_id, i)] = t.text
    return out


def _learned(learned: Any) -> dict[str, Any]:
    if learned is None:
        return {"posts": 0, "base": None, "dispersion": None, "types": [], "hooks": []}

    def rows(kind: str) -> list[dict[str, Any]]:
        return [
            {
                "value": e.value,
                "label": label(kind, e.value),
                "posted": e.n,
                "average": round(e.average, 1),
                "mean": e.mean,
                "low": e.low,
                "high": e.high,
                "prior": e.prior,
                "effect": round(e.effect(learned.base.mean), 3),
            }
            for e in learned.ranked(kind)
        ]

    base = learned.base
    return {
        "posts": learned.posts,
        "base": {"average": round(base.average, 1), "mean": base.mean, "low": base.low, "high": base.high},
        "dispersion": learned.dispersion,
        "types": rows("type"),
        "hooks": rows("hook"),
        "features": list(FEATURES),
    }


def summary_lines(s: dict[str, Any]) -> list[str]:
    lines = [
        f"群 {s['group']}：{s['since']} 到 {s['until']}（{s['weeks']} 周），{s['days']} 天有记录，"
        f"{s['messages']} 条消息，{s['members']} 人说过话。"
    ]
    if s["best_times"]:
        lines.append(
            "最热闹的时段："
            + "、".join(f"{b['weekday']} {b['hour']}（每周约 {b['messages']} 条）" for b in s["best_times"])
        )
    learned = s["learned"]
    if learned["posts"]:
        lines.append(f"有回复数的话题 {learned['posts']} 个，平均 {learned['base']['average']} 条回复。")
        for row in learned["types"]:
            tried = f"发过 {row['posted']} 次，平均 {row['average']} 条" if row["posted"] else "还没发过"
            lines.append(
                f"  {row['label']}：估计 {row['mean']} 条（95% 区间 {row['low']}–{row['high']}），{tried}"
            )
    else:
        lines.append(
            "还没有带回复数的话题：用 huati feedback … posted --replies N 记录，或导入包含这些话题的聊天记录。"
        )
    if s["regulars"]:
        lines.append(
            "常客（至少 3 天说过话）："
            + "、".join(f"{r['member']}（{r['days']} 天 {r['messages']} 条）" for r in s["regulars"])
        )
    return lines
