"""The real `huati serve` on 127.0.0.1 with the real offline engine, over HTTP; then killed mid-job."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from servers import create_key_cli, free_port, start_serve

pytestmark = pytest.mark.slow
REPO = Path(__file__).resolve().parents[2]


def start(
    home: Path, port: int, extra_env: dict[str, str] | None = None, args: tuple[str, ...] = ()
) -> subprocess.Popen:
    return start_serve(home, port, extra_env, args)


@pytest.fixture
def home(indexed_home, tmp_path):
    copy = tmp_path / "home"
    shutil.copytree(indexed_home.home, copy)
    (copy / "huati.db").unlink(missing_ok=True)
    for extra in ("huati.db-wal", "huati.db-shm"):
        (copy / extra).unlink(missing_ok=True)
    return copy


def _key(home: Path) -> str:
    return create_key_cli(home, "serve-test")


def test_serve_over_http_and_resume_after_kill(home):
    secret = _key(home)
    port = free_port()
    proc = start(home, port)
    base = f"http://127.0.0.1:{port}"
    auth = {"Authorization": f"Bearer {secret}"}
    try:
        with httpx.Client(base_url=base, headers=auth, timeout=60) as c:
            assert c.get("/readyz").status_code == 200
            assert httpx.get(f"{base}/v1/plans").status_code == 401
            r = c.post(
                "/v1/plans", json={"product": "亮白牙膏", "date": "2026-11-24", "audience": "宝妈群", "n": 3}
            )
            assert r.status_code == 201, r.text
            plan = r.json()
            assert plan["engine"] == "offline" and len(plan["topics"]) == 3
            assert all(t["checks"]["compliance"]["pass"] for t in plan["topics"])
            assert c.get(f"/v1/plans/{plan['id']}").json()["id"] == plan["id"]
            check = c.post("/v1/checks", json={"text": plan["topics"][0]["text"], "product": "亮白牙膏"})
            assert check.status_code == 200 and check.json()["engine"] == "offline"
            items = [{"product": "保温杯", "date": f"2026-12-{d:02d}", "n": 1} for d in range(1, 21)]
            job_id = c.post("/v1/plans:batch", json={"items": items}).json()["id"]
            deadline = time.time() + 120
            while time.time() < deadline:
                job = c.get(f"/v1/jobs/{job_id}").json()
                if job["completed"] >= 1:
                    break
                time.sleep(0.05)
        assert job["status"] == "running" and job["completed"] < 20
        os.kill(proc.pid, signal.SIGKILL)  # the worker dies mid-job
        proc.wait()
        proc = start(home, port)  # a restarted worker picks the job up
        with httpx.Client(base_url=base, headers=auth, timeout=60) as c:
            deadline = time.time() + 240
            while time.time() < deadline:
                job = c.get(f"/v1/jobs/{job_id}").json()
                if job["status"] in ("done", "failed"):
                    break
                time.sleep(0.2)
        assert job["status"] == "done" and job["completed"] == 20 and job["resumes"] == 1, job
        assert [r["plan"]["date"] for r in job["results"]] == [i["date"] for i in items]
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()


def test_idempotent_retry_after_the_server_was_killed_mid_request(home):
    """The audit's repro: an LLM plan under an Idempotency-Key, the server killed -9 while the model answers,
    restarted: the retry takes the dead request's reservation over and makes the plan (no 120 s wait, no 409)."""
    import threading

    sys.path.insert(0, str(REPO / "tests"))
    from fake_openai import FakeOpenAI

    secret = _key(home)
    port = free_port()
    auth = {"Authorization": f"Bearer {secret}", "Idempotency-Key": "crash-1"}
    body = {"product": "亮白牙膏", "date": "2026-11-24", "n": 2, "engine": "llm"}
    with FakeOpenAI(latency=30.0) as fake:
        env = {
            "HUATI_LLM_BASE_URL": fake.base_url,
            "HUATI_LLM_API_KEY": "test",
            "HUATI_LLM_MODEL": "fake-huati-1",
            "HUATI_LLM_MAX_RETRIES": "0",
        }
        proc = start(home, port, env, ("--no-warm-up",))
        base = f"http://127.0.0.1:{port}"
        try:

            def doomed() -> None:
                try:
                    httpx.post(f"{base}/v1/plans", json=body, headers=auth, timeout=60)
                except httpx.HTTPError:
                    pass  # the server dies under it

            threading.Thread(target=doomed, daemon=True).start()
            deadline = time.time() + 60
            while not fake.requests and time.time() < deadline:  # the request is waiting for the model
                time.sleep(0.05)
            assert fake.requests, "the LLM was never called"
            os.kill(proc.pid, signal.SIGKILL)
            proc.wait()
            fake.latency = 0.2
            proc = start(home, port, env, ("--no-warm-up",))
            started = time.perf_counter()
            r = httpx.post(f"{base}/v1/plans", json=body, headers=auth, timeout=60)
            assert r.status_code == 201, r.text
            assert time.perf_counter() - started < 30 and r.json()["engine"] == "llm"
            again = httpx.post(f"{base}/v1/plans", json=body, headers=auth, timeout=60)
            assert again.status_code == 200 and again.json()["id"] == r.json()["id"]
            other = httpx.post(f"{base}/v1/plans", json={**body, "n": 3}, headers=auth, timeout=60)
            assert other.status_code == 409
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
