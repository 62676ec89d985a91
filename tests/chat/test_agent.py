"""LLM agent path with fake chat models that emit tool calls (no network)."""

from __future__ import annotations

import json
import re
from typing import Any

from langchain_core.language_models.fake_chat_models import GenericFakeChatModel
from langchain_core.messages import AIMessage, AIMessageChunk, ToolMessage
from langchain_core.outputs import ChatGenerationChunk

from assistant import chat
from assistant.chat import sessions
from assistant.chat.agent import MAX_STEPS


class ToolCallingFake(GenericFakeChatModel):
    """Fake chat model whose scripted messages may carry tool_calls; records what it was sent."""

    model_name: str = "ToolCallingFake"
    seen: list[list[Any]] = []
    bound: list[str] = []

    def bind_tools(self, tools, **kwargs):
        type(self).bound = [t.name for t in tools]
        return self

    def _generate(self, messages, stop=None, run_manager=None, **kwargs):
        type(self).seen.append(list(messages))
        return super()._generate(messages, stop, run_manager, **kwargs)

    def _stream(self, messages, stop=None, run_manager=None, **kwargs):
        """Stream text word by word like the parent; tool calls arrive as one tool_call_chunks chunk."""
        result = self._generate(messages, stop, run_manager, **kwargs)
        message = result.generations[0].message
        if not message.tool_calls:
            for token in re.split(r"(\s)", message.content):
                yield ChatGenerationChunk(message=AIMessageChunk(content=token))
            return
        chunks = [
            {"name": c["name"], "args": json.dumps(c["args"], ensure_ascii=False), "id": c["id"], "index": i}
            for i, c in enumerate(message.tool_calls)
        ]
        yield ChatGenerationChunk(message=AIMessageChunk(content=message.content, tool_call_chunks=chunks))


def call(name: str, args: dict, cid: str) -> AIMessage:
    return AIMessage(content="", tool_calls=[{"name": name, "args": args, "id": cid}])


def fake(*messages: AIMessage | str) -> ToolCallingFake:
    ToolCallingFake.seen = []
    return ToolCallingFake(messages=iter(messages))


def test_agent_drafts_then_revises_through_tools(chat_env):
    s = chat.new_session()
    model = fake(
        call("draft_plan", {"product": "空气炸锅", "audience": "宝妈群", "n": 2}, "c1"),
        "给你两个话题，选一个发吧。",
    )
    reply = chat.respond(s.id, "明天卖空气炸锅，宝妈群，给我两个话题", chat_model=model)
    assert ToolCallingFake.bound == [
        "draft_plan",
        "revise_topic",
        "check_topic",
        "search_knowledge",
        "read_history",
    ]
    assert reply.engine == "llm" and reply.model == "ToolCallingFake"
    assert reply.tools == ["draft"] and reply.plan_id
    assert reply.message.content.startswith("给你两个话题")
    assert "大模型 ToolCallingFake 回答" in reply.message.content
    # The tool result went back to the model as a ToolMessage with the same call id.
    tool_msgs = [m for m in ToolCallingFake.seen[-1] if isinstance(m, ToolMessage)]
    assert tool_msgs[0].tool_call_id == "c1" and "空气炸锅" in tool_msgs[0].content
    assert sessions.get_session(s.id).plan_id == reply.plan_id

    model2 = fake(call("revise_topic", {"index": 1, "instruction": "换个角度"}, "c2"), "改好了。")
    revised = chat.respond(s.id, "第一个更口语一点", chat_model=model2)
    assert revised.tools == ["revise"] and revised.plan_id == reply.plan_id
    assert revised.engine == "llm" and revised.fallback_reason is None
    assert revised.message.content.startswith("改好了")
    # Earlier turns are sent as history, the system prompt names the current plan.
    first_call = ToolCallingFake.seen[0]
    assert reply.plan_id in first_call[0].content
    assert any("明天卖空气炸锅" in str(m.content) for m in first_call[1:])


def test_agent_tool_errors_go_back_to_the_model(chat_env):
    s = chat.new_session()
    model = fake(
        call("revise_topic", {"index": 2, "instruction": "更短"}, "c1"), "还没有方案，先告诉我要推什么。"
    )
    reply = chat.respond(s.id, "第二个更短", chat_model=model)
    tool_msg = [m for m in ToolCallingFake.seen[-1] if isinstance(m, ToolMessage)][0]
    assert tool_msg.content.startswith("工具出错")
    assert reply.message.content.startswith("还没有方案")
    assert reply.message.data["steps"][0]["error"]


def test_agent_bad_arguments_and_unknown_tool(chat_env):
    s = chat.new_session()
    model = fake(call("draft_plan", {"n": 3}, "c1"), call("rm_rf", {}, "c2"), "好的")
    reply = chat.respond(s.id, "出话题", chat_model=model)
    outputs = [m.content for m in ToolCallingFake.seen[-1] if isinstance(m, ToolMessage)]
    assert outputs[0].startswith("参数不对") and outputs[1].startswith("工具出错")
    assert reply.message.content.startswith("好的")


def test_agent_steps_are_bounded(chat_env):
    s = chat.new_session()
    loops = [
        call("check_topic", {"text": "你用过空气炸锅吗？", "product": "空气炸锅"}, f"c{i}") for i in range(20)
    ]
    reply = chat.respond(s.id, "一直检查", chat_model=fake(*loops))
    assert len(ToolCallingFake.seen) == MAX_STEPS
    assert reply.tools == ["check"] * MAX_STEPS
    assert "检查结果" in reply.message.content  # tool output is shown instead of looping forever


