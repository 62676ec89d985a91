from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from datetime import datetime
from itertools import pairwise
from pathlib import Path

import pytest
from servers import Recorder

from api.webhooks import SIGNATURE_HEADER, sign, verify
from assistant.service import jobs

WEEK = [{"product": "亮白牙膏", "date": f"2026-11-{d}", "audience": "宝妈群", "n": 1} for d in range(23, 30)]
SECRET = "whsec-test"


def _wait_job(client, job_id, done=("done", "failed"), timeout=20.0):
    deadline = time.time() + timeout
    while time.time() < deadline:
        job = client.get(f"/v1/jobs/{job_id}").json()
        if job["status"] in done and (not job["callback"] or job["callback"]["state"] != "pending"):
            return job
        time.sleep(0.05)
    raise AssertionError(f"job did not finish: {job}")


@pytest.fixture
def signed_client(huati_env, drafting, monkeypatch):
    monkeypatch.setenv("HUATI_WEBHOOK_SECRET", SECRET)
    monkeypatch.setenv("HUATI_OUTBOUND_ALLOW", "127.0.0.1")  # the receivers below listen on loopback
    from fastapi.testclient import TestClient

    from api.main import create_app
    from assistant.service.keys import create_key
    from assistant.settings import Settings

    settings = Settings()
    app = create_app(settings)
    secret = create_key("jobs", settings)[1]
    with TestClient(app) as c:
        app.state.jobs.webhook_backoff = 0.05
        c.headers["Authorization"] = f"Bearer {secret}"
        yield c


def test_batch_week_runs_to_done(client):
    r = client.post("/v1/plans:batch", json={"items": WEEK})
    assert r.status_code == 202, r.text
    job = r.json()
    assert job["status"] in ("queued", "running") and job["total"] == 7
    job = _wait_job(client, job["id"])
    assert job["status"] == "done" and job["completed"] == 7 and job["failed"] == 0
    assert [res["plan"]["date"] for res in job["results"]] == [w["date"] for w in WEEK]
    plan_id = job["results"][0]["plan_id"]
    assert client.get(f"/v1/plans/{plan_id}").status_code == 200


def test_batch_item_errors_are_kept_per_item(client, drafting):
    drafting.fail_for.add("坏商品")
    items = [WEEK[0], {**WEEK[1], "product": "坏商品"}]
    job = _wait_job(client, client.post("/v1/plans:batch", json={"items": items}).json()["id"])
    assert job["status"] == "done" and job["failed"] == 1
    assert job["results"][1]["status"] == "error" and "坏商品" in job["results"][1]["error"]["detail"]


def test_jobs_and_plans_are_readable_by_every_key_of_the_install(client, huati_env):
    """Single tenant (docs/api.md): another key of the same install reads the job and its plans."""
    from assistant.service.keys import create_key

    job_id = client.post("/v1/plans:batch", json={"items": WEEK[:1]}).json()["id"]
    job = _wait_job(client, job_id)
    other = {"Authorization": f"Bearer {create_key('other', huati_env)[1]}"}
    assert client.get(f"/v1/jobs/{job_id}", headers=other).json()["id"] == job_id
    assert client.get(f"/v1/plans/{job['results'][0]['plan_id']}", headers=other).status_code == 200
    assert client.get("/v1/jobs/job_nope").status_code == 404


def test_callback_needs_webhook_secret(client):
    r = client.post("/v1/plans:batch", json={"items": WEEK[:1], "callback_url": "http://127.0.0.1:9/hook"})
    assert r.status_code == 422 and r.json()["field"] == "callback_url"


def test_callback_signed_retried_and_recorded(signed_client):
    calls = []

    def respond(path, headers, body):
        calls.append(1)
        return (503, {"busy": True}) if len(calls) < 3 else (200, {"ok": True})

    receiver = Recorder(respond)
    try:
        r = signed_client.post(
            "/v1/plans:batch", json={"items": WEEK[:2], "callback_url": receiver.url + "/hook"}
        )
        job = _wait_job(signed_client, r.json()["id"])
    finally:
        receiver.close()
    assert job["callback"]["state"] == "delivered"
    attempts = job["callback"]["attempts"]
    assert [a["status_code"] for a in attempts] == [503, 503, 200]
    assert attempts[0]["error"] == "接收方返回 HTTP 503" and attempts[0]["reason"] == "HTTP 503"
    assert attempts[2]["error"] is None
    last = receiver.requests[-1]
    payload = json.loads(last["body"])
    assert payload["id"] == job["id"] and payload["status"] == "done" and len(payload["results"]) == 2
    assert verify(last["body"], last["headers"][SIGNATURE_HEADER.lower()], SECRET)
    assert not verify(last["body"] + b" ", last["headers"][SIGNATURE_HEADER.lower()], SECRET)
    assert not verify(last["body"], last["headers"][SIGNATURE_HEADER.lower()], "wrong-secret")


