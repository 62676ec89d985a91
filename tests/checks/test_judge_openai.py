"""The judge's real path: ChatOpenAI against a local OpenAI-compatible stub on 127.0.0.1."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest

from assistant.knowledge import find_product


class _Stub(BaseHTTPRequestHandler):
    bodies: list[dict] = []

    def do_POST(self):
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        _Stub.bodies.append(body)
        verdict = {
            "pass": False,
            "score": 0.1,
            "reasons": ["「全网最低价」是绝对化用语"],
            "spans": ["全网最低价"],
        }
        payload = {
            "id": "x",
            "object": "chat.completion",
            "created": 0,
            "model": body["model"],
            "choices": [
                {
                    "index": 0,
                    "finish_reason": "stop",
                    "message": {"role": "assistant", "content": json.dumps(verdict, ensure_ascii=False)},
                }
            ],
            "usage": {"prompt_tokens": 10, "completion_tokens": 5, "total_tokens": 15},
        }
        data = json.dumps(payload).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args):  # quiet
        pass


@pytest.fixture
def stub(monkeypatch, huati_env):
    server = HTTPServer(("127.0.0.1", 0), _Stub)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    from assistant.settings import reset_settings

    monkeypatch.setenv("HUATI_LLM_BASE_URL", f"http://127.0.0.1:{server.server_port}/v1")
    monkeypatch.setenv("HUATI_LLM_API_KEY", "test-key")
    monkeypatch.setenv("HUATI_LLM_MODEL", "stub-judge")
    reset_settings()
    _Stub.bodies.clear()
    yield _Stub.bodies
    server.shutdown()
    reset_settings()


def test_judge_through_chat_openai_at_temperature_zero(stub):
    from assistant.checks.judge import judge

    result = judge("compliance", "全网最低价的牙膏你见过吗？", find_product("亮白牙膏"))
    assert not result.passed and result.details["model"] == "stub-judge"
    assert result.details["spans"] == [[0, 5]]
    assert stub[0]["temperature"] == 0 and stub[0]["model"] == "stub-judge"
    assert "全网最低价的牙膏你见过吗？" in stub[0]["messages"][0]["content"]
    again = judge("compliance", "全网最低价的牙膏你见过吗？", find_product("亮白牙膏"))
    assert again.details["cached"] is True and len(stub) == 1


def test_judge_without_llm_is_a_config_error(huati_env):
    from assistant.checks.judge import judge
    from assistant.errors import ConfigError

    with pytest.raises(ConfigError):
        judge("tone", "你刷牙吗？", find_product("亮白牙膏"))
