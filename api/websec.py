"""Protections of the operator's page in a browser.

- `csrf_token` / `check_csrf`: a per-session token for state-changing forms (logout), derived from the session
  token with HMAC, so nothing extra is stored and a cross-site page cannot compute it (the cookie is HttpOnly).
- `fetch_site_ok`: the Fetch-Metadata / Origin check for form posts (`Sec-Fetch-Site`, then `Origin`).
- `cookie_secure`: whether to mark the cookie `Secure` (the scheme uvicorn's proxy-headers middleware derived
  from a *trusted* proxy's X-Forwarded-Proto, or `HUATI_COOKIE_SECURE=always`).
- `SecurityHeaders`: a strict CSP for the HTML page, `frame-ancestors 'none'` and X-Frame-Options everywhere,
  nosniff, Referrer-Policy.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterable
from typing import Any, Literal
from urllib.parse import urlsplit

from starlette.types import ASGIApp, Message, Receive, Scope, Send


def csrf_token(session_token: str) -> str:
    return hmac.new(session_token.encode(), b"huati-csrf-v1", hashlib.sha256).hexdigest()[:32]


def check_csrf(session_token: str | None, submitted: str | None) -> bool:
    if not session_token or not submitted:
        return False
    return hmac.compare_digest(csrf_token(session_token), submitted)


def fetch_site_ok(headers: Any, host: str) -> bool:
    """False for a form post that a browser marks as coming from another site.

    `Sec-Fetch-Site` (sent by all current browsers) decides when present: `same-origin` or `none` (typed /
    bookmarked) pass, `same-site` and `cross-site` do not. Otherwise the `Origin` header's host must be this
    host (the scheme is not compared: behind a TLS proxy the app may see http while the browser says https);
    `null` fails. With neither header (curl, old browsers) the check passes: pair it with `check_csrf` for forms.
    """
    site = headers.get("sec-fetch-site")
    if site is not None:
        return site in ("same-origin", "none")
    origin = headers.get("origin")
    if origin is None:
        return True
    return origin != "null" and urlsplit(origin).netloc.lower() == host.lower()


def cookie_secure(scheme: str, mode: Literal["auto", "always", "never"] = "auto") -> bool:
    """`auto`: Secure when the request arrived over https, as seen by the app. Behind a TLS-terminating proxy
    that is only true when uvicorn trusts the proxy (`--proxy-headers --forwarded-allow-ips=<proxy>`), so it
    rewrites the scheme from X-Forwarded-Proto; never read X-Forwarded-Proto yourself (any client can send it).
    `always`: for deployments that are only ever reached over https."""
    return mode == "always" or (mode == "auto" and scheme == "https")


# --------------------------------------------------------------------------- security headers

PAGE_CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
    "font-src 'self'; manifest-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'; "
    "object-src 'none'"
)
FRAME_ONLY_CSP = "frame-ancestors 'none'"


class SecurityHeaders:
    """Pure ASGI middleware. HTML responses get `PAGE_CSP` unless their path starts with one of
    `relaxed_paths` (Swagger UI / ReDoc pages use an inline script); every response gets
    `frame-ancestors 'none'`, X-Frame-Options DENY (older browsers), nosniff and a Referrer-Policy.
    Headers a route already set are kept."""

    def __init__(
        self, app: ASGIApp, *, relaxed_paths: Iterable[str] = ("/docs", "/redoc"), hsts: bool = False
    ):
        self.app = app
        self.relaxed = tuple(relaxed_paths)
        self.hsts = hsts

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        relaxed = scope.get("path", "").startswith(self.relaxed)

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                present = {name.lower() for name, _ in headers}
                content_type = next((v for n, v in headers if n.lower() == b"content-type"), b"")
                csp = PAGE_CSP if content_type.startswith(b"text/html") and not relaxed else FRAME_ONLY_CSP
                extra = {
                    b"content-security-policy": csp.encode(),
                    b"x-frame-options": b"DENY",
                    b"x-content-type-options": b"nosniff",
                    b"referrer-policy": b"same-origin",
                    b"cross-origin-opener-policy": b"same-origin",
                }
                if self.hsts and scope.get("scheme") == "https":
                    extra[b"strict-transport-security"] = b"max-age=31536000"
                headers += [(k, v) for k, v in extra.items() if k not in present]
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, with_headers)
