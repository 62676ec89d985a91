"""Hostile input, outbound side: a key holder must not make the server reach (or read back) internal services
through `delivery.postiz.base_url`, `delivery.wecom.webhook_url` or `callback_url`."""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from servers import Recorder

BODY = {"product": "亮白牙膏", "date": "2026-11-24", "n": 2}
SETTING = "HUATI_OUTBOUND_ALLOW"
INTERNAL = [
    "http://127.0.0.1:{port}/x",
    "http://127.1:{port}/x",
    "http://2130706433:{port}/x",  # decimal
    "http://0x7f.1:{port}/x",  # hex
    "http://0177.0.0.1:{port}/x",  # octal
    "http://[::1]:{port}/x",
    "http://[::ffff:127.0.0.1]:{port}/x",  # IPv4-mapped
    "http://0.0.0.0:{port}/x",
    "http://169.254.169.254/latest/meta-data/",  # cloud metadata
    "http://10.0.0.8/x",
    "http://172.16.5.4/x",
    "http://192.168.1.1/x",
    "http://100.64.0.1/x",  # carrier-grade NAT
    "http://[fd00::1]/x",
    "http://[fe80::1]/x",
    "http://224.0.0.1/x",  # multicast
]


@pytest.fixture
def receiver():
    server = Recorder(lambda path, headers, body: (200, {"errcode": 0, "errmsg": "ok", "secret": "internal"}))
    yield server
    server.close()


def _wecom(url: str) -> dict:
    return {"delivery": {"wecom": {"webhook_url": url}}}


def _postiz(url: str) -> dict:
    return {"delivery": {"postiz": {"api_key": "k", "integration_id": "i", "provider": "x", "base_url": url}}}


@pytest.mark.parametrize("template", INTERNAL)
@pytest.mark.parametrize(("make", "field"), [(_wecom, "webhook_url"), (_postiz, "base_url")])
def test_internal_delivery_targets_are_refused_at_request_time(
    client, receiver, drafting, template, make, field
):
    url = template.format(port=receiver.url.rsplit(":", 1)[1])
    r = client.post("/v1/plans", json={**BODY, **make(url)})
    assert r.status_code == 422, r.text
    problem = r.json()
    assert problem["field"].endswith(field) and SETTING in problem["detail"]
    assert r.headers["content-type"].startswith("application/problem+json")
    assert receiver.requests == [] and drafting.calls == 0  # refused before anything was drafted or sent


@pytest.mark.parametrize("url", ["ftp://example.com/x", "file:///etc/passwd", "gopher://127.0.0.1:70/x"])
def test_other_schemes_are_refused(client, url):
    r = client.post("/v1/plans", json={**BODY, **_wecom(url)})
    assert r.status_code == 422 and r.json()["field"].startswith("delivery.wecom")


def test_internal_callback_is_refused_at_request_time(client, receiver, monkeypatch, huati_env):
    from pydantic import SecretStr

    monkeypatch.setattr(huati_env, "webhook_secret", SecretStr("s"))
    for url in (receiver.url + "/hook", "http://169.254.169.254/", "http://[::1]:9/"):
        r = client.post("/v1/plans:batch", json={"items": [BODY], "callback_url": url})
        assert r.status_code == 422 and r.json()["field"] == "callback_url" and SETTING in r.json()["detail"]
    r = client.post(
        "/v1/plans:batch", json={"items": [{**BODY, **_wecom("http://10.1.2.3/h")}], "callback_url": None}
    )
    assert r.status_code == 422 and r.json()["field"] == "items.0.delivery.wecom.webhook_url"
    assert receiver.requests == []


def test_a_name_that_resolves_to_loopback_is_refused_at_connect_time(client, receiver):
    """`localhost` passes the URL check (it is a name) and is refused after DNS, before any byte is sent; the
    stored result says why and names the setting."""
    url = receiver.url.replace("127.0.0.1", "localhost") + "/cgi-bin/webhook/send?key=k"
    r = client.post("/v1/plans", json={**BODY, **_wecom(url)})
    assert r.status_code == 201
    result = r.json()["delivery"][0]
    assert result["ok"] is False and SETTING in result["error"] and "回环" in result["error"]
    assert receiver.requests == []
    again = client.get(f"/v1/plans/{r.json()['id']}").json()["delivery"][0]
    assert again["error"] == result["error"]


