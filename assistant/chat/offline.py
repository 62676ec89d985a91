"""Offline engine for chat: route the message, call the tool, turn errors into a Chinese reply."""

from __future__ import annotations

from datetime import date as Date
from typing import Any

from assistant.chat import tools
from assistant.chat.router import Intent, route
from assistant.errors import HuatiError


def run_intent(ctx: tools.ChatContext, intent: Intent) -> tools.ToolResult:
    args = intent.args
    if intent.tool == "draft":
        return tools.draft(
            ctx,
            args["product"],
            args.get("audience"),
            args.get("date"),
            args.get("n", 3),
            category=args.get("category"),
            points=args.get("points"),
        )
    if intent.tool == "redraft":
        return tools.redraft(ctx, args.get("n"))
    if intent.tool == "revise":
        return tools.revise(ctx, args.get("index"), args["instruction"], args.get("use_trends", False))
    if intent.tool == "show":
        return tools.show(ctx, args.get("index"))
    if intent.tool == "check":
        return tools.check(ctx, args.get("text"), args.get("product"), args.get("index"))
    if intent.tool == "search":
        return tools.search(ctx, args["query"], args.get("kind", "all"), args.get("date"))
    if intent.tool == "history":
        return tools.history(ctx, args.get("product"), args.get("days", 14), args.get("ask", "list"))
    return tools.help_(ctx, bool(args.get("thanks")))


def error_text(tool: str, exc: HuatiError, index: int | None = None) -> str:
    """An honest reply for a tool that could not do what was asked (nothing was changed)."""
    hint = f"\n{exc.hint}" if getattr(exc, "hint", None) else ""
    if tool == "revise":
        return f"{f'第 {index} 个' if index else ''}没有改动：{exc.message}{hint}"
    return f"没办法完成：{exc.message}{hint}"


def answer_offline(ctx: tools.ChatContext, text: str) -> tuple[str, list[dict[str, Any]]]:
    from assistant.chat import _step_record

    intent = route(text, has_plan=bool(ctx.plan_id), today=ctx.today or Date.today(), settings=ctx.settings)
    try:
        result = run_intent(ctx, intent)
    except HuatiError as exc:
        index = (intent.args.get("index") or ctx.focus or 1) if ctx.plan_id else None
        step: dict[str, Any] = {"tool": intent.tool, "error": exc.message}
        if index:  # the topic stays the one being discussed, even when its revision failed
            step.update(index=index, plan_id=ctx.plan_id)
        return error_text(intent.tool, exc, index), [step]
    return result.text, [_step_record(result)]
