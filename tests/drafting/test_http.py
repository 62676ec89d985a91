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
    assert text.startswith("我是内置的假模型")
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


def test_token_usage_comes_from_the_responses(llm_env, fake_server):
    from fake_openai import _text, quiz_responder

    fake_server.responder = quiz_responder(1)
    try:
        plan = draft_plan(REQ, save=False)
    finally:
        from fake_openai import default_responder

        fake_server.responder = default_responder
    assert plan.engine == "llm" and plan.usage.calls == len(fake_server.requests) == 2
    # the fake server reports prompt_tokens = len(prompt) // 2 in `usage`; the plan adds them up
    assert plan.usage.input_tokens == sum(max(1, len(_text(b)) // 2) for b in fake_server.requests)
    assert plan.usage.output_tokens > 0


def test_llm_plans_do_not_repeat_across_days(llm_env, fake_server):
    """The audit case: the fake endpoint answers the same five topics every day."""
    plans = [draft_plan(REQ.model_copy(update={"date": date(2026, 12, d)}), save=True) for d in (22, 23, 24)]
    seen: list[str] = []
    for plan in plans:
        texts = [t.text for t in plan.topics]
        assert len(texts) == 3 and not set(texts) & set(seen), (plan.date, texts, seen)
        seen += texts
        engines = [t["engine"] for t in plan.public_dict()["topics"]]
        if plan.engine == "llm":
            assert "llm" in engines and (plan.fallback_reason is None) == (set(engines) == {"llm"})
        else:
            assert set(engines) == {"offline"} and plan.fallback_reason
    assert [p.engine for p in plans] == ["llm", "llm", "offline"]  # five model topics last two days
    assert [t["engine"] for t in plans[1].public_dict()["topics"]] == ["llm", "llm", "offline"]
    # the prompt asked for extra candidates once the group had history
    assert "起草 5 个候选群话题" in fake_server.requests[0]["messages"][1]["content"]
    assert "起草 7 个候选群话题" in fake_server.requests[1]["messages"][1]["content"]


def test_retries_with_backoff_then_succeeds(llm_env, fake_server, monkeypatch):
    from fake_openai import default_responder, flaky_responder

    from assistant.settings import get_settings, reset_settings

    monkeypatch.setenv("HUATI_LLM_MAX_RETRIES", "2")
    reset_settings()
    fake_server.responder = flaky_responder(2, status=503)
    try:
        plan = draft_plan(REQ, settings=get_settings(), save=False)
    finally:
        fake_server.responder = default_responder
    assert plan.engine == "llm" and plan.fallback_reason is None
    assert len(fake_server.requests) == 3 and plan.usage.calls == 1  # one model call, two retried requests
    first, second, third = fake_server.started_at
    assert 0.3 < second - first < third - second  # the client waits, and longer the second time


def test_retries_exhausted_falls_back(llm_env, fake_server, monkeypatch):
    from fake_openai import default_responder, flaky_responder

    from assistant.settings import get_settings, reset_settings

    monkeypatch.setenv("HUATI_LLM_MAX_RETRIES", "1")
    reset_settings()
    fake_server.responder = flaky_responder(5, status=503)
    try:
        plan = draft_plan(REQ, settings=get_settings(), save=False)
    finally:
        fake_server.responder = default_responder
    assert len(fake_server.requests) == 2
    assert plan.engine == "offline" and "503" in plan.fallback_reason


def test_timeout_per_model_call_falls_back(llm_env, fake_server, monkeypatch):
    from assistant.settings import get_settings, reset_settings

    monkeypatch.setenv("HUATI_LLM_TIMEOUT", "0.3")
    reset_settings()
    fake_server.latency = 1.5
    start = time.perf_counter()
    plan = draft_plan(REQ, settings=get_settings(), save=False)
    elapsed = time.perf_counter() - start
    assert plan.engine == "offline" and (
        "Timeout" in plan.fallback_reason or "秒内没有答完" in plan.fallback_reason
    )
    assert elapsed < 1.5  # the call was cut off, not waited out
    deadline = time.monotonic() + 3
    while fake_server.active and time.monotonic() < deadline:  # let the abandoned request finish
        time.sleep(0.05)


def test_timeout_bounds_the_call_with_its_retries(llm_env, fake_server, monkeypatch):
    """HUATI_LLM_TIMEOUT bounds one model call including the client's retries (3 retries of a 1 s timeout
    against a server that never answers in time would otherwise take 4 s and more, backoff included)."""
    from assistant.settings import get_settings, reset_settings

    monkeypatch.setenv("HUATI_LLM_TIMEOUT", "1")
    monkeypatch.setenv("HUATI_LLM_MAX_RETRIES", "3")
    reset_settings()
    fake_server.latency = 10
    start = time.perf_counter()
    plan = draft_plan(REQ, settings=get_settings(), save=False)
    elapsed = time.perf_counter() - start
    assert plan.engine == "offline" and "1 秒内没有答完" in plan.fallback_reason
    assert elapsed < 3.0
    assert len(fake_server.requests) == 1  # cut off during the first attempt: no retry was even sent
    deadline = time.monotonic() + 12
    while fake_server.active and time.monotonic() < deadline:
        time.sleep(0.05)


def test_one_malformed_candidate_does_not_sink_the_answer(llm_env, fake_server):
    """A candidate with a type the schema does not know, and one without a question, are handled on their own:
    the plan stays the model's."""
    import json

    from fake_openai import default_responder

    def responder(body):
        data = json.loads(default_responder(body))
        if "topics" in data:
            data["topics"][0]["type"] = "photo"  # a near miss of photo_share
            data["topics"][1].pop("question")  # unusable
        return json.dumps(data, ensure_ascii=False)

    fake_server.responder = responder
    try:
        plan = draft_plan(REQ, save=False)
    finally:
        fake_server.responder = default_responder
    assert plan.engine == "llm" and plan.fallback_reason is None
    assert len(fake_server.requests) == 1  # no repair round trip for one bad candidate


def test_a_false_hook_never_reaches_the_plan(llm_env, fake_server):
    """The model names 冬至 on 12-23 (the day after it): the hook is dropped and a topic that still names it
    does not make the plan."""
    import json

    from fake_openai import default_responder

    def responder(body):
        data = json.loads(default_responder(body))
        items = data["topics"] if "topics" in data else [data]
        for item in items[:2]:
            item["hook_kind"], item["hook_title"] = "calendar", "冬至年夜饭"
            item["question"] = "冬至年夜饭，" + item["question"]
        return json.dumps(data, ensure_ascii=False)

    fake_server.responder = responder
    try:
        plan = draft_plan(REQ.model_copy(update={"date": date(2026, 12, 23)}), save=False)
    finally:
        fake_server.responder = default_responder
    assert plan.topics and all("冬至" not in t.text for t in plan.topics)
    assert all(t.hook is None or "冬至" not in t.hook.title for t in plan.topics)