class Broken(ToolCallingFake):
    def _generate(self, messages, stop=None, run_manager=None, **kwargs):
        raise ConnectionError("provider down")


def test_provider_error_falls_back_to_router_and_says_so(chat_env):
    s = chat.new_session()
    reply = chat.respond(s.id, "明天卖空气炸锅，给我两个话题", chat_model=Broken(messages=iter([])))
    assert reply.engine == "offline" and reply.tools == ["draft"]
    assert "ConnectionError" in reply.fallback_reason
    assert "已改用离线引擎" in reply.message.content and "离线引擎回答" in reply.message.content


def test_configured_but_unreachable_llm_falls_back(chat_env, monkeypatch):
    from assistant.settings import get_settings, reset_settings

    monkeypatch.setenv("HUATI_LLM_BASE_URL", "http://127.0.0.1:9/v1")  # nothing listens on port 9
    monkeypatch.setenv("HUATI_LLM_API_KEY", "test")
    monkeypatch.setenv("HUATI_LLM_MODEL", "some-model")
    monkeypatch.setenv("HUATI_LLM_MAX_RETRIES", "0")
    reset_settings()
    s = chat.new_session(settings=get_settings())
    reply = chat.respond(s.id, "你好")
    assert reply.engine == "offline" and "ConnectionError" in reply.fallback_reason
    assert "离线引擎回答" in reply.message.content


def test_llm_answer_streams_token_by_token(chat_env):
    import asyncio

    s = chat.new_session()
    model = fake(
        call("search_knowledge", {"query": "冬至", "kind": "calendar"}, "c1"), "冬至 可以 聊 饺子 还是 汤圆"
    )

    async def collect() -> list:
        return [item async for item in chat.astream(s.id, "冬至有什么可以聊的", chat_model=model)]

    items = asyncio.run(collect())
    *chunks, final = items
    assert isinstance(final, chat.ChatReply) and final.engine == "llm" and final.tools == ["search"]
    assert chunks[:3] == ["冬至", " ", "可以"]  # the model's own tokens, as they came
    assert "".join(chunks) == final.message.content == sessions.get_session(s.id).messages[-1].content


def test_provider_error_mid_stream_keeps_partial_text(chat_env):
    class DiesMidway(ToolCallingFake):
        def _stream(self, messages, stop=None, run_manager=None, **kwargs):
            yield ChatGenerationChunk(message=AIMessageChunk(content="我想想"))
            raise TimeoutError("slow")

    s = chat.new_session()
    reply = chat.respond(s.id, "你好", chat_model=DiesMidway(messages=iter([])))
    assert reply.engine == "offline" and "TimeoutError" in reply.fallback_reason
    assert reply.message.content.startswith("我想想\n") and "出话题" in reply.message.content


class CallsThenDies(ToolCallingFake):
    """Emits one tool call, then the provider fails on the next model call."""

    def _stream(self, messages, stop=None, run_manager=None, **kwargs):
        if any(isinstance(m, ToolMessage) for m in messages):
            raise ConnectionError("provider down")
        yield from super()._stream(messages, stop, run_manager, **kwargs)


def test_fallback_reuses_tools_already_run_in_the_turn(chat_env):
    from assistant.storage import Store

    s = chat.new_session()
    model = CallsThenDies(messages=iter([call("draft_plan", {"product": "空气炸锅", "n": 2}, "c1")]))
    reply = chat.respond(s.id, "明天卖空气炸锅，给我两个话题", chat_model=model)
    plans, total = Store().list_plans()
    assert total == 1 and reply.plan_id == plans[0].id  # drafted once, not again by the router
    assert (
        reply.engine == "offline" and reply.tools == ["draft"] and "ConnectionError" in reply.fallback_reason
    )
    assert plans[0].topics[0].text in reply.message.content
    assert "大模型出错后改用规则路由" in reply.message.content  # the footer does not claim no LLM was called

    model = CallsThenDies(
        messages=iter([call("revise_topic", {"index": 1, "instruction": "换个角度"}, "c2")])
    )
    revised = chat.respond(s.id, "第一个更口语一点", chat_model=model)
    assert revised.tools == ["revise"]
    assert len(Store().revisions_for(reply.plan_id)) == 1  # applied once


def test_agent_revision_is_saved_in_the_plan(chat_env):
    from assistant.storage import Store

    s = chat.new_session()
    drafted = chat.respond(s.id, "明天卖空气炸锅，给我两个话题")
    before = Store().get_plan(drafted.plan_id).topics[1].text
    model = fake(call("revise_topic", {"index": 2, "instruction": "换个角度"}, "c1"), "改好了，看看。")
    reply = chat.respond(s.id, "第二个更口语一点", chat_model=model)
    assert reply.tools == ["revise"]
    after = Store().get_plan(drafted.plan_id).topics[1].text
    assert after != before and after == reply.message.data["steps"][0]["topic"]["text"]


def test_model_cannot_claim_a_failed_revision(chat_env):
    s = chat.new_session()
    chat.respond(s.id, "明天卖空气炸锅，给我两个话题")
    model = fake(call("revise_topic", {"index": 9, "instruction": "更短"}, "c1"), "改好了！")
    reply = chat.respond(s.id, "第九个更短", chat_model=model)
    assert reply.message.content.startswith("改好了！")
    assert (
        "这次修改没有成功，话题保持原样" in reply.message.content and "没有第 9 个" in reply.message.content
    )
