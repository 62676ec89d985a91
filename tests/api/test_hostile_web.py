"""Hostile use of the web login: replayed cookies after logout, cross-site logout, framing, inline script, a
missing Secure flag behind a TLS proxy, guessing keys; and an unhandled error must not cost the connection."""

from __future__ import annotations

import re
import socket
import threading
import time

import httpx
import pytest
from fastapi.testclient import TestClient
from servers import free_port, start_serve, stop_serve

COOKIE = "huati_session"
BODY = {"product": "亮白牙膏", "date": "2026-11-24", "n": 2}


def sign_in(c: TestClient, name: str = "web") -> str:
    from assistant.service.keys import create_key

    secret = create_key(name)[1]
    r = c.post("/login", data={"key": secret}, follow_redirects=False)
    assert r.status_code == 303, r.text
    return secret


def csrf(c: TestClient) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', c.get("/").text)
    assert found
    return found.group(1)


# --------------------------------------------------------------------------- sessions


def test_logout_ends_the_session_on_the_server(app, huati_env):
    from sqlalchemy import select

    from assistant.storage.db import get_engine
    from assistant.storage.schema import web_sessions

    with TestClient(app) as c:
        sign_in(c)
        stolen = c.cookies.get(COOKIE)
        with get_engine(huati_env).connect() as conn:  # only a digest of the token is stored
            assert stolen not in {r.token_hash for r in conn.execute(select(web_sessions))}
        assert c.post("/logout", data={"csrf": csrf(c)}, follow_redirects=False).status_code == 303
    with TestClient(app, cookies={COOKIE: stolen}) as replay:
        assert replay.get("/v1/plans").status_code == 401
        assert 'id="login-form"' in replay.get("/").text


def test_a_new_login_gets_a_new_token_and_ends_the_old_one(app):
    with TestClient(app) as c:
        sign_in(c, "a")
        first = c.cookies.get(COOKIE)
        sign_in(c, "b")
        assert c.cookies.get(COOKIE) != first
    with TestClient(app, cookies={COOKIE: first}) as old:
        assert old.get("/v1/plans").status_code == 401


@pytest.mark.parametrize(
    ("headers", "with_token"),
    [
        ({"Sec-Fetch-Site": "cross-site"}, True),  # a cross-site form, even if it knew the token
        ({"Sec-Fetch-Site": "same-site"}, True),
        ({"Origin": "https://evil.example"}, True),
        ({"Origin": "null"}, True),
        ({}, False),  # same site but without the page's token
    ],
)
def test_logout_is_protected_like_other_posts(app, headers, with_token):
    with TestClient(app) as c:
        sign_in(c)
        data = {"csrf": csrf(c)} if with_token else {}
        r = c.post("/logout", data=data, headers=headers, follow_redirects=False)
        assert r.status_code == 403 and r.headers["content-type"].startswith("application/problem+json")
        assert c.get("/v1/plans").status_code == 200  # still signed in
        wrong = c.post("/logout", data={"csrf": "0" * 32}, follow_redirects=False)
        assert wrong.status_code == 403


def test_revoking_the_key_revokes_its_sessions_server_side(app, huati_env):
    from sqlalchemy import select

    from assistant.service.keys import revoke_key
    from assistant.storage.db import get_engine
    from assistant.storage.schema import web_sessions

    with TestClient(app) as c:
        sign_in(c, "leaving")
        revoke_key("leaving", huati_env)
        with get_engine(huati_env).connect() as conn:
            rows = conn.execute(select(web_sessions)).all()
        assert rows and all(r.revoked_at is not None for r in rows)
        assert c.get("/v1/plans").status_code == 403
        assert "已被吊销" in c.get("/").text


def test_login_from_another_site_without_origin_is_refused(app):
    from assistant.service.keys import create_key

    secret = create_key("web")[1]
    with TestClient(app) as c:
        r = c.post("/login", data={"key": secret}, headers={"Sec-Fetch-Site": "cross-site"})
        assert r.status_code == 403 and COOKIE not in c.cookies


# --------------------------------------------------------------------------- the cookie's flags


def _cookie_flags(response: httpx.Response) -> str:
    return next(v for k, v in response.headers.multi_items() if k == "set-cookie" and v.startswith(COOKIE))


def test_cookie_is_secure_over_https_and_when_always(app, huati_env, monkeypatch):
    from assistant.service.keys import create_key

    secret = create_key("web")[1]
    with TestClient(app, base_url="https://huati.example") as c:
        flags = _cookie_flags(c.post("/login", data={"key": secret}, follow_redirects=False))
        assert "Secure" in flags and "HttpOnly" in flags and "samesite=strict" in flags.lower()
    with TestClient(app) as c:  # plain http, as seen by the app: no Secure by default
        assert "Secure" not in _cookie_flags(c.post("/login", data={"key": secret}, follow_redirects=False))
        monkeypatch.setattr(huati_env, "cookie_secure", "always")
        assert "Secure" in _cookie_flags(c.post("/login", data={"key": secret}, follow_redirects=False))


