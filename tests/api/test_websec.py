"""Web login and API behaviours the notes recommend, each checked against FastAPI / Starlette / uvicorn."""

from __future__ import annotations

import shutil
import subprocess
import threading
import time
from datetime import date
from typing import Annotated

import httpx
import pytest
import sqlalchemy as sa
from fastapi import FastAPI, Form, Query, Request
from fastapi.responses import HTMLResponse, JSONResponse, PlainTextResponse, RedirectResponse, Response
from fastapi.testclient import TestClient
from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StrictInt, StringConstraints
from starlette.exceptions import HTTPException as StarletteHTTPException
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

from api.problems import allowed_methods
from api.throttle import FailureThrottle
from api.websec import (
    FRAME_ONLY_CSP,
    PAGE_CSP,
    SecurityHeaders,
    check_csrf,
    cookie_secure,
    csrf_token,
    fetch_site_ok,
)
from assistant.service.sessions import SessionStore
from assistant.storage.schema import metadata


class Clock:
    def __init__(self) -> None:
        self.now = 1_000_000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def store() -> SessionStore:
    engine = sa.create_engine(
        "sqlite://", poolclass=sa.pool.StaticPool, connect_args={"check_same_thread": False}
    )
    metadata.create_all(engine, tables=[metadata.tables["web_sessions"]])
    return SessionStore(engine, absolute=3600, idle=600, touch_every=60, clock=Clock())


def key_of(store: SessionStore, token: str | None) -> str | None:
    """The key id a live session signs in with; None when unknown, ended, expired or revoked with its key."""
    session = store.resolve(token)
    return session.key_id if session is not None and not session.revoked else None


# --------------------------------------------------------------------------- server-side sessions


def test_sessions_logout_revocation_and_expiry(store: SessionStore) -> None:
    clock = store.clock
    a = store.create("key-1", "Firefox")
    b = store.create("key-1", "Chrome")
    c = store.create("key-2")
    assert a != b and key_of(store, a) == "key-1"
    with store.engine.connect() as db:  # only the digest is stored
        assert (
            db.execute(sa.text("select count(*) from web_sessions where token_hash = :t"), {"t": a}).scalar()
            == 0
        )
    store.end(a)  # logout
    assert store.resolve(a) is None  # the old cookie value, replayed, is worthless
    assert key_of(store, b) == "key-1"
    assert store.end_all_for_key("key-1") == 1  # the API key is revoked: every browser with it is out
    revoked = store.resolve(b)
    assert revoked is not None and revoked.revoked and key_of(store, c) == "key-2"
    clock.now += 601  # idle too long
    assert store.resolve(c) is None and store.purge_expired() == 1  # the revoked one, idle as well
    d = store.create("key-2")
    for _ in range(6):  # active, but the absolute limit still ends it
        clock.now += 550
        assert key_of(store, d) == "key-2"
    clock.now += 550
    assert store.resolve(d) is None
    assert store.resolve("") is None and store.resolve("x" * 500) is None


def test_csrf_token_is_bound_to_the_session() -> None:
    token = "session-token"
    assert check_csrf(token, csrf_token(token))
    assert (
        not check_csrf(token, csrf_token("other"))
        and not check_csrf(token, None)
        and not check_csrf(None, "x")
    )


@pytest.mark.parametrize(
    ("headers", "ok"),
    [
        ({"sec-fetch-site": "same-origin"}, True),
        ({"sec-fetch-site": "none"}, True),
        ({"sec-fetch-site": "cross-site", "origin": "https://huati.example"}, False),
        ({"sec-fetch-site": "same-site"}, False),
        ({"origin": "https://huati.example"}, True),
        ({"origin": "https://evil.example"}, False),
        ({"origin": "null"}, False),
        ({}, True),
    ],
)
def test_fetch_site(headers: dict, ok: bool) -> None:
    assert fetch_site_ok(headers, "huati.example") is ok


# --------------------------------------------------------------------------- a login / logout app as the notes describe


COOKIE = "huati_session"
KEYS = {"hk_good": "key-1"}


