"""`huati groups import | list | show | forget`: a real chat group's activity, imported from its chat export."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape

from assistant.cli.common import console
from assistant.errors import InputError, NotFoundError

groups_app = typer.Typer(help="群：导入聊天记录、查看、删除（忘掉一个群的全部数据）。", no_args_is_help=True)
SHOWN_ISSUES = 20


@groups_app.command("import")
def import_cmd(
    file: Annotated[
        Path,
        typer.Argument(
            help="聊天记录导出文件：微信导出的 CSV、ChatLab JSON、企业微信会话存档 JSONL、聊天文字 TXT"
        ),
    ],
    group: Annotated[
        str,
        typer.Option("--group", "-g", help="这是哪个群（你给群起的编号或名字，和 huati draft --group 一致）"),
    ],
    fmt: Annotated[
        str | None,
        typer.Option("--format", help="wechat_csv | chatlab_json | wecom_jsonl | plain_text（默认自动识别）"),
    ] = None,
    keep_text: Annotated[
        bool, typer.Option("--keep-text", help="保存消息原文（默认不保存，只记时间和加密后的成员）")
    ] = False,
    room: Annotated[str | None, typer.Option("--room", help="企业微信会话存档里要导入的群（roomid）")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="输出 JSON")] = False,
) -> None:
    """导入一个群的聊天记录：每小时的消息数和说话人数、每个发出的话题引来多少回复、谁是常客。"""
    from assistant.groups.importer import import_export

    with console.status("正在导入聊天记录……"):
        report = import_export(file, group, fmt=fmt, keep_text=keep_text, room=room)
    if as_json:
        typer.echo(json.dumps(report.as_dict(), ensure_ascii=False, indent=2))
        return
    console.print(escape(report.summary()), highlight=False)
    for issue in report.issues[:SHOWN_ISSUES]:
        console.print(f"[yellow]{escape(issue.reason)}[/]", highlight=False)
    if len(report.issues) > SHOWN_ISSUES:
        console.print(
            f"[yellow]……还有 {len(report.issues) - SHOWN_ISSUES} 处，用 --json 查看全部[/]", highlight=False
        )


@groups_app.command("list")
def list_cmd(as_json: Annotated[bool, typer.Option("--json", help="输出 JSON")] = False) -> None:
    """列出所有群：方案数、发出的话题数、导入的消息数和时间范围。"""
    from rich.table import Table

    from assistant.storage import Store

    rows = Store().groups.list_groups()
    if as_json:
        typer.echo(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    if not rows:
        console.print("还没有群。生成方案时加 --group 群名，或用 huati groups import 导入聊天记录。")
        return
    table = Table(title=f"群（共 {len(rows)} 个）")
    for col in ("群", "方案", "有回复数的话题", "消息", "最早", "最晚"):
        table.add_column(col)
    for r in rows:
        table.add_row(
            r["id"],
            str(r["plans"]),
            str(r["posted"]),
            str(r["messages"]),
            r["first_at"] or "-",
            r["last_at"] or "-",
        )
    console.print(table)


@groups_app.command("show")
def show_cmd(
    group: Annotated[str, typer.Argument(help="群编号")],
    weeks: Annotated[int, typer.Option("--weeks", help="看最近几周")] = 4,
    as_json: Annotated[bool, typer.Option("--json", help="输出 JSON")] = False,
) -> None:
    """看一个群学到了什么：哪类话题回复多（带不确定度）、几点最热闹、常客。"""
    from assistant.groups.summary import group_summary, summary_lines

    summary = group_summary(group, weeks=weeks)
    if as_json:
        typer.echo(json.dumps(summary, ensure_ascii=False, indent=2, default=str))
        return
    for line in summary_lines(summary):
        console.print(escape(line), highlight=False)


@groups_app.command("forget")
def forget_cmd(
    group: Annotated[str, typer.Argument(help="群编号")],
    yes: Annotated[bool, typer.Option("--yes", "-y", help="不再确认")] = False,
) -> None:
    """删除一个群的全部数据：导入的消息、每小时统计、话题的回复数、和方案的关联（方案本身保留）。"""
    from assistant.groups.importer import check_group
    from assistant.storage import Store

    group = check_group(group)
    store = Store()
    if not store.groups.known(group):
        raise NotFoundError(f"没有群 {group} 的数据", hint="用 huati groups list 查看")
    if not yes and not typer.confirm(f"删除群 {group} 的全部数据？此操作不能撤销", default=False):
        raise InputError("已取消，什么都没删")
    deleted = store.groups.forget(group)
    total = sum(v for k, v in deleted.items() if k != "plans_untied")
    console.print(
        f"已删除群 {escape(group)} 的 {total} 行数据；{deleted['plans_untied']} 个方案保留，但不再关联这个群。",
        highlight=False,
    )


def register(app: typer.Typer) -> None:
    app.add_typer(groups_app, name="groups")
