"""Request dependencies: settings, the plan store, and the authenticated API key.

Two ways to authenticate (both resolve to a `KeyRecord` from `assistant.service.keys`):
- `Authorization: Bearer <secret>` — keys made with `huati keys create NAME`.
- The web page's browser session: the operator signs in at `/login` with an API key; `sign_in` sets a
  signed, HttpOnly, SameSite=Strict cookie `huati_session` naming that key's id (never the secret), valid
  30 days and only while the key is not revoked. Cookie-authenticated requests that change state must
  also send `X-Requested-With` (a custom header a cross-site form cannot send), which the page's fetch
  calls do. Nothing is open without a key: `GET /` without a session shows the login form.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
import time
from pathlib import Path
from typing import Annotated, Any

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from api.problems import ApiProblem
from api.ratelimit import RateLimiter
from assistant.service.keys import KeyRecord, find_key, get_key
from assistant.settings import Settings, get_settings

COOKIE = "huati_session"
SESSION_MAX_AGE = 30 * 24 * 3600
SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}

bearer = HTTPBearer(auto_error=False, description="`huati keys create NAME` 生成的密钥")


async def settings_dep(request: Request) -> Settings:
    return getattr(request.app.state, "settings", None) or get_settings()


SettingsDep = Annotated[Settings, Depends(settings_dep)]


def store_dep(settings: SettingsDep) -> Any:
    from assistant.storage import Store

    return Store(settings)


StoreDep = Annotated[Any, Depends(store_dep)]


# --------------------------------------------------------------------------- browser sessions


def _session_key(settings: Settings) -> bytes:
    """A per-installation signing key in HUATI_HOME (created once, shared by all workers)."""
    path = Path(settings.ensure_home()) / "session.key"
    if not path.exists():
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "w") as fh:
                fh.write(secrets.token_hex(32))
        except FileExistsError:
            pass
    return path.read_text().strip().encode()


def _mac(payload: str, settings: Settings) -> str:
    return hmac.new(_session_key(settings), payload.encode(), hashlib.sha256).hexdigest()[:32]


def session_cookie_value(key_id: str, settings: Settings, now: float | None = None) -> str:
    """`<key id>.<issued at>.<mac>`: names the API key the browser signed in with, never its secret."""
    payload = f"{key_id}.{int(time.time() if now is None else now)}"
    return f"{payload}.{_mac(payload, settings)}"


def _session_key_id(value: str | None, settings: Settings) -> str | None:
    parts = (value or "").split(".")
    if len(parts) != 3 or not parts[1].isdigit():
        return None
    payload = f"{parts[0]}.{parts[1]}"
    if not hmac.compare_digest(parts[2], _mac(payload, settings)):
        return None
    if time.time() - int(parts[1]) > SESSION_MAX_AGE:
        return None
    return parts[0]


def session_record(request: Request, settings: Settings | None = None) -> KeyRecord | None:
    """The API key behind this browser's signed session cookie (revoked or not), or None."""
    settings = settings or getattr(request.app.state, "settings", None) or get_settings()
    key_id = _session_key_id(request.cookies.get(COOKIE), settings)
    record = get_key(key_id, settings) if key_id else None
    return record if record is not None and record.kind == "api" else None


def sign_in(secret: str, response: Any, request: Request, settings: Settings) -> KeyRecord:
    """Check an API key typed into the login form and start a browser session for it."""
    record = find_key(secret.strip(), settings)
    if record is None or record.kind != "api":
        raise ApiProblem(401, "密钥不对：请粘贴 huati keys create 生成的完整密钥（hk_ 开头）")
    if record.revoked:
        raise ApiProblem(403, f"密钥 {record.name} 已被吊销，请换一个有效的密钥")
    response.set_cookie(
        COOKIE,
        session_cookie_value(record.id, settings),
        httponly=True,
        samesite="strict",
        path="/",
        secure=request.url.scheme == "https",
        max_age=SESSION_MAX_AGE,
    )
    return record


def sign_out(response: Any) -> None:
    response.delete_cookie(COOKIE, path="/")


# --------------------------------------------------------------------------- API keys


def _limiter(request: Request, settings: Settings) -> RateLimiter:
    limiter = getattr(request.app.state, "limiter", None)
    if limiter is None or limiter.capacity != settings.api_rate_limit or limiter.settings is not settings:
        limiter = RateLimiter(settings.api_rate_limit, settings)  # buckets in the shared database
        request.app.state.limiter = limiter
    return limiter


def require_key(
    request: Request,
    settings: SettingsDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
) -> KeyRecord:
    known = getattr(request.state, "api_key", None)
    if known is not None:  # already authenticated and counted (api.routing.AuthFirstRoute, before the body)
        return known
    challenge = {"WWW-Authenticate": 'Bearer realm="huati"'}
    if credentials is not None:
        record = find_key(credentials.credentials, settings)
        if record is None or record.kind != "api":  # older versions kept per-browser keys: never bearer keys
            raise ApiProblem(401, "API 密钥无效：请检查 Authorization: Bearer <密钥>", headers=challenge)
    else:
        record = session_record(request, settings)
        if record is None:
            raise ApiProblem(
                401,
                "需要 API 密钥：请求头加 Authorization: Bearer <密钥>（用 huati keys create 生成）",
                headers=challenge,
            )
        if request.method not in SAFE_METHODS and not request.headers.get("x-requested-with"):
            raise ApiProblem(403, "浏览器会话的写请求需要带 X-Requested-With 请求头")
    if record.revoked:
        raise ApiProblem(403, f"API 密钥 {record.name} 已被吊销")
    wait = _limiter(request, settings).hit(record.id)
    if wait > 0:
        retry = RateLimiter.retry_after(wait)
        raise ApiProblem(
            429,
            f"请求过于频繁：每个密钥每分钟最多 {settings.api_rate_limit} 次，请 {retry} 秒后再试",
            headers={"Retry-After": retry},
        )
    request.state.api_key = record
    return record


ApiKeyDep = Annotated[KeyRecord, Depends(require_key)]
