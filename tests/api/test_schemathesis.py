"""Property-based: requests generated from /openapi.json never get a 5xx, and every error is a problem+json with
a Chinese detail. One run covers every route with a drafting double (a few examples each); a second run sends
more examples to the drafting, checking and search routes with the real offline engine and index."""

from __future__ import annotations

import re
import shutil

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, settings

pytestmark = pytest.mark.slow
CJK = re.compile(r"[\u4e00-\u9fff]")


def _app_schema(indexed_home, tmp_path, monkeypatch):
    from api.main import create_app
    from assistant.service.keys import create_key
    from assistant.settings import Settings, reset_settings
    from assistant.storage.db import dispose_engines

    home = tmp_path / "home"
    shutil.copytree(indexed_home.home, home, ignore=shutil.ignore_patterns("huati.db*"))
    monkeypatch.setenv("HUATI_HOME", str(home))
    reset_settings()
    dispose_engines()
    app_settings = Settings(api_rate_limit=1_000_000)  # a 429 would hide what the request would have done
    app = create_app(app_settings)
    app.state.test_secret = create_key("schemathesis", app_settings)[1]
    return schemathesis.openapi.from_asgi("/openapi.json", app)


@pytest.fixture
def api_schema(indexed_home, tmp_path, monkeypatch, drafting_double):
    return _app_schema(indexed_home, tmp_path, monkeypatch)


@pytest.fixture
def real_schema(indexed_home, tmp_path, monkeypatch):
    return _app_schema(indexed_home, tmp_path, monkeypatch)


@pytest.fixture
def drafting_double(monkeypatch):
    from api_doubles import Drafting

    import assistant.drafting

    fake = Drafting()
    monkeypatch.setattr(assistant.drafting, "adraft_plan", fake.adraft_plan)
    monkeypatch.setattr(assistant.drafting, "draft_plan", fake.draft_plan)
    return fake


def _call_and_check(case) -> None:
    secret = case.operation.schema.app.state.test_secret
    response = case.call(headers={"Authorization": f"Bearer {secret}"})
    where = (case.method, case.path, response.status_code, response.text[:500])
    unconfigured = (
        response.status_code == 503 and response.json().get("title") == "配置错误"
    )  # engine "llm", no model
    assert response.status_code < 500 or unconfigured, where
    if response.status_code >= 400:
        ctype = response.headers.get("content-type") or response.headers.get("Content-Type")
        ctype = ctype[0] if isinstance(ctype, list) else ctype
        assert ctype.startswith("application/problem+json"), (*where, ctype)
        detail = response.json()["detail"]
        assert CJK.search(detail), where  # Chinese for people; technical reasons live in other members


schema = schemathesis.pytest.from_fixture("api_schema")
real = schemathesis.pytest.from_fixture("real_schema").include(path_regex=r"^/v1/(plans|checks|search)$")


@schema.parametrize()
@settings(
    max_examples=12,
    deadline=None,
    phases=[Phase.explicit, Phase.generate],
    suppress_health_check=list(HealthCheck),
)
def test_no_server_errors(case):
    _call_and_check(case)


@real.parametrize()
@settings(
    max_examples=40,
    deadline=None,
    phases=[Phase.explicit, Phase.generate],
    suppress_health_check=list(HealthCheck),
)
def test_no_server_errors_with_the_real_offline_engine(case):
    _call_and_check(case)
