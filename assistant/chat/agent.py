"""Tool-calling agent for when an LLM is configured: `chat_model.bind_tools(tools)` in a bounded loop.

The system prompt is `prompts/chat_agent.j2`. Tool results and earlier messages are data; the model may only
act through the tools. Provider failures raise `AgentFailed` so the caller falls back to the router.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import date as Date
from typing import Any

from pydantic import BaseModel, Field

from assistant.chat import tools
from assistant.chat.sessions import ChatMessage
from assistant.errors import HuatiError, InputError

MAX_STEPS = 5
HISTORY_MESSAGES = 12


class AgentFailed(Exception):
    """The chat model could not be reached or kept misbehaving. `steps`/`results`: the tools that already
    ran in this turn (their side effects happened: a fallback must reuse them, not run them again)."""

    def __init__(
        self, message: str, steps: list[dict[str, Any]] | None = None, results: list[str] | None = None
    ):
        super().__init__(message)
        self.steps = steps or []
        self.results = results or []


class DraftArgs(BaseModel):
    product: str = Field(..., description="主推产品名，例如 空气炸锅")
    audience: str | None = Field(None, description="群类型，例如 宝妈群")
    date: str | None = Field(None, description="日期 YYYY-MM-DD，默认今天")
    n: int = Field(3, ge=1, le=10, description="话题个数")
    category: str | None = Field(None, description="品类，例如 教育课程、童装（商品目录以外的商品建议填）")
    points: list[str] = Field([], description="卖点，例如 [一对一, 可回放]")


class ReviseArgs(BaseModel):
    index: int = Field(..., ge=1, description="当前方案中第几个话题（从 1 开始）")
    instruction: str = Field(..., description="修改要求，例如 更口语一点")
    use_trends: bool = Field(False, description="是否结合今日热搜")


class CheckArgs(BaseModel):
    text: str = Field(..., description="要检查的话题原文")
    product: str | None = Field(None, description="相关产品名（可选）")


class SearchArgs(BaseModel):
    query: str = Field(..., description="搜索词")
    kind: str = Field("all", description="cases / trends / calendar / all")


class HistoryArgs(BaseModel):
    product: str | None = Field(None, description="产品名（可选）")
    days: int = Field(14, ge=1, le=365, description="往前看多少天")
    ask: str = Field("list", description="list 列出 / effect 看效果 / best 哪个效果最好")


def tool_specs() -> list[tuple[str, str, type[BaseModel]]]:
    return [
        ("draft_plan", "为某个产品、群和日期生成当天的群话题方案（排好序、已做检查）", DraftArgs),
        ("revise_topic", "按要求改写当前方案里的第 N 个话题", ReviseArgs),
        ("check_topic", "检查一句话题：广告法合规、低门槛、贴合产品、语气", CheckArgs),
        ("search_knowledge", "搜索案例库、热搜和节日节气", SearchArgs),
        ("read_history", "查看过去的方案和运营反馈（采用/弃用/改写）", HistoryArgs),
    ]


def _call(ctx: tools.ChatContext, name: str, args: dict[str, Any]) -> tools.ToolResult:
    if name == "draft_plan":
        d = DraftArgs.model_validate(args)
        return tools.draft(ctx, d.product, d.audience, d.date, d.n, category=d.category, points=d.points)
    if name == "revise_topic":
        r = ReviseArgs.model_validate(args)
        return tools.revise(ctx, r.index, r.instruction, r.use_trends)
    if name == "check_topic":
        c = CheckArgs.model_validate(args)
        return tools.check(ctx, c.text, c.product)
    if name == "search_knowledge":
        s = SearchArgs.model_validate(args)
        return tools.search(ctx, s.query, s.kind)
    if name == "read_history":
        h = HistoryArgs.model_validate(args)
        return tools.history(ctx, h.product, h.days, h.ask)
    raise InputError(f"没有叫 {name} 的工具")


def langchain_tools(ctx: tools.ChatContext) -> list[Any]:
    """The tools as LangChain `StructuredTool`s bound to this conversation."""
    from langchain_core.tools import StructuredTool

    def make(name: str, description: str, schema: type[BaseModel]) -> Any:
        def run(**kwargs: Any) -> str:
            return _call(ctx, name, kwargs).text

        return StructuredTool.from_function(run, name=name, description=description, args_schema=schema)

    return [make(*spec) for spec in tool_specs()]


def system_prompt(ctx: tools.ChatContext) -> tuple[str, str]:
    """(system prompt, its version)."""
    from assistant.llm import prompts

    today = ctx.today or Date.today()
    return prompts.render("chat_agent", ctx.settings, today=today.isoformat(), plan_id=ctx.plan_id or "")


def _history(messages: list[ChatMessage]) -> list[Any]:
    from langchain_core.messages import AIMessage, HumanMessage

    out: list[Any] = []
    for msg in messages[-HISTORY_MESSAGES:]:
        out.append(HumanMessage(msg.content) if msg.role == "user" else AIMessage(msg.content))
    return out


def unchanged_note(steps: list[dict[str, Any]]) -> str:
    """A line stating which revisions failed this turn (so a model's 「改好了」 cannot stand alone)."""
    failed = [s for s in steps if s.get("tool") in ("revise_topic", "revise") and s.get("error")]
    if not failed or any(s.get("tool") == "revise" and not s.get("error") for s in steps):
        return ""
    return "\n" + "\n".join(f"（注意：这次修改没有成功，话题保持原样：{s['error']}）" for s in failed)


class AgentDone:
    """Last item of `run_agent`: the full reply text, the tool steps taken and the prompt versions used."""

    def __init__(self, reply: str, steps: list[dict[str, Any]], versions: dict[str, str]):
        self.reply, self.steps, self.versions = reply, steps, versions


async def run_agent(
    ctx: tools.ChatContext, history: list[ChatMessage], text: str
) -> AsyncIterator[str | AgentDone]:
    """Stream the model's answer text as it arrives, run the tools it calls (at most MAX_STEPS model calls),
    end with `AgentDone`. Raises AgentFailed on provider errors."""
    from langchain_core.messages import HumanMessage, SystemMessage, ToolMessage

    from assistant.chat import _step_record

    if ctx.chat_model is None:
        raise AgentFailed("没有可用的大模型")
    bound = ctx.chat_model.bind_tools(langchain_tools(ctx))
    system, version = system_prompt(ctx)
    versions = {"chat_agent": version}
    messages: list[Any] = [SystemMessage(system), *_history(history), HumanMessage(text)]
    steps: list[dict[str, Any]] = []
    results: list[str] = []
    shown: list[str] = []
    for _ in range(MAX_STEPS):
        ai: Any = None  # the chunks summed into one message
        try:
            async for chunk in bound.astream(messages):
                ai = chunk if ai is None else ai + chunk
                if isinstance(chunk.content, str) and chunk.content:
                    shown.append(chunk.content)
                    yield chunk.content
        except HuatiError as exc:
            raise AgentFailed(exc.message, steps, results) from exc
        except Exception as exc:  # any provider failure: fall back to the router
            raise AgentFailed(type(exc).__name__, steps, results) from exc
        if ai is None:
            raise AgentFailed("模型没有返回内容", steps, results)
        messages.append(ai)
        calls = getattr(ai, "tool_calls", None) or []
        if not calls:
            reply = "".join(shown)
            if not reply.strip():  # nothing said: show what the tools produced
                extra = "\n\n".join(results) or "（模型没有给出回答）"
                reply += extra
                yield extra
            if note := unchanged_note(steps):  # the model may not claim a change that did not happen
                reply += note
                yield note
            yield AgentDone(reply, steps, versions)
            return
        if shown and not shown[-1].endswith("\n"):
            shown.append("\n")
            yield "\n"
        for call in calls:
            try:
                result = await asyncio.to_thread(_call, ctx, call["name"], call.get("args") or {})
                output = result.text
                results.append(output)
                steps.append(_step_record(result))
            except HuatiError as exc:
                output = f"工具出错：{exc}"
                steps.append({"tool": call["name"], "error": exc.message})
            except ValueError as exc:  # bad arguments from the model
                output = f"参数不对：{exc}"
                steps.append({"tool": call["name"], "error": "参数不对"})
            messages.append(ToolMessage(output, tool_call_id=call.get("id") or call["name"]))
    # Step budget spent: show what the tools produced rather than loop forever.
    summary = "\n\n".join(results) if results else "这个问题我没能在有限的步骤里完成，请换个说法再试一次。"
    yield summary
    yield AgentDone("".join(shown) + summary, steps, versions)
