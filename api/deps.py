"""Request dependencies: settings, the plan store, and the authenticated API key.

Two ways to authenticate (both resolve to a `KeyRecord` from `assistant.keys`):
- `Authorization: Bearer <secret>` — keys made with `huati keys create NAME`.
- The web page's browser session: `GET /` calls `start_browser_session`, which sets a signed, HttpOnly,
  SameSite=Strict cookie `huati_session` mapped to a per-browser key (kind "browser"). Cookie-authenticated
  requests that change state must also send `X-Requested-With` (a custom header a cross-site form cannot
  send), which the page's fetch calls do.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
from pathlib import Path
from typing import Annotated, Any

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from api.problems import ApiProblem
from api.ratelimit import RateLimiter
from assistant.keys import KeyRecord, create_key, find_key
from assistant.settings import Settings, get_settings

COOKIE = "huati_session"
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


def _sign(secret: str, settings: Settings) -> str:
    mac = hmac.new(_session_key(settings), secret.encode(), hashlib.sha256).hexdigest()[:32]
    return f"{secret}.{mac}"


def _unsign(value: str | None, settings: Settings) -> str | None:
    if not value or "." not in value:
        return None
    secret, _, mac = value.rpartition(".")
    good = _sign(secret, settings).rpartition(".")[2]
    return secret if hmac.compare_digest(mac, good) else None


def _session_record(request: Request, settings: Settings) -> KeyRecord | None:
    secret = _unsign(request.cookies.get(COOKIE), settings)
    record = find_key(secret, settings) if secret else None
    return record if record is not None and record.kind == "browser" else None


def start_browser_session(request: Request, response: Any) -> None:
    """Give this browser a per-browser key behind a signed, HttpOnly cookie (kept if still valid)."""
    settings = getattr(request.app.state, "settings", None) or get_settings()
    record = _session_record(request, settings)
    if record is not None and not record.revoked:
        return
    _record, secret = create_key(f"browser-{secrets.token_hex(6)}", settings, kind="browser")
    response.set_cookie(
        COOKIE, _sign(secret, settings), httponly=True, samesite="strict", path="/",
        secure=request.url.scheme == "https", max_age=180 * 24 * 3600,
    )  # fmt: skip


# --------------------------------------------------------------------------- API keys


def _limiter(request: Request, settings: Settings) -> RateLimiter:
    limiter = getattr(request.app.state, "limiter", None)
    if limiter is None or limiter.capacity != settings.api_rate_limit:
        limiter = RateLimiter(settings.api_rate_limit)
        request.app.state.limiter = limiter
    return limiter


def require_key(
    request: Request,
    settings: SettingsDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
) -> KeyRecord:
    challenge = {"WWW-Authenticate": 'Bearer realm="huati"'}
    if credentials is not None:
        record = find_key(credentials.credentials, settings)
        if record is None:
            raise ApiProblem(401, "API 密钥无效：请检查 Authorization: Bearer <密钥>", headers=challenge)
    else:
        record = _session_record(request, settings)
        if record is None:
            raise ApiProblem(
                401, "需要 API 密钥：请求头加 Authorization: Bearer <密钥>（用 huati keys create 生成）",
                headers=challenge,
            )  # fmt: skip
        if request.method not in SAFE_METHODS and not request.headers.get("x-requested-with"):
            raise ApiProblem(403, "浏览器会话的写请求需要带 X-Requested-With 请求头")
    if record.revoked:
        raise ApiProblem(403, f"API 密钥 {record.name} 已被吊销")
    wait = _limiter(request, settings).hit(record.id)
    if wait > 0:
        retry = RateLimiter.retry_after(wait)
        raise ApiProblem(
            429, f"请求过于频繁：每个密钥每分钟最多 {settings.api_rate_limit} 次，请 {retry} 秒后再试",
            headers={"Retry-After": retry},
        )  # fmt: skip
    request.state.api_key = record
    return record


ApiKeyDep = Annotated[KeyRecord, Depends(require_key)]