def login_app(store: SessionStore, throttle: FailureThrottle | None = None) -> FastAPI:
    app = FastAPI()
    throttle = throttle or FailureThrottle(per_minute=10, burst=10)

    @app.post("/login")
    def login(request: Request, key: Annotated[str, Form()]) -> Response:
        client = request.client.host if request.client else "?"
        wait = throttle.wait(client)
        if wait > 0:  # before looking at the key
            return PlainTextResponse("too many", 429, headers={"Retry-After": throttle.retry_after(wait)})
        if not fetch_site_ok(request.headers, request.headers.get("host", "")):
            return PlainTextResponse("cross-site", 403)
        key_id = KEYS.get(key)
        if key_id is None:
            throttle.failed(client)
            return PlainTextResponse("bad key", 401)
        old = request.cookies.get(COOKIE)
        store.end(old)  # a new token on every login
        token = store.create(key_id, request.headers.get("user-agent", ""))
        response = RedirectResponse("/", 303)
        response.set_cookie(
            COOKIE,
            token,
            httponly=True,
            samesite="strict",
            path="/",
            secure=cookie_secure(request.url.scheme),
            max_age=30 * 24 * 3600,
        )
        return response

    @app.get("/")
    def page(request: Request) -> HTMLResponse:
        token = request.cookies.get(COOKIE)
        if key_of(store, token) is None:
            return HTMLResponse("<form method=post action=/login></form>")
        return HTMLResponse(
            f'<form method="post" action="/logout"><input type="hidden" name="csrf" value="{csrf_token(token)}">'
            "</form>"
        )

    @app.post("/logout")
    def logout(request: Request, csrf: Annotated[str | None, Form()] = None) -> Response:
        token = request.cookies.get(COOKIE)
        if not fetch_site_ok(request.headers, request.headers.get("host", "")) or (
            token and not check_csrf(token, csrf)
        ):
            return PlainTextResponse("cross-site logout refused", 403)
        store.end(token)
        response = RedirectResponse("/", 303)
        response.delete_cookie(COOKIE, path="/", httponly=True, samesite="strict")
        return response

    return app


def test_login_logout_flow(store: SessionStore) -> None:
    client = TestClient(login_app(store), base_url="https://huati.example")
    response = client.post("/login", data={"key": "hk_good"}, follow_redirects=False)
    cookie = response.headers["set-cookie"]
    assert "HttpOnly" in cookie and "SameSite=strict" in cookie and "Secure" in cookie
    token = client.cookies[COOKIE]
    assert "csrf" in client.get("/").text
    # a cross-site page posting to /logout (even with the cookie attached) is refused
    forged = client.post("/logout", headers={"sec-fetch-site": "cross-site"}, follow_redirects=False)
    assert forged.status_code == 403 and key_of(store, token) == "key-1"
    no_token = client.post(
        "/logout", follow_redirects=False
    )  # same site but no CSRF token (e.g. old browser)
    assert no_token.status_code == 403
    ok = client.post(
        "/logout",
        data={"csrf": csrf_token(token)},
        headers={"sec-fetch-site": "same-origin"},
        follow_redirects=False,
    )
    assert ok.status_code == 303 and store.resolve(token) is None
    replay = TestClient(login_app(store), base_url="https://huati.example", cookies={COOKIE: token})
    assert "/login" in replay.get("/").text  # the stolen / old cookie no longer signs anyone in


def test_failed_logins_are_throttled_per_client(store: SessionStore) -> None:
    clock = Clock()
    throttle = FailureThrottle(per_minute=6, burst=3, clock=clock)
    app = login_app(store, throttle)
    attacker = TestClient(app, client=("203.0.113.7", 5000))
    neighbour = TestClient(app, client=("198.51.100.9", 5000))
    assert [attacker.post("/login", data={"key": f"hk_guess{i}"}).status_code for i in range(3)] == [401] * 3
    blocked = attacker.post("/login", data={"key": "hk_good"}, follow_redirects=False)
    assert (
        blocked.status_code == 429 and blocked.headers["Retry-After"] == "10"
    )  # even a right key: not tried
    assert neighbour.post("/login", data={"key": "hk_good"}, follow_redirects=False).status_code == 303
    clock.now += 10
    assert attacker.post("/login", data={"key": "hk_good"}, follow_redirects=False).status_code == 303


def test_throttle_memory_is_bounded() -> None:
    throttle = FailureThrottle(max_clients=100)
    for i in range(1000):
        throttle.failed(f"10.0.{i // 256}.{i % 256}")
    assert len(throttle._buckets) == 100


# --------------------------------------------------------------------------- Secure behind a trusted proxy


