"""Property-based: requests generated from /openapi.json never get a 5xx (bounded: a few examples per route)."""

from __future__ import annotations

import shutil

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, settings

pytestmark = pytest.mark.slow


@pytest.fixture
def api_schema(indexed_home, tmp_path, monkeypatch, drafting_double):
    from api.main import create_app
    from assistant.db import dispose_engines
    from assistant.keys import create_key
    from assistant.settings import Settings, reset_settings

    home = tmp_path / "home"
    shutil.copytree(indexed_home.home, home, ignore=shutil.ignore_patterns("huati.db*"))
    monkeypatch.setenv("HUATI_HOME", str(home))
    reset_settings()
    dispose_engines()
    app_settings = Settings()
    app = create_app(app_settings)
    app.state.test_secret = create_key("schemathesis", app_settings)[1]
    return schemathesis.openapi.from_asgi("/openapi.json", app)


@pytest.fixture
def drafting_double(monkeypatch):
    from api_doubles import Drafting

    import assistant.drafting

    fake = Drafting()
    monkeypatch.setattr(assistant.drafting, "adraft_plan", fake.adraft_plan)
    monkeypatch.setattr(assistant.drafting, "draft_plan", fake.draft_plan)
    return fake


schema = schemathesis.pytest.from_fixture("api_schema")


@schema.parametrize()
@settings(max_examples=12, deadline=None, phases=[Phase.explicit, Phase.generate],
          suppress_health_check=list(HealthCheck))  # fmt: skip
def test_no_server_errors(case):
    secret = case.operation.schema.app.state.test_secret
    response = case.call(headers={"Authorization": f"Bearer {secret}"})
    assert response.status_code < 500, (case.method, case.path, response.status_code, response.text[:500])
    if response.status_code >= 400:
        ctype = response.headers.get("content-type") or response.headers.get("Content-Type")
        ctype = ctype[0] if isinstance(ctype, list) else ctype
        assert ctype.startswith("application/problem+json"), (
            case.method,
            case.path,
            response.status_code,
            ctype,
        )
        assert response.json()["detail"]
