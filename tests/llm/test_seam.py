"""The one seam to chat models: the fake model selected by settings, the request policy, the LLM-or-offline
choice, and one renderer for every prompt."""

from __future__ import annotations

import re

import pytest

from assistant.errors import ConfigError
from assistant.models import PlanRequest
from assistant.settings import REPO_ROOT, Settings


def _settings(**values) -> Settings:
    return Settings(**values)


def test_fake_provider_runs_the_llm_chain_without_network(huati_env, monkeypatch):
    from assistant.drafting import draft_plan
    from assistant.settings import reset_settings

    monkeypatch.setenv("HUATI_LLM_PROVIDER", "fake")
    reset_settings()
    plan = draft_plan(PlanRequest(product="亮白牙膏", date="2026-12-10", n=2), save=False)
    assert (plan.engine, plan.model) == ("llm", "huati-fake")
    assert plan.prompt_versions["draft_topics"] and plan.usage.calls >= 1
    assert all("牙膏" in t.text for t in plan.topics)


@pytest.mark.parametrize(
    ("policy", "url", "allowed"),
    [
        ("loopback", "http://127.0.0.1:8000/v1", True),
        ("loopback", "http://localhost:11434/v1", True),
        ("loopback", "https://api.deepseek.com/v1", False),
        ("loopback", None, False),  # the OpenAI default endpoint
        ("none", "http://127.0.0.1:8000/v1", False),
        ("any", "https://api.deepseek.com/v1", True),
    ],
)
def test_request_policy_decides_which_endpoints_may_be_called(policy, url, allowed):
    from assistant.llm import get_chat_model

    settings = _settings(llm_requests=policy, llm_base_url=url, llm_api_key="k", llm_model="m")
    if allowed:
        assert get_chat_model(settings).model_name == "m"
    else:
        with pytest.raises(ConfigError, match="HUATI_LLM_REQUESTS"):
            get_chat_model(settings)


def test_tests_run_with_the_loopback_policy():
    from assistant.settings import get_settings

    assert get_settings().llm_requests == "loopback"


def test_remote_embeddings_are_refused_in_tests():
    from assistant.retrieval.embeddings import get_embedder

    settings = _settings(
        llm_requests="loopback",
        embedding_provider="openai",
        embedding_base_url="https://api.example.com/v1",
        embedding_api_key="k",
    )
    with pytest.raises(ConfigError, match="HUATI_LLM_REQUESTS"):
        get_embedder(settings).embed(["冬至"])


def test_judge_purpose_runs_at_temperature_zero():
    from assistant.llm import get_chat_model

    settings = _settings(llm_base_url="http://127.0.0.1:9/v1", llm_model="m", llm_temperature=0.9)
    assert get_chat_model(settings, "judge").temperature == 0
    assert get_chat_model(settings, "draft").temperature == 0.9


def test_choice_offline_given_configured_and_broken():
    from assistant.llm import choose_model
    from assistant.llm.fake import FakeChatModel

    plain = _settings()
    assert choose_model(plain, "draft").engine == "offline"
    with pytest.raises(ConfigError):
        choose_model(plain, "draft", mode="llm")
    given = FakeChatModel(model_name="given")
    assert choose_model(plain, "draft", chat_model=given).name == "given"
    assert choose_model(plain, "draft", mode="offline", chat_model=given).model is None
    broken = _settings(llm_base_url="http://127.0.0.1:9/v1")  # no model name
    with pytest.raises(ConfigError, match="HUATI_LLM_MODEL"):
        choose_model(broken, "draft")
    chat = choose_model(broken, "chat", on_config_error="fallback")
    assert chat.model is None and "离线" in (chat.fallback_reason or "")


def test_fake_model_returns_queued_replies_in_turn_and_never_calls_tools():
    from assistant.llm.fake import FakeChatModel

    model = FakeChatModel(responses=["一", "二"])
    assert [model.invoke("x").content for _ in range(3)] == ["一", "二", "一"]
    reply = model.bind_tools([]).invoke("你好")
    assert not getattr(reply, "tool_calls", None) and reply.usage_metadata["output_tokens"] == 1


def _included(text: str) -> set[str]:
    return set(re.findall(r'\{%-?\s*include\s+"([^"]+)"', text))


def test_every_prompt_declares_a_version_and_renders_through_one_renderer():
    from assistant.llm import prompts

    files = sorted((REPO_ROOT / "prompts").glob("*.j2"))
    partials = {name for f in files for name in _included(f.read_text(encoding="utf-8"))}
    templates = [f for f in files if f.name not in partials]
    assert len(templates) >= 8 and partials == {"judge_common.j2"}
    for f in templates:
        assert prompts.version(f.stem), f.name
    python = "\n".join(p.read_text(encoding="utf-8") for p in (REPO_ROOT / "assistant").rglob("*.py"))
    assert python.count("jinja2 import Environment") == 1  # only assistant/llm/prompts.py builds one