def test_callback_gives_up_after_max_attempts(signed_client):
    receiver = Recorder(lambda *_: (500, {}))
    try:
        signed_client.app.state.jobs.webhook_attempts = 3
        r = signed_client.post("/v1/plans:batch", json={"items": WEEK[:1], "callback_url": receiver.url})
        job = _wait_job(signed_client, r.json()["id"])
    finally:
        receiver.close()
    assert job["callback"]["state"] == "failed" and len(job["callback"]["attempts"]) == 3
    times = [datetime.fromisoformat(a["at"]) for a in job["callback"]["attempts"]]
    gaps = [(b - a).total_seconds() for a, b in pairwise(times)]
    assert gaps[0] >= 0.05 and gaps[1] >= 0.1  # backoff 0.05 s, then doubled


def test_signature_scheme():
    ts, header = sign(b'{"a":1}', "s", timestamp=1_700_000_000)
    assert header.startswith(f"t={ts},v1=")
    assert verify(b'{"a":1}', header, "s", now=1_700_000_100)
    assert not verify(b'{"a":1}', header, "s", now=1_700_001_000)  # too old: replay refused
    assert not verify(b'{"a":1}', "garbage", "s")


WORKER = """
import sys, time
from assistant.service import jobs
from assistant.settings import get_settings

def draft(item):
    time.sleep(0.3)
    return {"id": "plan-" + item["date"], "topics": []}

owner = jobs.worker_id()
assert jobs.claim(sys.argv[1], owner)
jobs.run_job(sys.argv[1], owner, draft)
"""


def _start_worker(job_id: str, home: Path) -> subprocess.Popen:
    env = {**os.environ, "HUATI_HOME": str(home)}
    return subprocess.Popen([sys.executable, "-c", WORKER, job_id], env=env, cwd=Path(__file__).parents[2])


def _kill_after(proc: subprocess.Popen, job_id: str, settings, items_done: int) -> dict:
    deadline = time.time() + 30
    while time.time() < deadline:
        job = jobs.get_job(job_id, settings)
        if job["completed"] >= items_done:
            break
        assert proc.poll() is None, "worker exited early"
        time.sleep(0.02)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    return jobs.get_job(job_id, settings)


def test_killed_worker_job_resumes_without_redoing_items(huati_env):
    job_id = jobs.create_job("key_test", WEEK, settings=huati_env)
    killed = _kill_after(_start_worker(job_id, huati_env.home), job_id, huati_env, 2)
    assert killed["status"] == "running" and 2 <= killed["completed"] < 7
    assert jobs.recover(huati_env) == {"requeued": [job_id], "failed": []}
    made = []

    def draft(item):
        made.append(item["date"])
        return {"id": "plan-" + item["date"], "topics": []}

    owner = jobs.worker_id()
    assert jobs.claim(job_id, owner, huati_env)
    assert jobs.run_job(job_id, owner, draft, huati_env) == "done"
    job = jobs.get_job(job_id, huati_env)
    assert job["completed"] == 7 and job["resumes"] == 1
    assert len(made) == 7 - killed["completed"]  # finished items were kept, not redone
    assert [r["plan_id"] for r in job["results"]] == [f"plan-{w['date']}" for w in WEEK]


def test_job_interrupted_too_often_is_marked_failed(huati_env):
    job_id = jobs.create_job("key_test", WEEK, settings=huati_env)
    for round_ in range(jobs.MAX_RESUMES + 1):
        killed = _kill_after(_start_worker(job_id, huati_env.home), job_id, huati_env, round_ + 1)
        assert killed["status"] == "running"
        outcome = jobs.recover(huati_env)
        if round_ < jobs.MAX_RESUMES:
            assert outcome["requeued"] == [job_id]
    assert outcome == {"requeued": [], "failed": [job_id]}
    job = jobs.get_job(job_id, huati_env)
    assert job["status"] == "failed" and "中断" in job["error"] and job["completed"] >= jobs.MAX_RESUMES + 1


