"""kill -9 in the middle of a batch, with real processes and real deliveries to local receivers: no item is lost,
every item keeps one plan (no orphans), and each item reaches each receiver once — twice at most for an item
whose delivery was in flight at the kill, then with the same event id (docs/api.md, 崩溃之后)."""

from __future__ import annotations

import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import httpx
import pytest
from servers import REPO, Recorder, create_key_cli, free_port, start_serve, stop_serve

pytestmark = pytest.mark.slow
N = 40


@pytest.fixture
def home(indexed_home, tmp_path):
    copy = tmp_path / "home"
    shutil.copytree(indexed_home.home, copy, ignore=shutil.ignore_patterns("huati.db*", "queue.db*"))
    return copy


@pytest.fixture
def receivers():
    postiz = Recorder(lambda path, headers, body: (200, {"id": "post"}))
    robot = Recorder(lambda path, headers, body: (200, {"errcode": 0, "errmsg": "ok"}))
    yield postiz, robot
    postiz.close()
    robot.close()


def _items(postiz: Recorder, robot: Recorder) -> list[dict]:
    products = ["亮白牙膏", "保温杯", "空气炸锅", "电热毯"]
    return [
        {
            "product": products[i % 4],
            "date": f"2026-12-{1 + i % 28:02d}",
            "n": 1,
            "delivery": {
                "postiz": {
                    "api_key": f"pz-{i}",
                    "integration_id": "c1",
                    "provider": "x",
                    "base_url": f"{postiz.url}/p{i}",
                },
                "wecom": {"webhook_url": f"{robot.url}/r{i}/send?key=robot-{i}"},
            },
        }
        for i in range(N)
    ]


def _wait(base: str, auth: dict, job_id: str, until, timeout: float = 240.0) -> dict:
    deadline = time.time() + timeout
    while time.time() < deadline:
        job = httpx.get(
            f"{base}/v1/jobs/{job_id}", headers=auth, params={"results": "false"}, timeout=30
        ).json()
        if until(job):
            return job
        time.sleep(0.1)
    raise AssertionError(f"job stuck: {job['status']}, {job.get('completed')} done")


def _audit(job: dict, postiz: Recorder, robot: Recorder, plan_count: int, killed_processes: int) -> None:
    assert job["status"] == "done" and job["completed"] == N and job["failed"] == 0, job
    plan_ids = [r["plan_id"] for r in job["results"]]
    assert len(set(plan_ids)) == N and plan_count == N  # one plan per item, none orphaned
    for result in job["results"]:
        assert [d["event_id"] for d in result["plan"]["delivery"]] == [f"{job['id']}.{result['index']}"] * 2
        assert all(d["ok"] for d in result["plan"]["delivery"])
    to_postiz = Counter(r["path"].split("/")[1] for r in postiz.requests)
    to_robot = Counter(r["path"].split("/")[1] for r in robot.requests)
    assert set(to_postiz) == {f"p{i}" for i in range(N)} and set(to_robot) == {f"r{i}" for i in range(N)}
    twice = [k for k, n in to_postiz.items() if n > 1] + [k for k, n in to_robot.items() if n > 1]
    assert max([*to_postiz.values(), *to_robot.values()]) <= 2 and len(twice) <= 2 * killed_processes, twice
    for key in (k for k, n in to_postiz.items() if n > 1):  # a resend carries the same idempotency key
        keys = {r["headers"]["idempotency-key"] for r in postiz.requests if r["path"].split("/")[1] == key}
        assert keys == {f"{job['id']}.{key[1:]}"}


def test_serve_killed_mid_batch_on_sqlite(home, receivers):
    """The default: `huati serve` with its own worker processes on the SQLite queue, killed -9 (its worker
    processes die with it), restarted: the batch resumes at once."""
    postiz, robot = receivers
    env = {"HUATI_JOB_PROCESSES": "2", "HUATI_OUTBOUND_ALLOW": "127.0.0.1", "HUATI_API_RATE_LIMIT": "100000"}
    auth = {"Authorization": f"Bearer {create_key_cli(home, 'crash', env)}"}
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    proc = start_serve(home, port, env)
    try:
        job_id = httpx.post(
            f"{base}/v1/plans:batch", json={"items": _items(postiz, robot)}, headers=auth
        ).json()["id"]
        job = _wait(base, auth, job_id, lambda j: j["completed"] >= 8)
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
        time.sleep(0.5)
        assert job["completed"] < N, "finished before the kill: nothing was tested"
        proc = start_serve(home, port, env)
        job = _wait(base, auth, job_id, lambda j: j["status"] in ("done", "failed"))
        job = httpx.get(f"{base}/v1/jobs/{job_id}", headers=auth, timeout=30).json()
    finally:
        stop_serve(proc)
    with sqlite3.connect(home / "huati.db") as db:
        plan_count = db.execute("SELECT count(*) FROM plans").fetchone()[0]
    _audit(job, postiz, robot, plan_count, killed_processes=2)
    assert job["resumes"] == 1


def _worker(home: Path, env: dict[str, str]) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "assistant.cli.main", "worker", "--no-warm-up"],
        cwd=REPO,
        env={**os.environ, "HUATI_HOME": str(home), **env},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def test_worker_killed_mid_batch_on_postgres(home, receivers, pg_upgraded):
    """Scale-out: the API enqueues only, two `huati worker`s consume; one is killed -9 and restarted (as systemd
    would): the item it held comes back after the stall time."""
    postiz, robot = receivers
    env = {
        "HUATI_DATABASE_URL": pg_upgraded,
        "HUATI_JOB_PROCESSES": "off",
        "HUATI_JOB_STALL_SECONDS": "3",
        "HUATI_OUTBOUND_ALLOW": "127.0.0.1",
        "HUATI_API_RATE_LIMIT": "100000",
    }
    auth = {"Authorization": f"Bearer {create_key_cli(home, 'crash', env)}"}
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    server = start_serve(home, port, env, ("--no-warm-up",))
    workers = [_worker(home, env), _worker(home, env)]
    try:
        job_id = httpx.post(
            f"{base}/v1/plans:batch", json={"items": _items(postiz, robot)}, headers=auth
        ).json()["id"]
        job = _wait(base, auth, job_id, lambda j: j["completed"] >= 8)
        os.kill(workers[0].pid, signal.SIGKILL)
        workers[0].wait()
        assert job["completed"] < N, "finished before the kill: nothing was tested"
        workers[0] = _worker(home, env)
        job = _wait(base, auth, job_id, lambda j: j["status"] in ("done", "failed"))
        job = httpx.get(f"{base}/v1/jobs/{job_id}", headers=auth, timeout=30).json()
    finally:
        for worker in workers:
            worker.terminate()
        for worker in workers:
            try:
                worker.wait(timeout=20)
            except subprocess.TimeoutExpired:
                worker.kill()
        stop_serve(server)
    from sqlalchemy import create_engine, text

    engine = create_engine(pg_upgraded)
    with engine.connect() as conn:
        plan_count = conn.execute(text("SELECT count(*) FROM plans")).scalar_one()
    engine.dispose()
    _audit(job, postiz, robot, plan_count, killed_processes=1)
