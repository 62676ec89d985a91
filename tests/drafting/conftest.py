"""Fixtures for drafting tests: a fresh home, the local OpenAI-protocol server."""

from __future__ import annotations

import pytest
from fake_openai import FakeOpenAI


@pytest.fixture(scope="module")
def fake_server():
    with FakeOpenAI(latency=0.0) as server:
        yield server


@pytest.fixture
def llm_env(huati_env, fake_server, monkeypatch):
    """Settings pointing at the local fake endpoint (no retries, short timeout)."""
    from assistant.settings import get_settings, reset_settings

    fake_server.reset()
    fake_server.latency, fake_server.fail_status = 0.0, None
    monkeypatch.setenv("HUATI_LLM_BASE_URL", fake_server.base_url)
    monkeypatch.setenv("HUATI_LLM_MODEL", "fake-huati-1")
    monkeypatch.setenv("HUATI_LLM_MAX_RETRIES", "0")
    monkeypatch.setenv("HUATI_LLM_TIMEOUT", "10")
    reset_settings()
    return get_settings()