@pytest.mark.anyio
@pytest.mark.parametrize(
    ("peer", "secure"),
    [("10.0.0.2", True), ("203.0.113.9", False)],  # the proxy / a client talking to uvicorn directly
)
async def test_secure_cookie_only_from_a_trusted_proxy(peer: str, secure: bool) -> None:
    inner = FastAPI()

    @inner.get("/set")
    def set_cookie(request: Request) -> Response:
        response = PlainTextResponse(f"{request.url.scheme} {request.client.host}")
        response.set_cookie("s", "v", secure=cookie_secure(request.url.scheme), httponly=True)
        return response

    # what `uvicorn --proxy-headers --forwarded-allow-ips=10.0.0.0/8` (or uvicorn.run(..., proxy_headers=True,
    # forwarded_allow_ips="10.0.0.0/8")) wraps around the app
    app = ProxyHeadersMiddleware(inner, trusted_hosts="10.0.0.0/8")
    transport = httpx.ASGITransport(app=app, client=(peer, 40000))
    async with httpx.AsyncClient(transport=transport, base_url="http://huati.internal") as client:
        response = await client.get(
            "/set", headers={"X-Forwarded-Proto": "https", "X-Forwarded-For": "198.51.100.20"}
        )
    assert ("Secure" in response.headers["set-cookie"]) is secure
    assert response.text == ("https 198.51.100.20" if secure else f"http {peer}")


# --------------------------------------------------------------------------- security headers


def headers_app() -> FastAPI:
    app = FastAPI()

    @app.get("/")
    def page() -> HTMLResponse:
        return HTMLResponse("<!doctype html><p>hi</p>")

    @app.get("/v1/x")
    def api() -> dict:
        return {"ok": True}

    @app.get("/docs")
    def docs() -> HTMLResponse:
        return HTMLResponse("<script>SwaggerUIBundle()</script>")

    app.add_middleware(SecurityHeaders)
    return app


def test_security_headers() -> None:
    client = TestClient(headers_app())
    page, api, docs = client.get("/"), client.get("/v1/x"), client.get("/docs")
    assert page.headers["content-security-policy"] == PAGE_CSP
    assert "script-src 'self'" in PAGE_CSP and "'unsafe-inline'" not in PAGE_CSP
    assert api.headers["content-security-policy"] == FRAME_ONLY_CSP
    assert docs.headers["content-security-policy"] == FRAME_ONLY_CSP  # Swagger UI needs its inline script
    for response in (page, api, docs):
        assert response.headers["x-frame-options"] == "DENY"
        assert response.headers["x-content-type-options"] == "nosniff"


@pytest.mark.skipif(shutil.which("chromium") is None, reason="needs Debian's chromium")
def test_page_csp_in_a_real_browser() -> None:
    """Under PAGE_CSP the page's own external script runs; an inline script and an inline handler do not."""
    import uvicorn

    app = FastAPI()

    @app.get("/")
    def page() -> HTMLResponse:
        return HTMLResponse(
            '<!doctype html><html><body><p id="ext">no</p><p id="inline">no</p>'
            "<img src=\"data:,\" onerror=\"document.getElementById('inline').textContent='handler'\">"
            "<script>document.getElementById('inline').textContent='yes'</script>"
            '<script src="/static/app.js"></script></body></html>'
        )

    @app.get("/static/app.js")
    def script() -> Response:
        return Response("document.getElementById('ext').textContent='yes';", media_type="text/javascript")

    app.add_middleware(SecurityHeaders)
    config = uvicorn.Config(app, host="127.0.0.1", port=0, log_level="warning")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        for _ in range(100):
            if server.started:
                break
            time.sleep(0.05)
        port = server.servers[0].sockets[0].getsockname()[1]
        dom = subprocess.run(
            [
                "chromium",
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--virtual-time-budget=2000",
                "--dump-dom",
                f"http://127.0.0.1:{port}/",
            ],
            capture_output=True,
            text=True,
            timeout=60,
        ).stdout
    finally:
        server.should_exit = True
        thread.join(10)
    assert '<p id="ext">yes</p>' in dom
    assert '<p id="inline">no</p>' in dom


# --------------------------------------------------------------------------- 405 and Allow


def methods_app(fixed: bool) -> FastAPI:
    app = FastAPI()

    @app.get("/v1/plans")
    def list_plans() -> list:
        return []

    @app.post("/v1/plans")
    def create_plan() -> dict:
        return {}

    if fixed:

        @app.exception_handler(StarletteHTTPException)
        async def http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
            headers = dict(exc.headers or {})
            if exc.status_code == 405:
                headers["Allow"] = ", ".join(allowed_methods(request.app.router.routes, request.scope))
            return JSONResponse({"detail": exc.detail}, exc.status_code, headers=headers)

    return app


def test_allow_header_lists_every_method_of_the_path() -> None:
    assert TestClient(methods_app(False)).put("/v1/plans").headers["allow"] == "GET"  # POST missing
    response = TestClient(methods_app(True)).put("/v1/plans")
    assert response.status_code == 405 and response.headers["allow"] == "GET, POST"
    assert TestClient(methods_app(True)).get("/nope").status_code == 404