@pytest.mark.slow
def test_secure_behind_a_trusted_proxy_only(tmp_path):
    """`huati serve` believes X-Forwarded-Proto only from HUATI_TRUSTED_PROXIES."""
    from servers import create_key_cli

    results = {}
    for trusted in ("", "127.0.0.1"):
        home = tmp_path / f"home{trusted or 'none'}"
        env = {"HUATI_TRUSTED_PROXIES": trusted} if trusted else {}
        secret = create_key_cli(home, "web", env)
        port = free_port()
        proc = start_serve(home, port, {**env, "HUATI_API_WARM_UP": "0"}, ("--no-warm-up",))
        try:
            r = httpx.post(
                f"http://127.0.0.1:{port}/login",
                data={"key": secret},
                headers={"X-Forwarded-Proto": "https", "X-Forwarded-For": "198.51.100.20"},
            )
            results[trusted] = _cookie_flags(r)
        finally:
            stop_serve(proc)
    assert "Secure" not in results[""]  # anyone can send the header: not believed
    assert "Secure" in results["127.0.0.1"]  # the proxy on loopback is trusted


# --------------------------------------------------------------------------- headers and the page's code


def test_anti_framing_and_csp_on_every_answer(app):
    with TestClient(app) as c:
        login_page, api, missing = c.get("/"), c.get("/healthz"), c.get("/nope")
        sign_in(c)
        page = c.get("/")
    for r in (login_page, page):
        csp = r.headers["content-security-policy"]
        assert "frame-ancestors 'none'" in csp and "script-src 'self'" in csp and "unsafe-inline" not in csp
    for r in (login_page, page, api, missing):
        assert r.headers["x-frame-options"] == "DENY" and r.headers["x-content-type-options"] == "nosniff"
        assert "frame-ancestors 'none'" in r.headers["content-security-policy"]


def test_the_page_has_no_inline_code(app):
    with TestClient(app) as c:
        pages = [c.get("/").text, c.get("/login").text]
        sign_in(c)
        pages.append(c.get("/").text)
        script = c.get("/static/huati.js").text
    for html in pages:
        assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html)  # every script is a file
        assert not re.search(r"\son[a-z]+\s*=", html, re.I)  # no inline handlers
        assert not re.search(r"\sstyle\s*=", html, re.I) and "javascript:" not in html.lower()
    assert not re.search(r"\beval\(|new Function\(|\.innerHTML\s*=|setAttribute\(\s*['\"]on", script)


# --------------------------------------------------------------------------- guessing keys


@pytest.fixture
def strict_app(huati_env, drafting, monkeypatch):
    from api.main import create_app

    monkeypatch.setattr(huati_env, "auth_failure_limit", 3)
    return create_app(huati_env)


def test_wrong_bearer_keys_are_throttled_per_client(strict_app, secret):
    attacker = TestClient(strict_app, client=("203.0.113.7", 5000))
    neighbour = TestClient(strict_app, client=("198.51.100.9", 5000))
    guesses = [attacker.get("/v1/plans", headers={"Authorization": f"Bearer hk_{i}"}) for i in range(3)]
    assert [r.status_code for r in guesses] == [401, 401, 401]
    blocked = attacker.get("/v1/plans", headers={"Authorization": f"Bearer {secret}"})
    assert blocked.status_code == 429 and int(blocked.headers["Retry-After"]) >= 1  # even the right key
    assert "密钥错误次数过多" in blocked.json()["detail"]
    assert neighbour.get("/v1/plans", headers={"Authorization": f"Bearer {secret}"}).status_code == 200


def test_wrong_keys_at_the_login_form_are_throttled_per_client(strict_app, secret):
    attacker = TestClient(strict_app, client=("203.0.113.8", 5000))
    assert [attacker.post("/login", data={"key": f"hk_{i}"}).status_code for i in range(3)] == [401] * 3
    blocked = attacker.post("/login", data={"key": secret}, follow_redirects=False)
    assert blocked.status_code == 429 and blocked.headers["Retry-After"] and COOKIE not in attacker.cookies
    other = TestClient(strict_app, client=("198.51.100.10", 5000))
    assert other.post("/login", data={"key": secret}, follow_redirects=False).status_code == 303


# --------------------------------------------------------------------------- a crash keeps the connection


def test_unhandled_error_is_a_problem_500_and_the_connection_stays_open(
    huati_env, drafting, secret, monkeypatch
):
    import uvicorn

    import assistant.drafting
    from api.main import create_app

    async def boom(*args, **kwargs):
        raise RuntimeError("internal detail /srv/secret.py")

    monkeypatch.setattr(assistant.drafting, "adraft_plan", boom)
    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(create_app(huati_env), host="127.0.0.1", port=port, log_level="critical")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        assert time.monotonic() < deadline
        time.sleep(0.05)
    body = b'{"product": "\xe4\xbf\x9d\xe6\xb8\xa9\xe6\x9d\xaf"}'
    crash = (
        f"POST /v1/plans HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {secret}\r\n"
        f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n"
    ).encode() + body
    health = b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
            first = _exchange(sock, crash)
            second = _exchange(sock, health)  # the same connection, after the crash
    finally:
        server.should_exit = True
        thread.join(10)
    assert first.startswith(b"HTTP/1.1 500") and b"application/problem+json" in first
    assert b"connection: close" not in first.lower() and b"/srv/secret.py" not in first
    assert "服务器内部错误".encode() in first
    assert second.startswith(b"HTTP/1.1 200") and b'"ok"' in second


def _exchange(sock: socket.socket, request: bytes) -> bytes:
    sock.sendall(request)
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65536)
        assert chunk, "the server closed the connection"
        data += chunk
    head, _, rest = data.partition(b"\r\n\r\n")
    length = int(re.search(rb"(?i)content-length: (\d+)", head).group(1))
    while len(rest) < length:
        chunk = sock.recv(65536)
        assert chunk, "the server closed the connection"
        rest += chunk
    return head + b"\r\n\r\n" + rest
