"""Knowledge commands: `huati ingest`, `huati search`, `huati calendar`, `huati trends import`."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape

from assistant.cli.common import console, err_console
from assistant.dates import parse_optional_day
from assistant.errors import InputError

trends_app = typer.Typer(help="热点（热榜）数据：导入。", no_args_is_help=True)


def _print_errors(errors: list[str]) -> None:
    for line in errors:
        err_console.print(f"[yellow]跳过[/] {escape(line)}", highlight=False, soft_wrap=True)


def ingest_cmd(
    paths: Annotated[list[Path] | None, typer.Argument(help="要导入的文件或目录，默认是知识库目录")] = None,
    rebuild: Annotated[bool, typer.Option("--rebuild", help="丢弃旧索引，用当前向量模型全部重建")] = False,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="不显示进度条")] = False,
) -> None:
    """把案例（Markdown）和热点（JSONL/CSV/JSON）导入检索索引；未改动的文件不会重复处理。"""
    from assistant.retrieval.ingest import ingest

    report = ingest(paths=paths or None, progress=not quiet, rebuild=rebuild)
    _print_errors(report.errors)
    console.print(report.summary(), highlight=False, soft_wrap=True)
    if report.errors:
        err_console.print(f"[yellow]有 {len(report.errors)} 处内容被跳过，其余已导入。[/]")
        raise typer.Exit(1)


def _ensure_index(kind: str) -> None:
    from assistant.retrieval.index import IndexStore

    if kind != "calendar" and not IndexStore().exists():
        from assistant.retrieval.ingest import ingest

        err_console.print("还没有检索索引，先自动导入知识库（以后可用 huati ingest 更新）……")
        report = ingest(progress=True)
        _print_errors(report.errors)
        err_console.print(report.summary(), highlight=False, soft_wrap=True)


def search_cmd(
    query: Annotated[str, typer.Argument(help="要找的内容，例如：冬至 饺子")],
    kind: Annotated[str, typer.Option("--kind", help="cases | trends | calendar | all")] = "all",
    date: Annotated[
        str | None, typer.Option("--date", help="日期 YYYY-MM-DD（热点窗口和日历以此为准）")
    ] = None,
    k: Annotated[int, typer.Option("-k", help="返回条数")] = 5,
    category: Annotated[str | None, typer.Option("--category", help="按品类筛选，例如 母婴")] = None,
    audience: Annotated[str | None, typer.Option("--audience", help="按群类型筛选，例如 宝妈群")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="输出 JSON 数组")] = False,
) -> None:
    """混合检索（向量 + BM25）案例、热点和日历。"""
    from assistant.retrieval import KINDS, check_query, search

    check_query(query)
    if kind not in KINDS:
        raise InputError(f"不支持的类型：{kind}，可选 {'、'.join(KINDS)}", field="kind")
    day = parse_optional_day(date)
    _ensure_index(kind)
    filters = {"category": category, "audience": audience}
    hits = search(query, kind=kind, date=day, k=k, filters=filters)
    if as_json:
        typer.echo(json.dumps([h.model_dump(mode="json") for h in hits], ensure_ascii=False, indent=2))
        return
    from rich.table import Table

    from assistant.retrieval.embeddings import get_embedder

    if not hits:
        console.print("没有找到相关内容。可以换个说法，或用 --kind all 扩大范围。")
        return
    table = Table(
        title=f"“{escape(query.strip())}”的检索结果",
        caption=f"混合检索：向量模型 {get_embedder().name} + BM25（jieba 分词），RRF 融合",
    )
    for col in ("#", "类型", "分数", "标题", "来源"):
        table.add_column(col, overflow="fold")
    names = {"cases": "案例", "trends": "热点", "calendar": "日历"}
    for rank, hit in enumerate(hits, 1):
        extra = f"（{hit.metadata.get('date')}）" if hit.kind != "cases" else ""
        table.add_row(
            str(rank), names[hit.kind], f"{hit.score:.3f}", escape(hit.title + extra), escape(hit.source)
        )
    console.print(table)


def calendar_cmd(
    date: Annotated[str | None, typer.Argument(help="日期 YYYY-MM-DD，默认今天")] = None,
    days: Annotated[int, typer.Option("--days", help="往后看几天")] = 10,
    as_json: Annotated[bool, typer.Option("--json", help="输出 JSON 数组")] = False,
) -> None:
    """某天的节气、节日、法定假日、购物节和季节（离线计算）。"""
    from assistant.retrieval import today
    from assistant.retrieval.calendar import events_for

    if not 0 <= days <= 366:
        raise InputError("--days 应在 0 到 366 之间", field="days")
    day = parse_optional_day(date) or today()
    events = events_for(day, days)
    if as_json:
        typer.echo(json.dumps([e.model_dump(mode="json") for e in events], ensure_ascii=False, indent=2))
        return
    from rich.table import Table

    kinds = {
        "solar_term": "节气",
        "public_holiday": "法定假日",
        "lunar_festival": "传统节日",
        "festival": "节日",
        "shopping_festival": "购物节",
        "season": "季节",
    }
    table = Table(
        title=f"{day.isoformat()} 起 {days} 天的日历",
        caption="数据：lunar-python（节气、农历节日）、chinese-calendar（法定假日）、规则推算（购物节）",
    )
    for col in ("日期", "距今", "类型", "名称", "说明"):
        table.add_column(col, overflow="fold")
    for e in events:
        when = (
            "今天"
            if e.days_from == 0
            else (f"{e.days_from} 天后" if e.days_from > 0 else f"已开始 {-e.days_from} 天")
        )
        table.add_row(e.date.isoformat(), when, kinds[e.kind], e.name, e.description)
    console.print(table)


@trends_app.command("import")
def trends_import_cmd(
    file: Annotated[Path, typer.Argument(help="CSV、JSONL 或 DailyHotApi 格式的 JSON 文件")],
    fmt: Annotated[
        str | None, typer.Option("--format", help="csv | jsonl | dailyhot，默认按内容判断")
    ] = None,
    date: Annotated[str | None, typer.Option("--date", help="文件里没有日期时使用的日期 YYYY-MM-DD")] = None,
    platform: Annotated[str | None, typer.Option("--platform", help="文件里没有平台时使用的平台名")] = None,
) -> None:
    """导入一份热榜文件：保存到 HUATI_HOME/trends/<日期>.jsonl 并加入索引。"""
    from assistant.retrieval.trend_store import save_trends
    from assistant.retrieval.trends import FORMATS, parse_trends

    if fmt is not None and fmt not in FORMATS:
        raise InputError(f"不支持的格式：{fmt}，可选 {'、'.join(FORMATS)}", field="format")
    if not file.is_file():
        raise InputError(f"文件不存在：{file}", field="file")
    items, errors = parse_trends(file, fmt, date=parse_optional_day(date), platform=platform)
    _print_errors(errors)
    if not items:
        raise InputError(f"{file} 里没有可导入的热点", field="file")
    saved = save_trends(items)
    console.print(
        f"导入 {saved.saved} 条热点，重复跳过 {saved.duplicates} 条；文件：{'、'.join(saved.files) or '无新内容'}",
        highlight=False,
    )
    if saved.report is not None:
        _print_errors(saved.report.errors)
    if errors:
        raise typer.Exit(1)


def register(app: typer.Typer) -> None:
    app.command("ingest")(ingest_cmd)
    app.command("search")(search_cmd)
    app.command("calendar")(calendar_cmd)
    app.add_typer(trends_app, name="trends")
