"""Scale-out storage: the API on PostgreSQL (throwaway cluster on 127.0.0.1, skipped without the binaries)."""

from __future__ import annotations

import os
import pwd
import shutil
import subprocess
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from servers import free_port

pytestmark = pytest.mark.slow


def _bin(name: str) -> str | None:
    for base in sorted(Path("/usr/lib/postgresql").glob("*/bin"), reverse=True):
        if (base / name).exists():
            return str(base / name)
    return shutil.which(name)


@pytest.fixture
def postgres_url():
    pytest.importorskip("psycopg")
    initdb, pg_ctl = _bin("initdb"), _bin("pg_ctl")
    if not initdb or not pg_ctl:
        pytest.skip("PostgreSQL binaries not installed")
    run_as: list[str] = []
    if os.geteuid() == 0:  # initdb refuses root
        try:
            pwd.getpwnam("postgres")
        except KeyError:
            pytest.skip("running as root without a postgres user")
        run_as = ["runuser", "-u", "postgres", "--"]
    base = Path(tempfile.mkdtemp(prefix="huati-pg-"))  # pytest's tmp dirs are private to root
    base.chmod(0o755)
    data = base / "data"
    data.mkdir()
    if run_as:
        shutil.chown(data, "postgres")
    port = free_port()
    subprocess.run(
        [*run_as, initdb, "-D", str(data), "-U", "huati", "--auth=trust", "-E", "UTF8"],
        check=True,
        capture_output=True,
    )
    subprocess.run(
        [
            *run_as,
            pg_ctl,
            "-D",
            str(data),
            "-w",
            "-l",
            str(data / "log"),
            "-o",
            f"-h 127.0.0.1 -p {port} -k {data}",
            "start",
        ],
        check=True,
        capture_output=True,
    )
    try:
        yield f"postgresql+psycopg://huati@127.0.0.1:{port}/postgres"
    finally:
        subprocess.run([*run_as, pg_ctl, "-D", str(data), "-m", "immediate", "stop"], capture_output=True)
        shutil.rmtree(base, ignore_errors=True)


def test_api_on_postgres(postgres_url, huati_env, drafting, monkeypatch):
    from fastapi.testclient import TestClient

    from api.main import create_app
    from assistant.service import jobs
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
    assert jobs.claim(job["id"], "other:1", settings) is False  # finished jobs cannot be claimed again
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
