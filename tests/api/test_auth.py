from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient

BODY = {"product": "保温杯", "n": 1}


def test_no_key_is_401_with_challenge(app):
    with TestClient(app) as c:
        r = c.post("/v1/plans", json=BODY)
    assert r.status_code == 401
    assert r.headers["www-authenticate"].startswith("Bearer")
    assert r.headers["content-type"].startswith("application/problem+json")
    assert "huati keys create" in r.json()["detail"]


def test_wrong_key_is_401(app):
    with TestClient(app) as c:
        assert c.get("/v1/plans", headers={"Authorization": "Bearer hk_not-a-key"}).status_code == 401


def test_revoked_key_is_403(client, huati_env):
    from assistant.service.keys import revoke_key

    assert client.get("/v1/plans").status_code == 200
    revoke_key("tests", huati_env)
    r = client.get("/v1/plans")
    assert r.status_code == 403 and "吊销" in r.json()["detail"]


def test_keys_are_stored_hashed(huati_env):
    from sqlalchemy import select

    from assistant.service.keys import api_keys, create_key, find_key
    from assistant.storage.db import get_engine

    record, secret = create_key("hash-check", huati_env)
    with get_engine(huati_env).connect() as conn:
        rows = [tuple(r) for r in conn.execute(select(api_keys))]
    assert not any(secret in str(v) for row in rows for v in row)
    assert find_key(secret, huati_env).id == record.id


def test_rate_limit_429_with_retry_after(huati_env, drafting, monkeypatch):
    monkeypatch.setenv("HUATI_API_RATE_LIMIT", "3")
    from api.main import create_app
    from assistant.service.keys import create_key
    from assistant.settings import Settings

    settings = Settings()
    app = create_app(settings)
    a, b = create_key("a", settings)[1], create_key("b", settings)[1]
    with TestClient(app) as c:
        codes = [c.get("/v1/plans", headers={"Authorization": f"Bearer {a}"}).status_code for _ in range(4)]
        limited = c.get("/v1/plans", headers={"Authorization": f"Bearer {a}"})
        other = c.get("/v1/plans", headers={"Authorization": f"Bearer {b}"})
    assert codes == [200, 200, 200, 429]
    assert limited.status_code == 429 and int(limited.headers["retry-after"]) >= 1
    assert limited.json()["status"] == 429
    assert other.status_code == 200  # per key


def test_rate_limiter_refills(huati_env):
    from api.ratelimit import RateLimiter

    now = [1000.0]
    limiter = RateLimiter(60, huati_env, clock=lambda: now[0])  # one token per second
    assert all(limiter.hit("k") == 0 for _ in range(60))
    wait = limiter.hit("k")
    assert 0.9 < wait <= 1.0
    now[0] += 1.0
    assert limiter.hit("k") == 0
    assert limiter.hit("k") > 0
    now[0] += 3600
    assert sum(limiter.hit("k") == 0 for _ in range(70)) == 60  # refills up to the capacity, not beyond


def test_rate_limit_is_shared_by_workers(huati_env):
    """Two limiters (two workers) and concurrent hits across processes draw from one bucket per key."""
    import os
    import subprocess
    import sys
    from pathlib import Path

    from api.ratelimit import RateLimiter

    a, b = RateLimiter(10, huati_env), RateLimiter(10, huati_env)
    allowed = [(a if i % 2 else b).hit("shared") == 0 for i in range(20)]
    assert sum(allowed) == 10  # not 2 × 10
    script = """
import sys
from api.ratelimit import RateLimiter
limiter = RateLimiter(30, clock=lambda: 1000.0)  # frozen clock: no refill while they race
print(sum(limiter.hit("multi") == 0 for _ in range(25)))
"""
    env = {**os.environ, "HUATI_HOME": str(huati_env.home)}
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", script],
            env=env,
            cwd=Path(__file__).parents[2],
            stdout=subprocess.PIPE,
            text=True,
        )
        for _ in range(3)
    ]
    counts = [int(p.communicate(timeout=60)[0]) for p in procs]
    assert sum(counts) == 30, counts  # 75 tries at once, capacity 30


@pytest.fixture
def page(monkeypatch):
    """The page's plan history is the chat/web helper's concern; here only its session cookie matters."""
    from api.routes import web

    monkeypatch.setattr(web, "_recent_plans", lambda limit=20: [])


