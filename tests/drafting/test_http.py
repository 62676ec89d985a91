"""The real HTTP path: ChatOpenAI against the local OpenAI-protocol server on 127.0.0.1."""

from __future__ import annotations

import asyncio
import time
from datetime import date

from assistant.drafting import adraft_plan, draft_plan
from assistant.llm import get_chat_model
from assistant.models import PlanRequest

REQ = PlanRequest(product="空气炸锅", audience="宝妈群", date=date(2026, 12, 21), n=3)


def test_invoke_and_usage(llm_env, fake_server):
    model = get_chat_model(llm_env)
    reply = model.invoke("你好")
    assert "假模型" in reply.content
    assert reply.usage_metadata["input_tokens"] > 0 and reply.usage_metadata["output_tokens"] > 0
    assert fake_server.requests[-1]["model"] == "fake-huati-1"


def test_streaming(llm_env, fake_server):
    model = get_chat_model(llm_env)
    chunks = list(model.stream("你好"))
    assert len(chunks) > 2
    text = "".join(c.content for c in chunks)
    assert text == "你好，我是本地假模型。"
    total = chunks[0]
    for c in chunks[1:]:
        total += c
    assert total.usage_metadata and total.usage_metadata["output_tokens"] > 0
    assert fake_server.requests[-1]["stream"] is True


def test_plan_through_http(llm_env, fake_server):
    plan = draft_plan(REQ, save=False)  # engine auto + configured -> llm
    assert plan.engine == "llm" and plan.model == "fake-huati-1" and plan.fallback_reason is None
    assert plan.usage.calls == 1 and plan.usage.input_tokens > 0 and plan.usage.output_tokens > 0
    assert all("空气炸锅" in t.text for t in plan.topics)
    assert all(t.checks["compliance"].passed for t in plan.topics)
    body = fake_server.requests[-1]
    assert body["temperature"] == llm_env.llm_temperature
    assert "空气炸锅" in body["messages"][1]["content"]


def test_server_error_falls_back(llm_env, fake_server):
    fake_server.fail_status = 500
    plan = draft_plan(REQ, save=True)
    assert plan.engine == "offline" and plan.fallback_reason and "离线引擎" in plan.fallback_reason
    assert plan.id  # still saved


def test_concurrent_plans_overlap(llm_env, fake_server):
    fake_server.latency = 0.5

    async def many() -> list:
        return await asyncio.gather(*(adraft_plan(REQ, save=False) for _ in range(8)))

    start = time.perf_counter()
    plans = asyncio.run(many())
    elapsed = time.perf_counter() - start
    assert all(p.engine == "llm" for p in plans)
    assert fake_server.peak >= 4  # requests were in flight together
    assert elapsed < 8 * 0.5  # far below the sequential time


def test_json_schema_method_through_http(llm_env, fake_server, monkeypatch):
    from assistant.settings import get_settings, reset_settings

    monkeypatch.setenv("HUATI_LLM_STRUCTURED_METHOD", "json_schema")
    reset_settings()
    plan = draft_plan(REQ, settings=get_settings(), save=False)
    assert plan.engine == "llm", plan.fallback_reason
    body = fake_server.requests[-1]
    assert body["response_format"]["type"] == "json_schema"
    assert plan.usage.calls == 1 and len(plan.topics) == 3


def test_failing_topics_are_revised_concurrently(llm_env, fake_server):
    from fake_openai import default_responder, quiz_responder

    fake_server.latency = 0.4
    fake_server.responder = quiz_responder(2)
    try:
        plan = draft_plan(REQ, save=False)
    finally:
        fake_server.responder = default_responder
    assert plan.engine == "llm"
    assert plan.usage.calls == 3  # one draft + two revisions
    assert fake_server.waves() == 2 and fake_server.peak == 2  # the two revisions ran together
    assert all("原理" not in t.text for t in plan.topics)
    assert all(all(c.passed for c in t.checks.values()) for t in plan.topics)
