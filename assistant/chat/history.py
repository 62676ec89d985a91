"""Chinese replies for the chat's history tool: past plans, which topic got which feedback (and its note),
and an honest answer to "which one did best"."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date as Date
from typing import Any

from assistant.models import DailyPlan

VERDICTS = {"accepted": "采用", "edited": "改后采用", "rejected": "弃用", "posted": "发了"}
_RANK = {"accepted": 2, "edited": 1, "rejected": -1}


@dataclass
class Window:
    product: str | None
    days: int
    since: Date
    until: Date
    total: int  # plans in the window (the reply lists at most 10)
    upcoming: int  # plans dated after today: not posted yet, left out


@dataclass
class Verdict:
    plan: DailyPlan
    index: int
    verdict: str
    note: str
    edited: str

    @property
    def text(self) -> str:
        topics = self.plan.topics
        return topics[self.index - 1].text if 1 <= self.index <= len(topics) else ""

    def describe(self) -> str:
        out = f"第 {self.index} 个「{self.text}」：{VERDICTS.get(self.verdict, self.verdict)}"
        if self.edited:
            out += f"，改成「{self.edited}」"
        return out + (f"，备注：{self.note}" if self.note else "")


def verdicts(plan: DailyPlan, items: list[dict[str, Any]]) -> list[Verdict]:
    """The latest feedback of each topic of the plan, by topic number."""
    latest: dict[int, Verdict] = {}
    for item in items:
        index = int(item.get("topic_index") or 0)
        latest[index] = Verdict(
            plan,
            index,
            str(item.get("verdict") or ""),
            str(item.get("note") or "").strip(),
            str(item.get("edited_text") or "").strip(),
        )
    return [latest[i] for i in sorted(latest)]


def _best(found: list[Verdict]) -> list[str]:
    if not found:
        return ["这段时间的方案都还没有运营反馈，没法判断哪个效果最好。"]
    top = max(_RANK.get(v.verdict, 0) for v in found)
    if top < 0:
        return ["有反馈的话题都被弃用了，没有哪个算效果好：" + "；".join(v.describe() for v in found[:3])]
    best = [v for v in found if _RANK.get(v.verdict, 0) == top]
    best.sort(key=lambda v: (bool(v.note), v.plan.date), reverse=True)
    lead = best[0]
    lines = [
        f"按运营反馈看，效果最好的是 {lead.plan.date.isoformat()} 方案 {lead.plan.id} 的{lead.describe()}。"
    ]
    if len(best) > 1:
        lines.append(
            f"同样{VERDICTS.get(lead.verdict, lead.verdict)}的还有 {len(best) - 1} 个（见下面的列表）。"
        )
    lines.append("（反馈只记了采用、改后采用、弃用和备注，没有回复数，所以只能按这些比较。）")
    return lines


def reply(
    w: Window,
    plans: list[DailyPlan],
    feedback: dict[str, list[dict[str, Any]]],
    revisions: dict[str, list[dict[str, Any]]],
    ask: str = "list",
) -> str:
    what = f"「{w.product}」" if w.product else ""
    span = f"最近 {w.days} 天（{w.since.isoformat()} 至 {w.until.isoformat()}）"
    later = f"另有 {w.upcoming} 份日期在今天之后的方案（还没到发的日子），没有算进来。" if w.upcoming else ""
    if not plans:
        example = f"明天卖{w.product or '空气炸锅'}，给我三个话题"
        return f"{span}没有{what + '的' if what else ''}方案记录。{later}可以先让我出一份，例如：{example}。"
    count = f"共 {w.total} 份，列出最近 {len(plans)} 份" if w.total > len(plans) else f"共 {w.total} 份"
    per_plan = {p.id: verdicts(p, feedback.get(p.id, [])) for p in plans}
    found = [v for p in plans for v in per_plan[p.id]]
    lines = _best(found) if ask == "best" else []
    lines.append(f"{span}{what}的方案{count}：")
    for p in plans:
        group = f"，{p.audience.name}" if p.audience else ""
        lines.append(f"· {p.date.isoformat()} {p.product.name}{group}（方案 {p.id}）")
        if per_plan[p.id]:
            lines += [f"  {v.describe()}" for v in per_plan[p.id]]
        elif p.topics:
            lines.append(f"  还没有反馈。头条话题：{p.topics[0].text}")
        if revisions.get(p.id):
            lines.append(f"  （对话里改过 {len(revisions[p.id])} 次，上面是改后的版本）")
    if ask == "effect" and found:
        counts = {name: sum(1 for v in found if v.verdict == key) for key, name in VERDICTS.items()}
        silent = sum(1 for p in plans if not per_plan[p.id])
        summary = "、".join(f"{name} {n} 个" for name, n in counts.items() if n)
        lines.append(f"合计：{summary}" + (f"；另有 {silent} 份方案还没有反馈" if silent else "") + "。")
    if ask == "effect" and not found:
        lines.append("这些方案都还没有运营反馈，看不出效果。")
    if ask in ("effect", "best") and not found:
        lines.append(
            '发完后记一下效果就能比较了，例如：huati feedback <方案ID> 2 accepted --note "回复 30 多条"'
        )
    if later:
        lines.append(later)
    return "\n".join(lines)
