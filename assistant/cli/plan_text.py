"""How a plan reads in the terminal and in Markdown: topics with their checks, the timeline, and what came of
each topic (the operator's verdicts and counts, replies counted in imported chats)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from rich.markup import escape

from assistant.cli.common import console

if TYPE_CHECKING:
    from assistant.models import DailyPlan

NAMES_ZH = {"compliance": "合规", "low_barrier": "低门槛", "relevance": "相关", "tone": "语气"}
TYPES_ZH = {
    "experience": "经历",
    "either_or": "二选一",
    "vote": "投票",
    "photo_share": "晒图",
    "memory": "回忆",
    "tips_swap": "交换妙招",
    "confession": "吐槽坦白",
    "prediction": "预测",
}
STAGES_ZH = {
    "warm_up": "暖场",
    "launch": "抛话题",
    "follow_up": "跟进",
    "product_link": "放链接",
    "wrap_up": "收尾",
}
VERDICTS_ZH = {"accepted": "采用", "rejected": "不用", "edited": "改过再用", "posted": "发了"}
HOOKS_ZH = {"trend": "热点", "calendar": "节日节气", "season": "季节", "scenario": "场景", "case": "案例"}


def engine_line(plan: DailyPlan) -> str:
    line = f"引擎：大模型 {plan.model}" if plan.engine == "llm" else f"引擎：离线模式库（{plan.model}）"
    return f"{line}｜{plan.fallback_reason}" if plan.fallback_reason else line


def origin_label(plan: DailyPlan, topic: Any) -> str:
    """'' when the plan's engine wrote the topic, else who did (an LLM plan filled up offline)."""
    origin = plan.origin(topic)
    if (origin.engine, origin.model) == (plan.engine, plan.model):
        return ""
    return f"由大模型 {origin.model} 写" if origin.engine == "llm" else f"由离线引擎（{origin.model}）补足"


def _badges(checks: dict[str, Any]) -> str:
    out = []
    for name, zh in NAMES_ZH.items():
        result = checks.get(name)
        if result is not None:
            out.append(f"[green]✓{zh}[/]" if result.passed else f"[red]✗{zh}[/]")
    return " ".join(out)


def print_plan(plan: DailyPlan) -> None:
    from rich.panel import Panel
    from rich.table import Table

    console.print(f"[bold]{engine_line(plan)}[/]", highlight=False)
    who = plan.audience.name if plan.audience else "未指定群"
    if plan.group:
        who += f"｜群 {plan.group}"
    console.print(
        f"方案 {plan.id or '（未保存）'}｜{plan.date.isoformat()}｜{plan.product.name}｜{who}",
        highlight=False,
    )
    for note in plan.notes:
        console.print(f"[yellow]说明：{escape(note)}[/]", highlight=False)
    for i, t in enumerate(plan.topics, 1):
        hook = f"由头：{HOOKS_ZH.get(t.hook.kind, t.hook.kind)}「{t.hook.title}」" if t.hook else "由头：日常"
        who_wrote = origin_label(plan, t)
        body = [
            f"[bold]{escape(t.text)}[/]",
            f"[dim]{TYPES_ZH.get(t.type.value, t.type.value)}｜{escape(hook)}｜{_badges(t.checks)}"
            + (f"｜{who_wrote}" if who_wrote else "")
            + "[/]",
        ]
        if t.follow_ups:
            body.append(escape("跟进：" + " / ".join(t.follow_ups)))
        if t.hook and t.hook.why:
            body.append(escape("为什么挂这个由头：" + t.hook.why))
        if t.bridge:
            body.append(escape("引出商品：" + t.bridge))
        if t.note:
            body.append(f"[yellow]说明：{escape(t.note)}[/]")
        if t.reason:
            body.append(f"[cyan]群里的反馈：{escape(t.reason)}[/]")
        console.print(Panel("\n".join(body), title=f"话题 {i}", title_align="left"), highlight=False)
    if plan.timeline:
        table = Table(title="今日节奏", show_lines=False)
        table.add_column("时间")
        table.add_column("环节")
        table.add_column("内容")
        for s in plan.timeline:
            table.add_row(s.time, STAGES_ZH.get(s.stage, s.stage), s.text or s.action)
        console.print(table)


