"""Batch jobs through the API with the queue's consumer in a thread (HUATI_JOB_PROCESSES=0), and callbacks
verified as a receiver would: with the `standardwebhooks` library (and the deprecated Huati-Signature)."""

from __future__ import annotations

import json
import time
from datetime import datetime
from itertools import pairwise

import pytest
from servers import Recorder
from standardwebhooks import Webhook, WebhookVerificationError

from assistant.service.webhooks import SIGNATURE_HEADER, sign_legacy, standard_secret, verify_legacy

WEEK = [{"product": "亮白牙膏", "date": f"2026-11-{d}", "audience": "宝妈群", "n": 1} for d in range(23, 30)]
SECRET = "whsec-test"  # a release-0.1 style free-form secret


def _wait_job(client, job_id, done=("done", "failed"), timeout=30.0):
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
    monkeypatch.setenv("HUATI_WEBHOOK_BACKOFF", "0.05")
    from fastapi.testclient import TestClient

    from api.main import create_app
    from assistant.service.keys import create_key
    from assistant.settings import get_settings, reset_settings

    reset_settings()
    settings = get_settings()
    app = create_app(settings)
    secret = create_key("jobs", settings)[1]
    with TestClient(app) as c:
        c.headers["Authorization"] = f"Bearer {secret}"
        yield c


def test_batch_week_runs_to_done(client):
    r = client.post("/v1/plans:batch", json={"items": WEEK})
    assert r.status_code == 202, r.text
    job = r.json()
    assert job["status"] in ("queued", "running") and job["total"] == 7
    job = _wait_job(client, job["id"])
    assert job["status"] == "done" and job["completed"] == 7 and job["failed"] == 0 and job["resumes"] == 0
    assert [res["plan"]["date"] for res in job["results"]] == [w["date"] for w in WEEK]
    assert [res["index"] for res in job["results"]] == list(range(7))
    plan_id = job["results"][0]["plan_id"]
    assert client.get(f"/v1/plans/{plan_id}").status_code == 200
    summary = client.get(f"/v1/jobs/{job['id']}", params={"results": "false"}).json()
    assert summary["results"] == [] and summary["completed"] == 7 and summary["status"] == "done"


def test_batch_item_errors_are_kept_per_item(client, drafting):
    drafting.fail_for.add("坏商品")
    items = [WEEK[0], {**WEEK[1], "product": "坏商品"}]
    job = _wait_job(client, client.post("/v1/plans:batch", json={"items": items}).json()["id"])
    assert job["status"] == "done" and job["failed"] == 1
    assert job["results"][1]["status"] == "error" and "坏商品" in job["results"][1]["error"]["detail"]


def test_a_batch_where_every_item_fails_is_failed(client, drafting):
    drafting.fail_for.add("坏商品")
    job = client.post("/v1/plans:batch", json={"items": [{**WEEK[0], "product": "坏商品"}]}).json()
    job = _wait_job(client, job["id"])
    assert job["status"] == "failed" and job["error"] == "所有条目都生成失败，详见 results"


def test_jobs_and_plans_are_readable_by_every_key_of_the_install(client, huati_env):
    """Single tenant (docs/api.md): another key of the same install reads the job and its plans."""
    from assistant.service.keys import create_key

    job_id = client.post("/v1/plans:batch", json={"items": WEEK[:1]}).json()["id"]
    job = _wait_job(client, job_id)
    other = {"Authorization": f"Bearer {create_key('other', huati_env)[1]}"}
    assert client.get(f"/v1/jobs/{job_id}", headers=other).json()["id"] == job_id
    assert client.get(f"/v1/plans/{job['results'][0]['plan_id']}", headers=other).status_code == 200
    assert client.get("/v1/jobs/job_nope").status_code == 404


def test_a_thousand_items_are_accepted(client):
    items = [{**WEEK[i % 7], "audience": "宝妈群"} for i in range(1000)]
    r = client.post("/v1/plans:batch", json={"items": items})
    assert r.status_code == 202 and r.json()["total"] == 1000
    too_many = client.post("/v1/plans:batch", json={"items": [WEEK[0]] * 5001})
    assert too_many.status_code in (413, 422)


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
    assert [a["attempt"] for a in attempts] == [1, 2, 3]
    assert attempts[0]["error"] == "接收方返回 HTTP 503" and attempts[0]["reason"] == "HTTP 503"
    assert attempts[2]["error"] is None
    sent = [req["headers"] for req in receiver.requests]
    assert {h["webhook-id"] for h in sent} == {f"{job['id']}.finished"}  # one id on every retry
    last = receiver.requests[-1]
    # A receiver's verification, with the Standard Webhooks library and the secret Huati publishes for it.
    from assistant.settings import get_settings

    whsec = standard_secret(get_settings())
    assert whsec.startswith("whsec_")
    payload = Webhook(whsec).verify(last["body"], last["headers"])
    assert payload["id"] == job["id"] and payload["status"] == "done" and len(payload["results"]) == 2
    assert payload["event"] == "job.finished"
    with pytest.raises(WebhookVerificationError):
        Webhook(whsec).verify(last["body"] + b" ", last["headers"])
    with pytest.raises(WebhookVerificationError):
        Webhook("whsec_" + "d3Jvbmc=").verify(last["body"], last["headers"])
    # The deprecated headers still verify for receivers of release 0.1.
    assert verify_legacy(last["body"], last["headers"][SIGNATURE_HEADER.lower()], SECRET)
    assert last["headers"]["huati-job"] == job["id"] and last["headers"]["huati-attempt"] == "3"


