"""API fixtures: fresh HUATI_HOME, drafting/storage doubles, an app client with a bearer key."""

from __future__ import annotations

import sys
import types

import pytest
from api_doubles import Drafting, FakeStore
from fastapi.testclient import TestClient


@pytest.fixture
def drafting(huati_env, monkeypatch):
    FakeStore.plans, FakeStore.feedback = {}, []
    fake = Drafting()
    drafting_mod = types.ModuleType("assistant.drafting")
    drafting_mod.draft_plan = fake.draft_plan
    drafting_mod.adraft_plan = fake.adraft_plan
    storage_mod = types.ModuleType("assistant.storage")
    storage_mod.Store = FakeStore
    monkeypatch.setitem(sys.modules, "assistant.drafting", drafting_mod)
    monkeypatch.setitem(sys.modules, "assistant.storage", storage_mod)
    return fake


@pytest.fixture
def app(huati_env, drafting):
    from api.main import create_app

    return create_app(huati_env)


@pytest.fixture
def secret(huati_env):
    from assistant.keys import create_key

    return create_key("tests", huati_env)[1]


@pytest.fixture
def client(app, secret):
    with TestClient(app) as c:
        c.headers["Authorization"] = f"Bearer {secret}"
        yield c
