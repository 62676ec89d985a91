"""`huati report --group ID --weeks 4`: the group's report as HTML and Markdown with charts."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from assistant.cli.common import console
from assistant.errors import InputError


def report(
    group: Annotated[str, typer.Option("--group", "-g", help="群编号")],
    weeks: Annotated[int, typer.Option("--weeks", help="最近几周（1–52）")] = 4,
    out: Annotated[
        Path | None, typer.Option("--out", help="写到这个文件夹（默认 ./huati-report-群编号）")
    ] = None,
) -> None:
    """生成群报告（HTML 和 Markdown，带图）：每周各时段的活跃热力图、每个话题的回复、各类话题的效果和不确定度、最佳时段。"""
    from assistant.groups.report import write_report
    from assistant.groups.summary import group_summary

    summary = group_summary(group, weeks=weeks)
    folder = out or Path(f"huati-report-{summary['group']}")
    try:
        html, md = write_report(summary, folder)
    except OSError as exc:
        raise InputError(f"写不进文件夹 {folder}：{exc.strerror}", field="out") from None
    console.print(f"已写出报告：{html}（网页）和 {md}（Markdown，图在同一文件夹）", highlight=False)


def register(app: typer.Typer) -> None:
    app.command("report")(report)
