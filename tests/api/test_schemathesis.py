"""Property-based: requests generated from /openapi.json never get a 5xx, and every error is a problem+json with
a Chinese detail. One run covers every route with a drafting double (a few examples each); a second run sends
more examples to the drafting, checking and search routes with the real offline engine and index; a third
follows the schema's links between plans, jobs and checks (stateful: create a plan, then read it, give
feedback, check its topic, list its day; submit a batch, poll its job, read the job's plan), at least
2,000 calls. `tests/api/conftest.py` prints how many generated cases ran."""

from __future__ import annotations

import re
import shutil

import pytest
import schemathesis
from fuzz_counts import COUNTS
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
    # A 429 would hide what the request would have done (also for the failed-key throttle).
    app_settings = Settings(api_rate_limit=1_000_000, auth_failure_limit=10_000)
    app = create_app(app_settings)
    app.state.test_secret = create_key("schemathesis", app_settings)[1]
    return schemathesis.openapi.from_asgi("/openapi.json", app)


@pytest.fixture(autouse=True)
def offline_receivers(monkeypatch):
    """Generated delivery URLs are public names: their DNS lookups fail at once here, as they would offline
    (the policy's connect-time check is what runs; nothing leaves the machine)."""
    import assistant.service.outbound.policy as policy

    def no_dns(host: str, port: int) -> list[str]:
        raise OSError(f"no DNS in tests: {host}")

    monkeypatch.setattr(policy, "policy_for", lambda allow: policy.OutboundPolicy(allow, resolver=no_dns))


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


def _call_and_check(case, kind: str = "stateless") -> None:
    secret = case.operation.schema.app.state.test_secret
    response = case.call(headers={"Authorization": f"Bearer {secret}"})
    _check(case, response, kind)


def _check(case, response, kind: str) -> None:
    COUNTS[kind] += 1
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
    _call_and_check(case, "real engine")


STATEFUL_CALLS = 2000
KEPT_TABLES = {"api_keys", "rate_buckets", "web_sessions"}


class InlineJobs:
    """Stands in for the job host in the stateful run: the queue runs its tasks as they are enqueued (huey's
    immediate mode), so a batch is drafted before its 202 is answered and what `GET /v1/jobs/{id}` shows does not
    depend on worker timing (Hypothesis needs each scenario reproducible)."""

    def __init__(self, settings):
        from assistant.service.queue import get_queue

        self.queue = get_queue(settings)

    def start(self) -> None:
        self.queue.huey.immediate = True

    def stop(self) -> None:
        self.queue.huey.immediate = False


@pytest.fixture
def linked_schema(indexed_home, tmp_path, monkeypatch, drafting_double):
    import api.main

    monkeypatch.setattr(api.main, "JobHost", InlineJobs)
    return _app_schema(indexed_home, tmp_path, monkeypatch).include(path_regex=r"^/v1/(plans|jobs|checks)")


def _fresh_state(settings) -> None:
    """Every scenario starts from an empty install (keys kept): e.g. an Idempotency-Key a scenario reuses
    must not meet a request of an earlier scenario."""
    from assistant.storage.db import get_engine
    from assistant.storage.schema import metadata

    with get_engine(settings).begin() as conn:
        for table in reversed(metadata.sorted_tables):
            if table.name not in KEPT_TABLES:
                conn.execute(table.delete())


def test_no_server_errors_along_the_links_between_plans_jobs_and_checks(linked_schema):
    """Hypothesis drives scenarios along the schema's links (api/links.py) until 2,000 calls were made."""
    app = linked_schema.app
    secret = app.state.test_secret
    links = linked_schema.as_state_machine()
    before = COUNTS["stateful"]
    followed: set[tuple[str, str, int]] = set()

    class Scenarios(links):  # type: ignore[misc, valid-type]
        def setup(self):
            _fresh_state(app.state.settings)

        def get_call_kwargs(self, case):
            return {"headers": {"Authorization": f"Bearer {secret}"}}

        def validate_response(self, response, case, **kwargs):
            _check(case, response, "stateful")
            followed.add((case.method, case.operation.path, response.status_code))

    runs = 0
    while COUNTS["stateful"] - before < STATEFUL_CALLS:
        runs += 1
        Scenarios.run(
            settings=settings(
                max_examples=100,
                stateful_step_count=15,
                deadline=None,
                database=None,
                phases=[Phase.generate],
                suppress_health_check=list(HealthCheck),
            )
        )
        assert runs < 20, "the state machine makes too few calls per run"
    reached = {(method, path) for method, path, status in followed if status < 400}
    for operation in (
        ("POST", "/v1/plans"),
        ("GET", "/v1/plans/{plan_id}"),
        ("POST", "/v1/plans/{plan_id}/feedback"),
        ("POST", "/v1/checks"),
        ("POST", "/v1/plans:batch"),
        ("GET", "/v1/jobs/{job_id}"),
    ):
        assert operation in reached, (operation, sorted(reached))