def test_whsec_secret_is_used_as_is(huati_env, monkeypatch):
    import base64

    from assistant.service.webhooks import headers
    from assistant.settings import Settings

    key = "whsec_" + base64.b64encode(b"k" * 32).decode()
    monkeypatch.setenv("HUATI_WEBHOOK_SECRET", key)
    settings = Settings()
    assert standard_secret(settings) == key
    body = b'{"id":"job_1"}'
    sent = headers(settings, "job_1", body, 1)
    assert Webhook(key).verify(body, sent) == {"id": "job_1"}
    stale = {**sent, "webhook-timestamp": str(int(time.time()) - 600)}
    with pytest.raises(WebhookVerificationError):
        Webhook(key).verify(body, stale)


def test_callback_gives_up_after_max_attempts(signed_client, monkeypatch):
    monkeypatch.setenv("HUATI_WEBHOOK_ATTEMPTS", "3")
    from assistant.settings import Settings

    signed_client.app.state.settings.webhook_attempts = Settings().webhook_attempts
    receiver = Recorder(lambda *_: (500, {}))
    try:
        r = signed_client.post("/v1/plans:batch", json={"items": WEEK[:1], "callback_url": receiver.url})
        job = _wait_job(signed_client, r.json()["id"])
    finally:
        receiver.close()
    assert job["callback"]["state"] == "failed" and len(job["callback"]["attempts"]) == 3
    times = [datetime.fromisoformat(a["at"]) for a in job["callback"]["attempts"]]
    gaps = [(b - a).total_seconds() for a, b in pairwise(times)]
    assert gaps[0] >= 0.05 and gaps[1] >= 0.1  # backoff 0.05 s, then doubled


def test_legacy_signature_scheme():
    ts, header = sign_legacy(b'{"a":1}', "s", timestamp=1_700_000_000)
    assert header.startswith(f"t={ts},v1=")
    assert verify_legacy(b'{"a":1}', header, "s", now=1_700_000_100)
    assert not verify_legacy(b'{"a":1}', header, "s", now=1_700_001_000)  # too old: replay refused
    assert not verify_legacy(b'{"a":1}', "garbage", "s")


def test_batch_items_refuse_unknown_fields(client):
    r = client.post("/v1/plans:batch", json={"items": [WEEK[0], {**WEEK[1], "audiance": "宝妈群"}]})
    assert r.status_code == 422 and r.json()["field"] == "items.1.audiance"
    r = client.post(
        "/v1/plans:batch", json={"items": [{**WEEK[0], "delivery": {"wecom": {"key": "k", "topic": 2}}}]}
    )
    assert r.status_code == 422 and r.json()["field"] == "items.0.delivery.wecom.topic"  # n=1


def _stored_inputs(settings) -> str:
    from sqlalchemy import select

    from assistant.storage.db import get_engine
    from assistant.storage.schema import job_items, jobs

    with get_engine(settings).connect() as conn:
        rows = [r.input for r in conn.execute(select(job_items.c.input))]
        rows += [r.items for r in conn.execute(select(jobs.c["items"]))]
    return json.dumps(rows, ensure_ascii=False)


def test_batch_item_delivery_is_sent_stored_and_its_secret_never_kept(client, huati_env, allow_loopback):
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
    assert first["plan"]["delivery"][0]["event_id"] == f"{job['id']}.0"
    assert sent[0]["text"]["content"] == first["plan"]["topics"][0]["text"]
    assert client.get(f"/v1/plans/{first['plan_id']}").json()["delivery"] == first["plan"]["delivery"]
    assert "robot-secret" not in json.dumps(job, ensure_ascii=False)
    assert job["items"][0]["delivery"]["wecom"]["webhook_url"].endswith("?key=***")
    assert "robot-secret" not in _stored_inputs(huati_env)  # not kept after use


def test_credentials_are_encrypted_at_rest_until_used(huati_env, monkeypatch):
    from assistant.service import ledger, sealed
    from assistant.settings import Settings

    monkeypatch.setenv("HUATI_SECRETS_KEY", "a key from the settings")
    settings = Settings()
    item = {
        **WEEK[0],
        "delivery": {"postiz": {"api_key": "pz-secret", "integration_id": "c1", "provider": "x"}},
    }
    job_id = ledger.create_job("key_test", [item], None, settings)
    stored = _stored_inputs(settings)
    assert "pz-secret" not in stored and sealed.PREFIX in stored
    found = ledger.get_item(job_id, 0, settings)
    assert sealed.unseal(found.input, settings)["delivery"]["postiz"]["api_key"] == "pz-secret"
    monkeypatch.setenv("HUATI_SECRETS_KEY", "another key")
    from assistant.errors import ConfigError

    with pytest.raises(ConfigError, match="HUATI_SECRETS_KEY"):
        sealed.unseal(found.input, Settings())


def test_unreachable_callback_is_recorded_in_chinese(signed_client, monkeypatch):
    from servers import free_port

    signed_client.app.state.settings.webhook_attempts = 1
    r = signed_client.post(
        "/v1/plans:batch", json={"items": WEEK[:1], "callback_url": f"http://127.0.0.1:{free_port()}/h"}
    )
    job = _wait_job(signed_client, r.json()["id"])
    attempt = job["callback"]["attempts"][0]
    assert job["callback"]["state"] == "failed" and attempt["status_code"] is None
    assert attempt["error"].startswith("无法连接") and "ConnectError" in attempt["reason"]