def test_only_one_worker_claims_a_job(huati_env):
    job_id = jobs.create_job("key_test", WEEK[:1], settings=huati_env)
    assert jobs.claim(job_id, "a:1", huati_env) is True
    assert jobs.claim(job_id, "b:2", huati_env) is False


def test_live_worker_job_is_not_taken_over(huati_env):
    job_id = jobs.create_job("key_test", WEEK[:1], settings=huati_env)
    assert jobs.claim(job_id, jobs.worker_id(), huati_env)
    with jobs.holding(job_id, jobs.worker_id(), huati_env):  # this (live) process is working on it
        assert jobs.recover(huati_env) == {"requeued": [], "failed": []}
    # Not held any more, yet owned by our pid: left behind by an earlier process with the same pid
    # (PID 1 in a restarted container), so it is taken over.
    assert jobs.recover(huati_env) == {"requeued": [job_id], "failed": []}


SLOW_WORKER = """
import sys, time
from assistant.service import jobs
from assistant.service import leases

leases.keeper.every = 0.1
made = []

def draft(item):
    made.append(item["date"])
    print("drafting", item["date"], flush=True)
    time.sleep(float(sys.argv[2]))
    return {"id": "plan-" + item["date"], "topics": []}

owner = jobs.worker_id()
assert jobs.claim(sys.argv[1], owner)
print(jobs.run_job(sys.argv[1], owner, draft), len(made), flush=True)
"""


