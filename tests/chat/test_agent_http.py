"""The agent through the real ChatOpenAI against a local OpenAI-protocol server that streams tool calls."""

from __future__ import annotations

import json
import socket
import threading
import time
from typing import Any

import pytest
from fastapi import FastAPI, Request
from fastapi.responses import StreamingResponse

from assistant import chat

TOPIC = "你平时出门会涂防晒吗？"


def _chunk(delta: dict[str, Any], finish: str | None = None) -> str:
    data = {
        "id": "c1",
        "object": "chat.completion.chunk",
        "created": 0,
        "model": "stub-chat",
        "choices": [{"index": 0, "delta": delta, "finish_reason": finish}],
    }
    return f"data: {json.dumps(data, ensure_ascii=False)}\n\n"


def stub_app(seen: list[dict[str, Any]]) -> FastAPI:
    app = FastAPI()

    @app.post("/v1/chat/completions")
    async def completions(request: Request) -> StreamingResponse:
        body = await request.json()
        seen.append(body)
        answered = any(m.get("role") == "tool" for m in body["messages"])

        def events():
            yield _chunk({"role": "assistant", "content": ""})
            if not answered:  # first turn: call check_topic, arguments split over two chunks
                args = json.dumps({"text": TOPIC, "product": "清爽防晒霜"}, ensure_ascii=False)
                yield _chunk(
                    {
                        "tool_calls": [
                            {
                                "index": 0,
                                "id": "call_1",
                                "type": "function",
                                "function": {"name": "check_topic", "arguments": args[:10]},
                            }
                        ]
                    }
                )
                yield _chunk({"tool_calls": [{"index": 0, "function": {"arguments": args[10:]}}]})
                yield _chunk({}, "tool_calls")
            else:
                for piece in ("可以发，", "四项检查", "都通过了。"):
                    yield _chunk({"content": piece})
                yield _chunk({}, "stop")
            yield "data: [DONE]\n\n"

        return StreamingResponse(events(), media_type="text/event-stream")

    return app


@pytest.fixture
def stub_llm(chat_env, monkeypatch):
    import uvicorn

    from assistant.settings import get_settings, reset_settings

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    seen: list[dict[str, Any]] = []
    server = uvicorn.Server(uvicorn.Config(stub_app(seen), host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.02)
    monkeypatch.setenv("HUATI_LLM_BASE_URL", f"http://127.0.0.1:{port}/v1")
    monkeypatch.setenv("HUATI_LLM_API_KEY", "test")
    monkeypatch.setenv("HUATI_LLM_MODEL", "stub-chat")
    reset_settings()
    yield get_settings(), seen
    server.should_exit = True
    thread.join(5)


def test_streamed_tool_call_through_chatopenai(stub_llm):
    settings, seen = stub_llm
    s = chat.new_session(settings=settings)
    reply = chat.respond(s.id, f"这句能发吗「{TOPIC}」")
    assert reply.engine == "llm" and reply.model == "stub-chat" and reply.fallback_reason is None
    assert reply.tools == ["check"]
    assert reply.message.content.startswith("可以发，四项检查都通过了。")
    assert reply.message.content.rstrip().endswith("大模型 stub-chat 回答")
    assert len(seen) == 2 and all(body.get("stream") for body in seen)
    names = [t["function"]["name"] for t in seen[0]["tools"]]
    assert names == ["draft_plan", "revise_topic", "check_topic", "search_knowledge", "read_history"]
    assert seen[0]["messages"][0]["role"] == "system"
    tool_msg = [m for m in seen[1]["messages"] if m["role"] == "tool"][0]
    assert tool_msg["tool_call_id"] == "call_1" and TOPIC in tool_msg["content"]
