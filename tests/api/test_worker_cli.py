"""`huati worker` and the job host: one consumer host per machine on the SQLite queue, HUATI_JOB_PROCESSES=off
leaves the items to workers, and the Standard Webhooks secret for receivers."""

from __future__ import annotations

import base64
import os
import subprocess
import sys
import time

from servers import REPO


def _cli(home, *args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "assistant.cli.main", *args],
        cwd=REPO,
        env={**os.environ, "HUATI_HOME": str(home), **(env or {})},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_a_second_consumer_of_a_sqlite_queue_is_refused(huati_env):
    from assistant.service.embedded import host_lock

    held = host_lock(huati_env)
    assert held is not None
    try:
        out = _cli(huati_env.home, "worker", "--no-warm-up")
    finally:
        held.close()
    assert (
        out.returncode == 5 and "本机已有进程在运行批量任务" in out.stderr and "Traceback" not in out.stderr
    )


def test_with_job_processes_off_the_api_only_enqueues(huati_env, drafting, monkeypatch):
    from fastapi.testclient import TestClient

    from api.main import create_app
    from assistant.service.keys import create_key
    from assistant.service.queue import get_queue
    from assistant.settings import Settings

    monkeypatch.setenv("HUATI_JOB_PROCESSES", "off")
    settings = Settings()
    secret = create_key("off", settings)[1]
    with TestClient(create_app(settings)) as c:
        c.headers["Authorization"] = f"Bearer {secret}"
        job = c.post("/v1/plans:batch", json={"items": [{"product": "亮白牙膏", "n": 1}]}).json()
        time.sleep(1.0)
        assert c.get(f"/v1/jobs/{job['id']}").json()["status"] == "queued"
    assert get_queue(settings).huey.pending_count() == 1  # waiting for a `huati worker`


def test_webhook_secret_for_receivers(tmp_path):
    fresh = _cli(tmp_path / "home", "keys", "webhook-secret")
    new = fresh.stdout.strip().splitlines()[-1]
    assert fresh.returncode == 0 and new.startswith("whsec_") and len(base64.b64decode(new[6:])) == 32
    legacy = _cli(tmp_path / "home", "keys", "webhook-secret", env={"HUATI_WEBHOOK_SECRET": "free-form"})
    assert legacy.stdout.strip() == "whsec_" + base64.b64encode(b"free-form").decode()