def feedback_line(f: dict[str, Any]) -> str:
    """One verdict as people say it: 话题 1：发了（12-04 21:02）｜回复 14 条、接话 9 人、成交 3 单｜备注：…"""
    line = f"话题 {f['topic_index']}：{VERDICTS_ZH.get(f['verdict'], f['verdict'])}"
    if f.get("posted_at"):
        line += f"（{str(f['posted_at']).replace('T', ' ')[5:16]}）"
    if f.get("edited_text"):
        line += f"：{f['edited_text']}"
    counts = [
        f"{label} {f[key]} {unit}"
        for key, label, unit in (
            ("replies", "回复", "条"),
            ("repliers", "接话", "人"),
            ("orders", "成交", "单"),
        )
        if f.get(key) is not None
    ]
    if counts:
        line += "｜" + "、".join(counts)
    if f.get("note"):
        line += f"｜备注：{f['note']}"
    return line


def measured_line(m: dict[str, Any]) -> str:
    """Replies counted in an imported chat for one topic."""
    at = str(m.get("posted_at") or "").replace("T", " ")[5:16]
    return (
        f"话题 {m['topic_index']}：群聊记录里 {at} 发出，30 分钟 {m['replies_30']} 条、60 分钟 {m['replies_60']} 条、"
        f"120 分钟 {m['replies_120']} 条回复，{m['repliers_120']} 人接话"
    )


def feedback_lines(feedback: list[dict[str, Any]], measured: list[dict[str, Any]] | None = None) -> list[str]:
    return [feedback_line(f) for f in feedback] + [measured_line(m) for m in measured or []]


def plan_markdown(
    plan: DailyPlan,
    feedback: list[dict[str, Any]] | None = None,
    measured: list[dict[str, Any]] | None = None,
) -> str:
    who = plan.audience.name if plan.audience else "未指定群"
    if plan.group:
        who += f"｜群 {plan.group}"
    lines = [
        f"# {plan.date.isoformat()} {plan.product.name}｜{who}",
        "",
        f"> {engine_line(plan)}｜方案 {plan.id}",
        "",
    ]
    if plan.notes:
        lines += [*(f"> 说明：{note}" for note in plan.notes), ""]
    for i, t in enumerate(plan.topics, 1):
        passed = "、".join(
            NAMES_ZH[k] + ("✓" if v.passed else "✗") for k, v in t.checks.items() if k in NAMES_ZH
        )
        lines += [f"## 话题 {i}（{TYPES_ZH.get(t.type.value, t.type.value)}）", "", t.text, ""]
        if t.hook:
            lines.append(
                f"- 由头：{HOOKS_ZH.get(t.hook.kind, t.hook.kind)}「{t.hook.title}」（{t.hook.source}）"
            )
            if t.hook.why:
                lines.append(f"- 为什么挂这个由头：{t.hook.why}")
        lines.append(f"- 检查：{passed}")
        if who_wrote := origin_label(plan, t):
            lines.append(f"- 引擎：{who_wrote}")
        for line in t.follow_ups:
            lines.append(f"- 跟进：{line}")
        if t.bridge:
            lines.append(f"- 引出商品：{t.bridge}")
        if t.note:
            lines.append(f"- 说明：{t.note}")
        if t.reason:
            lines.append(f"- 群里的反馈：{t.reason}")
        lines.append("")
    if plan.timeline:
        lines += ["## 今日节奏", "", "| 时间 | 环节 | 内容 |", "|---|---|---|"]
        lines += [
            f"| {s.time} | {STAGES_ZH.get(s.stage, s.stage)} | {(s.text or s.action).replace('|', '｜')} |"
            for s in plan.timeline
        ]
    if feedback or measured:
        lines += ["", "## 反馈", ""]
        lines += [f"- {line}" for line in feedback_lines(feedback or [], measured)]
    return "\n".join(lines) + "\n"
