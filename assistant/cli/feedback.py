"""`huati feedback`: the operator's verdict on one topic, and for a posted one what it drew."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.markup import escape

from assistant.cli.common import console
from assistant.cli.plan_text import feedback_line


def feedback(
    plan_id: Annotated[str, typer.Argument(help="方案 ID")],
    topic_no: Annotated[str, typer.Argument(help="话题序号（从 1 开始）或话题 ID")],
    verdict: Annotated[str, typer.Argument(help="accepted | rejected | edited | posted")],
    text: Annotated[str | None, typer.Option("--text", help="改后的话题（edited 时必填）")] = None,
    note: Annotated[str | None, typer.Option("--note", help="备注，例如 太普通了，群里没人回")] = None,
    at: Annotated[
        str | None, typer.Option("--at", help="什么时候发的：2026-12-04T21:02，或只写 21:02（方案那天）")
    ] = None,
    replies: Annotated[int | None, typer.Option("--replies", help="回复了多少条")] = None,
    repliers: Annotated[int | None, typer.Option("--repliers", help="多少人接话")] = None,
    orders: Annotated[int | None, typer.Option("--orders", help="成交了多少单")] = None,
) -> None:
    """记录对某个话题的反馈：采用 / 不用 / 改过 / 发了（可带发出时间、回复数、接话人数、成交数）。"""
    from assistant.dates import parse_moment
    from assistant.groups.replies import count_for_plan
    from assistant.storage import Store

    store = Store()
    posted_at = None
    if at is not None:
        posted_at = parse_moment(at, store.get_plan(plan_id).date, field="at")
    row = store.add_feedback(
        plan_id,
        topic_no,
        verdict,  # type: ignore[arg-type]  # checked by the store
        edited_text=text,
        note=note,
        posted_at=posted_at,
        replies=replies,
        repliers=repliers,
        orders=orders,
    )
    console.print(f"已记录：方案 {row['plan_id']} {escape(feedback_line(row))}", highlight=False)
    for line in count_for_plan(store, row["plan_id"], row["topic_index"]):
        console.print(escape(line), highlight=False)


def register(app: typer.Typer) -> None:
    app.command("feedback")(feedback)
