"""Offline engine for chat: route the message, call the tool, turn errors into a Chinese reply."""

from __future__ import annotations

from typing import Any

from assistant.chat import tools
from assistant.chat.router import Intent, route
from assistant.errors import HuatiError


def run_intent(ctx: tools.ChatContext, intent: Intent) -> tools.ToolResult:
    args = intent.args
    if intent.tool == "draft":
        return tools.draft(ctx, args["product"], args.get("audience"), args.get("date"), args.get("n", 3))
    if intent.tool == "redraft":
        return tools.redraft(ctx, args.get("n"))
    if intent.tool == "revise":
        return tools.revise(ctx, args["index"], args["instruction"], args.get("use_trends", False))
    if intent.tool == "check":
        return tools.check(ctx, args.get("text"), args.get("product"))
    if intent.tool == "search":
        return tools.search(ctx, args["query"], args.get("kind", "all"), args.get("date"))
    if intent.tool == "history":
        return tools.history(ctx, args.get("product"), args.get("days", 14))
    return tools.help_(ctx)


def answer_offline(ctx: tools.ChatContext, text: str) -> tuple[str, list[dict[str, Any]]]:
    from assistant.chat import _step_record

    intent = route(text, has_plan=bool(ctx.plan_id), today=ctx.today, settings=ctx.settings)
    try:
        result = run_intent(ctx, intent)
    except HuatiError as exc:
        return f"没办法完成：{exc}", [{"tool": intent.tool, "error": exc.message}]
    return result.text, [_step_record(result)]
