"""`huati draft`, `history`, `show`, `export`, `feedback`: the daily topic plan and its history."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.markup import escape

from assistant.cli.common import console
from assistant.dates import parse_optional_day
from assistant.errors import InputError

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
VERDICTS_ZH = {"accepted": "采用", "rejected": "不用", "edited": "改过再用"}
HOOKS_ZH = {"trend": "热点", "calendar": "节日节气", "season": "季节", "scenario": "场景", "case": "案例"}


def parse_count(value: int) -> int:
    """-n within 1..10 (a non-integer is refused in Chinese by the CLI's usage-error mapping)."""
    if not 1 <= value <= 10:
        raise InputError(f"-n 只能是 1 到 10 之间的整数，收到：{value}", field="n")
    return value


def validation_zh(exc: Exception) -> str:
    """A pydantic ValidationError of PlanRequest as one Chinese line."""
    names = {
        "product": "产品名",
        "trend": "热点",
        "category": "类目",
        "points": "卖点",
        "audience": "群类型",
        "date": "日期",
        "n": "-n",
    }
    first = exc.errors()[0]  # type: ignore[attr-defined]
    field = names.get(str(first["loc"][0]) if first["loc"] else "", "参数")
    ctx = first.get("ctx") or {}
    if first["type"] == "string_too_long":
        return f"{field}太长了，最多 {ctx.get('max_length')} 个字"
    if first["type"] == "string_too_short":
        return f"{field}不能为空"
    if first["type"] == "value_error":
        return str(ctx.get("error") or first["msg"]).removeprefix("Value error, ")
    return f"{field}不对：{first.get('input')!r}"


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
        if t.bridge:
            body.append(escape("引出商品：" + t.bridge))
        if t.note:
            body.append(f"[yellow]说明：{escape(t.note)}[/]")
        console.print(Panel("\n".join(body), title=f"话题 {i}", title_align="left"), highlight=False)
    if plan.timeline:
        table = Table(title="今日节奏", show_lines=False)
        table.add_column("时间")
        table.add_column("环节")
        table.add_column("内容")
        for s in plan.timeline:
            table.add_row(s.time, STAGES_ZH.get(s.stage, s.stage), s.text or s.action)
        console.print(table)


def plan_markdown(plan: DailyPlan, feedback: list[dict[str, Any]] | None = None) -> str:
    who = plan.audience.name if plan.audience else "未指定群"
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
        lines.append(f"- 检查：{passed}")
        if who_wrote := origin_label(plan, t):
            lines.append(f"- 引擎：{who_wrote}")
        for line in t.follow_ups:
            lines.append(f"- 跟进：{line}")
        if t.bridge:
            lines.append(f"- 引出商品：{t.bridge}")
        if t.note:
            lines.append(f"- 说明：{t.note}")
        lines.append("")
    if plan.timeline:
        lines += ["## 今日节奏", "", "| 时间 | 环节 | 内容 |", "|---|---|---|"]
        lines += [
            f"| {s.time} | {STAGES_ZH.get(s.stage, s.stage)} | {(s.text or s.action).replace('|', '｜')} |"
            for s in plan.timeline
        ]
    if feedback:
        lines += ["", "## 反馈", ""]
        for f in feedback:
            extra = f"：{f['edited_text']}" if f.get("edited_text") else ""
            lines.append(f"- 话题 {f['topic_index']}：{VERDICTS_ZH.get(f['verdict'], f['verdict'])}{extra}")
    return "\n".join(lines) + "\n"


def draft(
    product: Annotated[str, typer.Argument(help="产品名（商品库里的名字或别名），或临时产品名")],
    date: Annotated[str | None, typer.Option("--date", help="日期 YYYY-MM-DD，默认明天")] = None,
    audience: Annotated[str | None, typer.Option("--audience", "-a", help="群画像，例如 宝妈群")] = None,
    n: Annotated[int, typer.Option("-n", help="话题数量 1-10")] = 3,
    trend: Annotated[list[str] | None, typer.Option("--trend", help="今天的热点，可重复")] = None,
    category: Annotated[str | None, typer.Option("--category", help="临时产品的类目")] = None,
    points: Annotated[
        str | None, typer.Option("--points", help='临时产品卖点，逗号分隔："卖点1,卖点2"')
    ] = None,
    engine: Annotated[str, typer.Option("--engine", help="auto | offline | llm")] = "auto",
    as_json: Annotated[bool, typer.Option("--json", help="输出 JSON")] = False,
) -> None:
    """起草一天的群话题方案（排好序的低门槛话题 + 当天节奏）。"""
    from pydantic import ValidationError

    from assistant.drafting import draft_plan
    from assistant.knowledge import MAX_PRODUCT_NAME
    from assistant.models import PlanRequest

    if not product.strip():
        raise InputError("产品名不能为空，请写上今天要推的产品，例如：huati draft 亮白牙膏", field="product")
    if len(product.strip()) > MAX_PRODUCT_NAME:
        raise InputError(
            f"产品名太长（{len(product.strip())} 个字），请控制在 {MAX_PRODUCT_NAME} 个字以内，卖点请用 --points 单独写",
            field="product",
        )
    count = parse_count(n)
    if engine not in ("auto", "offline", "llm"):
        raise InputError(f"--engine 只能是 auto、offline 或 llm，收到：{engine}", field="engine")
    split = [p.strip() for p in (points or "").replace("，", ",").split(",") if p.strip()]
    try:
        request = PlanRequest(
            product=product.strip(),
            date=parse_optional_day(date),
            audience=audience,
            n=count,
            trend=[t for t in trend or [] if t.strip()],
            category=category,
            points=split,
            engine=engine,  # checked by the model: InputError below
        )
    except ValidationError as exc:
        raise InputError(validation_zh(exc)) from None
    if as_json:
        plan = draft_plan(request)
        typer.echo(json.dumps(plan.public_dict(), ensure_ascii=False, indent=2))
        return
    with console.status("正在起草话题……"):
        plan = draft_plan(request)
    print_plan(plan)


def history(
    limit: Annotated[int, typer.Option("--limit", help="显示条数")] = 20,
    audience: Annotated[str | None, typer.Option("--audience", "-a", help="只看这个群")] = None,
    product: Annotated[str | None, typer.Option("--product", help="只看这个产品（名称或 id）")] = None,
    date: Annotated[str | None, typer.Option("--date", help="只看这一天")] = None,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """查看已生成的方案。"""
    from rich.table import Table

    from assistant.storage import Store

    if limit < 1:
        raise InputError("--limit 至少是 1", field="limit")
    if audience and audience.strip():
        from assistant.knowledge import find_audience

        audience = find_audience(audience).name  # unknown -> the list of known groups
    if product:
        from assistant.knowledge import find_product

        found = find_product(product)
        product = found.id if found else product
    plans, total = Store().list_plans(
        date=parse_optional_day(date), product=product, audience=audience, limit=limit
    )
    if as_json:
        rows = [
            {
                "id": p.id,
                "date": p.date.isoformat(),
                "product": p.product.name,
                "audience": p.audience.name if p.audience else None,
                "engine": p.engine,
                "model": p.model,
                "topics": [t.text for t in p.topics],
                "created_at": p.created_at.isoformat(),
            }
            for p in plans
        ]
        typer.echo(json.dumps({"total": total, "plans": rows}, ensure_ascii=False, indent=2))
        return
    if not plans:
        console.print("还没有方案。先试试：huati draft 亮白牙膏 --audience 宝妈群")
        return
    table = Table(title=f"方案记录（共 {total} 个）")
    for col in ("ID", "日期", "产品", "群", "引擎", "第一个话题"):
        table.add_column(col)
    for p in plans:
        first = p.topics[0].text if p.topics else ""
        table.add_row(
            p.id,
            p.date.isoformat(),
            p.product.name,
            p.audience.name if p.audience else "-",
            f"{p.engine}/{p.model}",
            first,
        )
    console.print(table)


def show(
    plan_id: Annotated[str, typer.Argument(help="方案 ID")],
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """查看一个方案。"""
    from assistant.storage import Store

    store = Store()
    plan = store.get_plan(plan_id)
    if as_json:
        data = plan.public_dict()
        data["feedback"] = store.feedback_for(plan.id)
        typer.echo(json.dumps(data, ensure_ascii=False, indent=2))
        return
    print_plan(plan)
    for f in store.feedback_for(plan.id):
        extra = f"：{f['edited_text']}" if f.get("edited_text") else ""
        console.print(f"反馈：话题 {f['topic_index']} {f['verdict']}{extra}", highlight=False)


def export(
    plan_id: Annotated[str, typer.Argument(help="方案 ID")],
    fmt: Annotated[str, typer.Option("--format", help="md | json")] = "md",
    out: Annotated[Path | None, typer.Option("--out", help="写入文件（默认打印）")] = None,
) -> None:
    """导出方案为 Markdown 或 JSON。"""
    from assistant.storage import Store

    if fmt not in ("md", "json"):
        raise InputError(f"--format 只能是 md 或 json，收到：{fmt}", field="format")
    store = Store()
    plan = store.get_plan(plan_id)
    if fmt == "md":
        text = plan_markdown(plan, store.feedback_for(plan.id))
    else:
        data = plan.public_dict()
        data["feedback"] = store.feedback_for(plan.id)
        text = json.dumps(data, ensure_ascii=False, indent=2)
    if out is None:
        typer.echo(text)
        return
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(text + ("" if text.endswith("\n") else "\n"), encoding="utf-8")
    except OSError as exc:
        raise InputError(f"写不进文件 {out}：{exc.strerror}", field="out") from None
    console.print(f"已导出到 {out}", highlight=False)


def feedback(
    plan_id: Annotated[str, typer.Argument(help="方案 ID")],
    topic_no: Annotated[str, typer.Argument(help="话题序号（从 1 开始）或话题 ID")],
    verdict: Annotated[str, typer.Argument(help="accepted | rejected | edited")],
    text: Annotated[str | None, typer.Option("--text", help="改后的话题（edited 时必填）")] = None,
    note: Annotated[str | None, typer.Option("--note", help="备注")] = None,
) -> None:
    """记录对某个话题的反馈（采用 / 不用 / 改过）。"""
    from assistant.storage import Store

    row = Store().add_feedback(plan_id, topic_no, verdict, edited_text=text, note=note)  # type: ignore[arg-type]
    console.print(f"已记录：方案 {row['plan_id']} 话题 {row['topic_index']} → {verdict}", highlight=False)


def register(app: typer.Typer) -> None:
    app.command("draft")(draft)
    app.command("history")(history)
    app.command("show")(show)
    app.command("export")(export)
    app.command("feedback")(feedback)
