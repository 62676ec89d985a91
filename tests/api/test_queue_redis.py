"""The queue on Redis (HUATI_QUEUE_URL): a throwaway redis-server on 127.0.0.1, started by the test."""

from __future__ import annotations

import shutil
import socket
import subprocess
import time

import pytest
from servers import free_port

pytestmark = pytest.mark.slow


@pytest.fixture
def redis_url(tmp_path):
    pytest.importorskip("redis")
    exe = shutil.which("redis-server")
    if exe is None:
        pytest.skip("redis-server not installed")
    port = free_port()
    proc = subprocess.Popen(
        [
            exe,
            "--port",
            str(port),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
            "--dir",
            str(tmp_path),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
                break
            except OSError:
                time.sleep(0.1)
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def test_a_batch_runs_through_redis(redis_url, huati_env, drafting, monkeypatch):
    from fastapi.testclient import TestClient

    from api.main import create_app
    from assistant.service.keys import create_key
    from assistant.service.queue import get_queue
    from assistant.settings import Settings

    monkeypatch.setenv("HUATI_QUEUE_URL", redis_url)
    settings = Settings()
    assert type(get_queue(settings).huey).__name__ == "RedisHuey"
    secret = create_key("redis", settings)[1]
    items = [{"product": "亮白牙膏", "date": f"2026-11-{d}", "n": 1} for d in range(23, 26)]
    with TestClient(create_app(settings)) as c:
        c.headers["Authorization"] = f"Bearer {secret}"
        job = c.post("/v1/plans:batch", json={"items": items}).json()
        deadline = time.time() + 30
        while job["status"] not in ("done", "failed") and time.time() < deadline:
            time.sleep(0.05)
            job = c.get(f"/v1/jobs/{job['id']}").json()
    assert job["status"] == "done" and job["completed"] == 3


def test_queue_url_must_be_redis(huati_env, monkeypatch):
    from assistant.errors import ConfigError
    from assistant.service.queue import make_huey
    from assistant.settings import Settings

    monkeypatch.setenv("HUATI_QUEUE_URL", "amqp://127.0.0.1/")
    with pytest.raises(ConfigError, match="HUATI_QUEUE_URL"):
        make_huey(Settings())
