"""API fixtures: fresh HUATI_HOME, a drafting double, an app client with a bearer key."""

from __future__ import annotations

import pytest
from api_doubles import Drafting
from fastapi.testclient import TestClient
from fuzz_counts import COUNTS


@pytest.fixture
def drafting(huati_env, monkeypatch):
    import assistant.drafting

    fake = Drafting()
    monkeypatch.setattr(assistant.drafting, "draft_plan", fake.draft_plan)
    monkeypatch.setattr(assistant.drafting, "adraft_plan", fake.adraft_plan)
    return fake


@pytest.fixture
def allow_loopback(huati_env, monkeypatch):
    """The local receivers of these tests run on 127.0.0.1, which the outbound policy refuses by default: allow
    it the way an operator allows an on-premise receiver."""
    monkeypatch.setenv("HUATI_OUTBOUND_ALLOW", "127.0.0.1")
    monkeypatch.setattr(huati_env, "outbound_allow", "127.0.0.1")
    return huati_env


@pytest.fixture
def store(huati_env):
    from assistant.storage import Store

    return Store(huati_env)


@pytest.fixture
def app(huati_env, drafting):
    from api.main import create_app

    return create_app(huati_env)


@pytest.fixture
def secret(huati_env):
    from assistant.service.keys import create_key

    return create_key("tests", huati_env)[1]


@pytest.fixture
def client(app, secret):
    with TestClient(app) as c:
        c.headers["Authorization"] = f"Bearer {secret}"
        yield c


def pytest_terminal_summary(terminalreporter):
    if COUNTS:
        parts = "，".join(f"{kind} {n}" for kind, n in sorted(COUNTS.items()))
        terminalreporter.write_line(f"schemathesis: {sum(COUNTS.values())} generated cases ran ({parts})")
