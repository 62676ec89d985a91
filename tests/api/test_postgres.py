"""Scale-out storage: the API on PostgreSQL (throwaway cluster on 127.0.0.1, skipped without the binaries)."""

from __future__ import annotations

import shutil
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
from servers import free_port

pytestmark = pytest.mark.slow


@pytest.fixture
def postgres_url(pg_upgraded):
    """A fresh database on the session's throwaway cluster, upgraded as `huati db upgrade` does."""
    return pg_upgraded


def test_api_on_postgres(postgres_url, huati_env, drafting, monkeypatch):
    from fastapi.testclient import TestClient

    from api.main import create_app
    from assistant.service.keys import create_key
    from assistant.settings import Settings, reset_settings
    from assistant.storage import Store
    from assistant.storage.db import dispose_engines

    monkeypatch.setenv("HUATI_DATABASE_URL", postgres_url)
    reset_settings()
    dispose_engines()
    settings = Settings()
    assert settings.db_url.startswith("postgresql")
    secret = create_key("pg", settings)[1]
    drafting.delay = 0.3
    with TestClient(create_app(settings)) as c:
        c.headers["Authorization"] = f"Bearer {secret}"
        body = {"product": "保温杯", "date": "2026-12-01", "n": 2}
        barrier = threading.Barrier(8)

        def post(_):
            barrier.wait()
            return c.post("/v1/plans", json=body, headers={"Idempotency-Key": "pg-race"})

        with ThreadPoolExecutor(8) as pool:
            responses = list(pool.map(post, range(8)))
        assert sorted(r.status_code for r in responses) == [200] * 7 + [201]
        assert len({r.json()["id"] for r in responses}) == 1
        plans, total = Store(settings).list_plans()
        assert total == 1 and drafting.calls == 1
        listed = c.get("/v1/plans", params={"product": "保温杯"}).json()
        assert listed["total"] == 1
        job = c.post("/v1/plans:batch", json={"items": [body, {**body, "date": "2026-12-02"}]}).json()
        deadline = time.time() + 30
        while job["status"] not in ("done", "failed") and time.time() < deadline:
            time.sleep(0.05)
            job = c.get(f"/v1/jobs/{job['id']}").json()
        assert job["status"] == "done" and job["completed"] == 2
    dispose_engines()
    reset_settings()


def test_two_servers_on_one_postgres_share_idempotency_and_the_rate_limit(
    postgres_url, indexed_home, tmp_path
):
    """Two real `huati serve` processes on one PostgreSQL: concurrent identical requests spread over both make
    exactly one plan, and a key's rate limit holds across both (not 2×)."""
    import sys

    import httpx
    from servers import REPO, create_key_cli, start_serve, stop_serve

    sys.path.insert(0, str(REPO / "tests"))
    from fake_openai import FakeOpenAI

    home = tmp_path / "home"
    shutil.copytree(indexed_home.home, home, ignore=shutil.ignore_patterns("huati.db*"))
    limit = 12
    with FakeOpenAI(latency=0.5) as fake:  # each plan takes ≥ 0.5 s: the identical requests overlap
        env = {
            "HUATI_DATABASE_URL": postgres_url,
            "HUATI_API_RATE_LIMIT": str(limit),
            "HUATI_LLM_BASE_URL": fake.base_url,
            "HUATI_LLM_API_KEY": "test",
            "HUATI_LLM_MODEL": "fake-huati-1",
            "HUATI_LLM_MAX_RETRIES": "0",
        }
        racer, counted = create_key_cli(home, "racer", env), create_key_cli(home, "counted", env)
        ports = [free_port(), free_port()]
        servers = [start_serve(home, port, env, ("--no-warm-up",)) for port in ports]
        try:
            body = {"product": "保温杯", "date": "2026-12-01", "n": 2, "engine": "llm"}
            barrier = threading.Barrier(8)

            def post(i: int) -> httpx.Response:
                headers = {"Authorization": f"Bearer {racer}", "Idempotency-Key": "two-servers"}
                barrier.wait()
                return httpx.post(
                    f"http://127.0.0.1:{ports[i % 2]}/v1/plans", json=body, headers=headers, timeout=120
                )

            with ThreadPoolExecutor(8) as pool:
                responses = list(pool.map(post, range(8)))
            assert sorted(r.status_code for r in responses) == [200] * 7 + [201], [
                r.text[:200] for r in responses
            ]
            assert len({r.json()["id"] for r in responses}) == 1
            auth = {"Authorization": f"Bearer {racer}"}
            for port in ports:  # both servers see the one plan
                listed = httpx.get(
                    f"http://127.0.0.1:{port}/v1/plans", params={"product": "保温杯"}, headers=auth
                )
                assert listed.json()["total"] == 1
            codes = [
                httpx.get(
                    f"http://127.0.0.1:{ports[i % 2]}/v1/plans",
                    headers={"Authorization": f"Bearer {counted}"},
                    params={"limit": 1},
                ).status_code
                for i in range(2 * limit)
            ]
            allowed = codes.count(200)
            assert limit <= allowed <= limit + 2 and codes.count(429) == 2 * limit - allowed, (
                codes
            )  # + refill
        finally:
            for proc in servers:
                stop_serve(proc)