def _sign_in(c: TestClient, name: str = "web") -> str:
    from assistant.service.keys import create_key

    _record, secret = create_key(name)
    r = c.post("/login", data={"key": secret}, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/"
    return secret


def test_page_is_closed_without_a_key(app, page):
    with TestClient(app) as c:
        r = c.get("/")
        assert r.status_code == 200 and 'id="login-form"' in r.text and 'id="plan-form"' not in r.text
        assert "set-cookie" not in r.headers  # loading the page grants nothing
        assert c.post("/v1/plans", json=BODY, headers={"X-Requested-With": "x"}).status_code == 401
        assert c.post("/v1/chat/sessions", json={}, headers={"X-Requested-With": "x"}).status_code == 401
        bad = c.post("/login", data={"key": "hk_guess"})
        assert bad.status_code == 401 and "密钥不对" in bad.text and "set-cookie" not in bad.headers


def test_browser_session_cookie(app, page):
    with TestClient(app) as c:
        secret = _sign_in(c)
        cookie = c.cookies.get("huati_session")
        assert secret not in cookie  # the cookie names the key, it does not carry it
        assert c.get("/").text.count('id="plan-form"') == 1
        assert c.get("/v1/plans").status_code == 200  # safe method with the cookie
        # state-changing calls need the page's custom header (a cross-site form cannot send it)
        assert c.post("/v1/plans", json=BODY).status_code == 403
        assert c.post("/v1/plans", json=BODY, headers={"X-Requested-With": "huati-web"}).status_code == 201
        csrf = re.search(r'name="csrf" value="([^"]+)"', c.get("/").text).group(1)
        old = c.cookies.get("huati_session")
        assert c.post("/logout", data={"csrf": csrf}, follow_redirects=False).status_code == 303
        assert c.get("/v1/plans").status_code == 401
        c.cookies.set("huati_session", old)  # a copy of the cookie is worthless after logout
        assert c.get("/v1/plans").status_code == 401


def test_login_from_another_site_is_refused(app, page):
    from assistant.service.keys import create_key

    _record, secret = create_key("web")
    with TestClient(app) as c:
        r = c.post("/login", data={"key": secret}, headers={"Origin": "https://evil.example"})
        assert r.status_code == 403 and "huati_session" not in c.cookies


def test_revoking_the_key_ends_its_sessions(app, page):
    from assistant.service.keys import revoke_key

    with TestClient(app) as c:
        _sign_in(c, "to-revoke")
        assert c.get("/v1/plans").status_code == 200
        revoke_key("to-revoke")
        assert c.get("/v1/plans").status_code == 403
        r = c.get("/")
        assert r.status_code == 403 and "已被吊销" in r.text


def test_forged_or_expired_session_cookie_is_401(app, page, huati_env, monkeypatch):
    import time

    from assistant.service import sessions

    with TestClient(app) as c:
        _sign_in(c)
        token = c.cookies.get("huati_session")
        assert len(token) >= 40 and "." not in token  # a random token, nothing to forge or decode
        c.cookies.clear()
        c.cookies.set("huati_session", token[:-4] + "AAAA")
        assert c.get("/v1/plans").status_code == 401
        c.cookies.clear()
        c.cookies.set("huati_session", token)
        assert c.get("/v1/plans").status_code == 200
        later = time.time() + sessions.IDLE + 5  # a week without a request
        monkeypatch.setattr(sessions.time, "time", lambda: later)
        assert c.get("/v1/plans").status_code == 401


def test_keys_cli(huati_env):
    from typer.testing import CliRunner

    from assistant.cli.main import app

    runner = CliRunner()
    created = runner.invoke(app, ["keys", "create", "postiz"])
    assert created.exit_code == 0, created.output
    secret = created.output.strip().splitlines()[-1]
    assert secret.startswith("hk_")
    listed = runner.invoke(app, ["keys", "list"])
    assert "postiz" in listed.output and secret not in listed.output
    assert runner.invoke(app, ["keys", "create", "postiz"]).exit_code == 4  # duplicate name
    assert runner.invoke(app, ["keys", "revoke", "postiz"]).exit_code == 0
    assert "已吊销" in runner.invoke(app, ["keys", "list"]).output
    missing = runner.invoke(app, ["keys", "revoke", "nope"])
    assert missing.exit_code == 3 and "找不到密钥" in missing.output


def test_legacy_browser_keys_authenticate_nothing(app, huati_env):
    from assistant.service.keys import create_key

    _record, secret = create_key("browser-old", huati_env, kind="browser")  # what older versions minted
    with TestClient(app) as c:
        assert c.get("/v1/plans", headers={"Authorization": f"Bearer {secret}"}).status_code == 401
        assert c.post("/login", data={"key": secret}).status_code == 401