def test_slow_item_keeps_its_job_even_seen_from_another_host(huati_env, monkeypatch):
    """One item longer than the staleness limit: the heartbeat goes on during the item, so no other worker
    (here: this test, pretending to be on another host) requeues the job; after a kill it is requeued."""
    from assistant.service import leases

    monkeypatch.setattr(jobs, "STALE_AFTER", __import__("datetime").timedelta(seconds=0.8))
    job_id = jobs.create_job("key_test", WEEK[:1], settings=huati_env)
    env = {**os.environ, "HUATI_HOME": str(huati_env.home)}
    proc = subprocess.Popen(
        [sys.executable, "-c", SLOW_WORKER, job_id, "3"],
        env=env,
        cwd=Path(__file__).parents[2],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout.readline().startswith("drafting")
        monkeypatch.setattr(leases, "HOST", "another-host")  # the worker now looks remote: heartbeat only
        deadline = time.time() + 2.5  # well past STALE_AFTER while the single item is still running
        while time.time() < deadline:
            assert jobs.recover(huati_env) == {"requeued": [], "failed": []}
            time.sleep(0.1)
        out, _ = proc.communicate(timeout=30)
    finally:
        proc.kill()
    assert out.split() == ["done", "1"]  # drafted once, finished by its own worker
    job = jobs.get_job(job_id, huati_env)
    assert (
        job["status"] == "done" and job["resumes"] == 0 and job["results"][0]["plan_id"] == "plan-2026-11-23"
    )

    job_id = jobs.create_job("key_test", WEEK[:1], settings=huati_env)
    proc = subprocess.Popen(
        [sys.executable, "-c", SLOW_WORKER, job_id, "30"],
        env=env,
        cwd=Path(__file__).parents[2],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout.readline().startswith("drafting")
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    time.sleep(1.0)  # no heartbeat any more: stale seen from another host
    assert jobs.recover(huati_env) == {"requeued": [job_id], "failed": []}


def test_taken_over_worker_stops_without_overwriting(huati_env):
    job_id = jobs.create_job("key_test", WEEK[:2], settings=huati_env)
    assert jobs.claim(job_id, "old:1", huati_env)
    calls = []

    def draft(item):  # while the first item runs, another worker takes the job
        calls.append(item["date"])
        from sqlalchemy import update

        from assistant.storage.db import get_engine

        with get_engine(huati_env).begin() as conn:
            conn.execute(update(jobs.jobs).where(jobs.jobs.c.id == job_id).values(owner="new:2"))
        return {"id": "p", "topics": []}

    assert jobs.run_job(job_id, "old:1", draft, huati_env) == "lost"
    job = jobs.get_job(job_id, huati_env)
    assert calls == ["2026-11-23"] and job["completed"] == 0 and job["status"] == "running"


def test_callback_of_job_finished_by_a_dead_worker_is_still_sent(signed_client, huati_env):
    from sqlalchemy import insert

    from assistant.storage.db import get_engine

    received = []
    receiver = Recorder(lambda path, headers, body: (received.append(body), (200, {}))[1])
    try:
        settings = signed_client.app.state.settings
        job_id = "job_deadworker01"
        dead = subprocess.Popen([sys.executable, "-c", "pass"])
        dead.wait()
        now = datetime.now(jobs.UTC)
        with get_engine(settings).begin() as conn:  # finished, callback never sent, owner process gone
            conn.execute(
                insert(jobs.jobs).values(
                    id=job_id,
                    key_id="key_test",
                    status="done",
                    items=WEEK[:1],
                    callback_url=receiver.url,
                    callback_state="pending",
                    owner=f"{jobs.worker_id().rpartition(':')[0]}:{dead.pid}",
                    heartbeat_at=now,
                    results={"0": {"index": 0, "status": "ok", "plan_id": "p1", "plan": {}}},
                    resumes=0,
                    created_at=now,
                    updated_at=now,
                )
            )
        signed_client.app.state.jobs.wake()
        deadline = time.time() + 20
        while time.time() < deadline and jobs.get_job(job_id, settings)["callback"]["state"] == "pending":
            time.sleep(0.05)
        job = jobs.get_job(job_id, settings)
    finally:
        receiver.close()
    assert job["callback"]["state"] == "delivered" and len(job["callback"]["attempts"]) == 1
    assert len(received) == 1 and json.loads(received[0])["id"] == job_id


def test_batch_items_refuse_unknown_fields(client):
    r = client.post("/v1/plans:batch", json={"items": [WEEK[0], {**WEEK[1], "audiance": "宝妈群"}]})
    assert r.status_code == 422 and r.json()["field"] == "items.1.audiance"
    r = client.post(
        "/v1/plans:batch", json={"items": [{**WEEK[0], "delivery": {"wecom": {"key": "k", "topic": 2}}}]}
    )
    assert r.status_code == 422 and r.json()["field"] == "items.0.delivery.wecom.topic"  # n=1


def test_batch_item_delivery_is_sent_stored_and_its_secret_never_shown(client, allow_loopback):
    sent = []
    robot = Recorder(
        lambda path, headers, body: (sent.append(json.loads(body)), (200, {"errcode": 0, "errmsg": "ok"}))[1]
    )
    try:
        delivery = {"wecom": {"webhook_url": f"{robot.url}/cgi-bin/webhook/send?key=robot-secret"}}
        r = client.post("/v1/plans:batch", json={"items": [{**WEEK[0], "delivery": delivery}, WEEK[1]]})
        assert r.status_code == 202, r.text
        job = _wait_job(client, r.json()["id"])
    finally:
        robot.close()
    assert job["status"] == "done" and len(sent) == 1
    first, second = job["results"]
    assert first["plan"]["delivery"][0]["ok"] is True and "delivery" not in second["plan"]
    assert sent[0]["text"]["content"] == first["plan"]["topics"][0]["text"]
    assert client.get(f"/v1/plans/{first['plan_id']}").json()["delivery"] == first["plan"]["delivery"]
    assert "robot-secret" not in json.dumps(job, ensure_ascii=False)
    assert job["items"][0]["delivery"]["wecom"]["webhook_url"].endswith("?key=***")


def test_unreachable_callback_is_recorded_in_chinese(signed_client):
    from servers import free_port

    signed_client.app.state.jobs.webhook_attempts = 1
    r = signed_client.post(
        "/v1/plans:batch", json={"items": WEEK[:1], "callback_url": f"http://127.0.0.1:{free_port()}/h"}
    )
    job = _wait_job(signed_client, r.json()["id"])
    attempt = job["callback"]["attempts"][0]
    assert job["callback"]["state"] == "failed" and attempt["status_code"] is None
    assert attempt["error"].startswith("无法连接") and "ConnectError" in attempt["reason"]
