"""`huati draft`, `history`, `show`, `export`: the daily topic plan and its history."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape

from assistant.cli.common import console
from assistant.cli.plan_text import feedback_lines, plan_markdown, print_plan
from assistant.dates import parse_optional_day
from assistant.errors import InputError


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
        "group": "--group",
    }
    first = exc.errors()[0]  # type: ignore[attr-defined]
    field = names.get(str(first["loc"][0]) if first["loc"] else "", "参数")
    ctx = first.get("ctx") or {}
    if first["type"] == "string_too_long":
        return f"{field}太长了，最多 {ctx.get('max_length')} 个字"
    if first["type"] == "string_too_short":
        return f"{field}不能为空"
    if first["type"] == "string_pattern_mismatch":
        return f"{field} 不能有空格和 / \\ ? # % &，最长 64 个字，收到：{first.get('input')}"
    if first["type"] == "value_error":
        return str(ctx.get("error") or first["msg"]).removeprefix("Value error, ")
    return f"{field}不对：{first.get('input')!r}"


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
    group: Annotated[
        str | None,
        typer.Option(
            "--group", "-g", help="发在哪个群（你给群起的编号或名字）：按这个群自己的反馈和作息调整方案"
        ),
    ] = None,
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
            group=group.strip() if group and group.strip() else None,
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
    group: Annotated[str | None, typer.Option("--group", "-g", help="只看发在这个群的方案")] = None,
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
        date=parse_optional_day(date),
        product=product,
        audience=audience,
        limit=limit,
        group=(group or "").strip() or None,
    )
    if as_json:
        rows = [
            {
                "id": p.id,
                "date": p.date.isoformat(),
                "product": p.product.name,
                "audience": p.audience.name if p.audience else None,
                "group": p.group,
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
        data["measured"] = store.measured_for(plan.id)
        typer.echo(json.dumps(data, ensure_ascii=False, indent=2))
        return
    print_plan(plan)
    for line in feedback_lines(store.feedback_for(plan.id), store.measured_for(plan.id)):
        console.print(f"反馈：{escape(line)}", highlight=False)


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
        text = plan_markdown(plan, store.feedback_for(plan.id), store.measured_for(plan.id))
    else:
        data = plan.public_dict()
        data["feedback"] = store.feedback_for(plan.id)
        data["measured"] = store.measured_for(plan.id)
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


def register(app: typer.Typer) -> None:
    app.command("draft")(draft)
    app.command("history")(history)
    app.command("show")(show)
    app.command("export")(export)