def test_allow_listed_receiver_gets_the_message_and_only_an_excerpt_is_kept(client, allow_loopback):
    secret = "sk-" + "a1" * 20
    page = "<html><script>steal()</script><body>" + "内部数据 " * 500 + f"token={secret}</body></html>"
    robot = Recorder(lambda path, headers, body: (200, {"errcode": 0, "errmsg": page, "api_key": secret}))
    try:
        r = client.post("/v1/plans", json={**BODY, **_wecom(robot.url + "/send?key=k")})
    finally:
        robot.close()
    assert r.status_code == 201 and len(robot.requests) == 1
    for result in (r.json()["delivery"][0], client.get(f"/v1/plans/{r.json()['id']}").json()["delivery"][0]):
        assert result["ok"] is True and result["status_code"] == 200
        assert isinstance(result["response"], str) and len(result["response"]) <= 200
        assert secret not in json.dumps(result) and "<script" not in json.dumps(result)


def test_failed_receiver_errmsg_is_sanitised(client, allow_loopback):
    robot = Recorder(
        lambda path, headers, body: (200, {"errcode": 93000, "errmsg": "bad key=abcdef123456 <b>x</b>" * 40})
    )
    try:
        r = client.post("/v1/plans", json={**BODY, **_wecom(robot.url + "/send?key=k")})
    finally:
        robot.close()
    result = r.json()["delivery"][0]
    assert result["ok"] is False and "93000" in result["error"]
    assert (
        len(result["reason"]) <= 200
        and "abcdef123456" not in result["reason"]
        and "<b>" not in result["reason"]
    )


def test_redirects_are_reported_not_followed(client, allow_loopback):
    inner = Recorder(lambda *_: (200, {"errcode": 0}))
    hops: list[str] = []

    class Redirecting(BaseHTTPRequestHandler):
        def do_POST(self):
            hops.append(self.path)
            self.send_response(307)
            self.send_header("Location", inner.url + "/internal")
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Redirecting)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}/send?key=k"
        r = client.post("/v1/plans", json={**BODY, **_wecom(url)})
    finally:
        server.shutdown()
        server.server_close()
        inner.close()
    result = r.json()["delivery"][0]
    assert result["ok"] is False and result["status_code"] == 307 and "未跟随" in result["response"]
    assert len(hops) == 1 and inner.requests == []


def test_stored_results_of_older_versions_are_cut_down_when_read(client, huati_env):
    from assistant.service.delivery import records

    whole = {"errcode": 0, "errmsg": "ok", "debug": "x" * 5000, "token": "tok_" + "z9" * 20}
    records.record("plan_old", [{"target": "wecom", "ok": True, "response": whole}], huati_env)
    shown = records.for_plans(["plan_old"], huati_env)["plan_old"][0]
    assert (
        isinstance(shown["response"], str)
        and len(shown["response"]) <= 200
        and "z9z9" not in shown["response"]
    )


def test_callbacks_to_internal_addresses_are_refused_at_connect_time(huati_env, drafting, monkeypatch):
    """A job stored before this version (or a name that resolves inward) still cannot reach loopback: every
    attempt is recorded with the policy's Chinese reason, nothing is received."""
    from pydantic import SecretStr

    from assistant.service import batch, ledger, webhooks
    from assistant.service.jobview import get_job

    monkeypatch.setattr(huati_env, "webhook_secret", SecretStr("s"))
    monkeypatch.setattr(huati_env, "webhook_attempts", 2)
    receiver = Recorder(lambda *_: (200, {}))
    finished: list[str] = []
    try:
        job_id = ledger.create_job("key_x", [BODY], receiver.url.replace("127.0.0.1", "localhost"), huati_env)
        batch.run_item(job_id, 0, huati_env, finished.append)
        started = time.monotonic()
        outcomes = [webhooks.attempt(job_id, huati_env) for _ in range(3)]
    finally:
        receiver.close()
    assert finished == [job_id] and outcomes == ["retry", "failed", "skip"]
    assert receiver.requests == [] and time.monotonic() - started < 10
    callback = get_job(job_id, huati_env)["callback"]
    assert callback["state"] == "failed" and len(callback["attempts"]) == 2
    assert all(SETTING in a["error"] for a in callback["attempts"])


def test_a_bad_allowlist_is_a_config_error_naming_the_setting(huati_env, monkeypatch):
    from api.main import create_app
    from assistant.errors import ConfigError

    monkeypatch.setattr(huati_env, "outbound_allow", "http://intranet.example")
    with pytest.raises(ConfigError, match=SETTING):
        create_app(huati_env)
