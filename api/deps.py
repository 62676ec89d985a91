"""Request dependencies: settings, the plan store, and the authenticated API key.

Two ways to authenticate (both resolve to a `KeyRecord` from `assistant.service.keys`):
- `Authorization: Bearer <secret>` — keys made with `huati keys create NAME`.
- The web page's browser session: the operator signs in at `/login` with an API key; `sign_in` starts a
  server-side session (`assistant.service.sessions`) and sets an HttpOnly, SameSite=Strict cookie
  `huati_session` with its random token (never the key), `Secure` over https. The session ends on logout,
  when the key is revoked, after 30 days or 7 idle days. Cookie-authenticated requests that change state
  must also send `X-Requested-With` (a custom header a cross-site form cannot send), which the page's fetch
  calls do. Nothing is open without a key: `GET /` without a session shows the login form.

Wrong keys (bearer or typed at /login) are throttled per client address (`api.throttle`,
`HUATI_AUTH_FAILURE_LIMIT` per minute): once over, that client gets 429 + Retry-After before its key is looked at.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from api.problems import ApiProblem
from api.ratelimit import RateLimiter
from api.throttle import FailureThrottle
from api.websec import cookie_secure
from assistant.service.keys import KeyRecord, find_key, get_key
from assistant.service.sessions import ABSOLUTE as SESSION_MAX_AGE
from assistant.service.sessions import SessionStore
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


def sessions(settings: Settings) -> SessionStore:
    return SessionStore.of(settings)


def session_token(request: Request) -> str | None:
    return request.cookies.get(COOKIE)


def session_record(request: Request, settings: Settings | None = None) -> KeyRecord | None:
    """The API key behind this browser's session (revoked or not), or None (no session, logged out, expired)."""
    settings = settings or getattr(request.app.state, "settings", None) or get_settings()
    session = sessions(settings).resolve(session_token(request))
    record = get_key(session.key_id, settings) if session is not None else None
    if (
        record is None
        or record.kind != "api"
        or (session is not None and session.revoked and not record.revoked)
    ):
        return None
    return record


def client_address(request: Request) -> str:
    """The client as uvicorn saw it: the peer, or what a trusted proxy forwarded (HUATI_TRUSTED_PROXIES)."""
    return request.client.host if request.client else "unknown"


def failures(request: Request, settings: Settings) -> FailureThrottle:
    throttle = getattr(request.app.state, "auth_failures", None)
    if throttle is None or throttle.per_minute != settings.auth_failure_limit:
        throttle = FailureThrottle(settings.auth_failure_limit, burst=settings.auth_failure_limit)
        request.app.state.auth_failures = throttle
    return throttle


def too_many_failures(request: Request, settings: Settings) -> ApiProblem | None:
    """429 for a client whose recent authentications failed too often, checked before its credential is looked
    at (so a blocked client cannot learn whether a guess was right)."""
    wait = failures(request, settings).wait(client_address(request))
    if wait <= 0:
        return None
    retry = FailureThrottle.retry_after(wait)
    return ApiProblem(
        429,
        f"密钥错误次数过多：每个客户端每分钟最多 {settings.auth_failure_limit} 次，请 {retry} 秒后再试",
        headers={"Retry-After": retry},
    )


def sign_in(secret: str, response: Any, request: Request, settings: Settings) -> KeyRecord:
    """Check an API key typed into the login form and start a new server-side session for it (a fresh token
    on every login; the browser's previous session, if any, ends)."""
    blocked = too_many_failures(request, settings)
    if blocked is not None:
        raise blocked
    record = find_key(secret.strip(), settings)
    if record is None or record.kind != "api":
        failures(request, settings).failed(client_address(request))
        raise ApiProblem(401, "密钥不对：请粘贴 huati keys create 生成的完整密钥（hk_ 开头）")
    if record.revoked:
        raise ApiProblem(403, f"密钥 {record.name} 已被吊销，请换一个有效的密钥")
    store = sessions(settings)
    store.end(session_token(request))
    token = store.create(record.id, request.headers.get("user-agent", ""))
    response.set_cookie(
        COOKIE,
        token,
        httponly=True,
        samesite="strict",
        path="/",
        secure=cookie_secure(request.url.scheme, settings.cookie_secure),
        max_age=SESSION_MAX_AGE,
    )
    return record


def sign_out(response: Any, request: Request, settings: Settings) -> None:
    """The session row goes (a copy of the cookie is worthless from now on) and the browser forgets it."""
    sessions(settings).end(session_token(request))
    response.delete_cookie(
        COOKIE,
        path="/",
        httponly=True,
        samesite="strict",
        secure=cookie_secure(request.url.scheme, settings.cookie_secure),
    )


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
        blocked = too_many_failures(request, settings)
        if blocked is not None:
            raise blocked
        record = find_key(credentials.credentials, settings)
        if record is None or record.kind != "api":  # older versions kept per-browser keys: never bearer keys
            failures(request, settings).failed(client_address(request))
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