# --------------------------------------------------------------------------- strict types


class LaxBody(BaseModel):
    n: int = 3


class StrictFields(BaseModel):
    model_config = ConfigDict(extra="forbid")
    n: StrictInt = 3  # or Annotated[int, Field(strict=True, ge=1, le=10)]
    send: Annotated[bool, Field(strict=True)] = False
    when: date | None = None  # left lax: JSON has no date type, ISO strings must still work


class StrictModel(BaseModel):
    model_config = ConfigDict(strict=True)
    when: date | None = None


def strict_app() -> FastAPI:
    app = FastAPI()

    @app.post("/lax")
    def lax(body: LaxBody) -> LaxBody:
        return body

    @app.post("/strict")
    def strict(body: StrictFields) -> StrictFields:
        return body

    @app.post("/model-strict")
    def model_strict(body: StrictModel) -> StrictModel:
        return body

    @app.get("/query")
    def query(limit: Annotated[int, Query(ge=1, le=100, strict=True)] = 20) -> int:
        return limit

    return app


def test_strict_fields_reject_strings_and_booleans_for_int() -> None:
    client = TestClient(strict_app())
    assert client.post("/lax", json={"n": "3"}).json() == {"n": 3}  # today's behaviour: coerced
    assert client.post("/lax", json={"n": True}).json() == {"n": 1}
    for bad in ({"n": "3"}, {"n": True}, {"n": 3.0}, {"send": "true"}, {"send": 1}):
        assert client.post("/strict", json=bad).status_code == 422, bad
    ok = client.post("/strict", json={"n": 3, "send": True, "when": "2026-12-22"})
    assert ok.status_code == 200 and ok.json()["when"] == "2026-12-22"


def test_model_wide_strict_and_strict_query_params_are_traps() -> None:
    client = TestClient(strict_app())
    # FastAPI validates the already-decoded JSON in Python mode: strict then refuses the ISO date string
    assert client.post("/model-strict", json={"when": "2026-12-22"}).status_code == 422
    # query values are always strings: a strict int query parameter refuses every value
    assert client.get("/query?limit=3").status_code == 422


# --------------------------------------------------------------------------- constraints in /openapi.json


def _no_space(value: str) -> str:
    if " " in value:
        raise ValueError("不能有空格")
    return value


Tag = Annotated[str, StringConstraints(min_length=1, max_length=20)]


class Documented(BaseModel):
    n: Annotated[int, Field(strict=True, ge=1, le=10)] = 3
    trend: Annotated[list[Tag], Field(max_length=20)] = []
    code: Annotated[str, AfterValidator(_no_space)] = ""  # enforced, but invisible in the schema
    code2: Annotated[str, Field(pattern=r"^\S*$"), AfterValidator(_no_space)] = ""  # the same rule, declared
    code3: Annotated[str, AfterValidator(_no_space), Field(pattern=r"^\S*$")] = ""  # declared after: hidden
    day: Annotated[
        date | None, Field(json_schema_extra={"x-minimum": "1901-01-01", "x-maximum": "2099-12-31"})
    ] = None


def test_enforced_constraints_show_in_openapi() -> None:
    app = FastAPI()

    @app.post("/x")
    def create(body: Documented) -> dict:
        return {}

    @app.get("/y")
    def read(limit: Annotated[int, Query(ge=1, le=100)] = 20) -> int:
        return limit

    schema = app.openapi()
    props = schema["components"]["schemas"]["Documented"]["properties"]
    assert props["n"]["type"] == "integer" and props["n"]["minimum"] == 1 and props["n"]["maximum"] == 10
    assert props["trend"]["maxItems"] == 20 and props["trend"]["items"]["maxLength"] == 20
    assert set(props["code"]) == {"type", "title", "default"}  # the validator's rule is not visible
    assert props["code2"]["pattern"] == r"^\S*$"
    assert "pattern" not in props["code3"]  # a constraint placed after a validator is enforced but not shown
    assert props["day"]["x-minimum"] == "1901-01-01"
    limit = schema["paths"]["/y"]["get"]["parameters"][0]["schema"]
    assert limit["minimum"] == 1 and limit["maximum"] == 100
    # and each declared constraint is enforced
    client = TestClient(app)
    assert client.post("/x", json={"trend": ["x" * 21]}).status_code == 422
    assert client.post("/x", json={"trend": ["x"] * 21}).status_code == 422
    assert client.post("/x", json={"code2": "a b"}).status_code == 422
    assert client.post("/x", json={"code3": "a b"}).status_code == 422
