"""Routes that authenticate before they read the body, and parse JSON bodies as untrusted documents.

FastAPI parses the JSON body before it solves dependencies, so a request with a malformed body and no (or a
revoked) key would get a 422 and skip the rate limit. `AuthFirstRoute` runs `require_key` (401 / 403 / 429)
first for every route that depends on it; the dependency then returns the key found here.

Then, for JSON bodies, it parses the body itself with `assistant.knowledge.untrusted` (size, depth, number
length, duplicate keys, lone surrogates) before FastAPI and pydantic see it; FastAPI reuses the parsed value.
The parse happens outside FastAPI's own body `try`, so an `UntrustedInputError` reaches the app's handler
(422 problem+json naming the reason) instead of a 500 or a generic 400. Bodies over 64 KiB are parsed in a
worker thread, so a large document does not stall the event loop.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from dataclasses import replace
from typing import Any

import anyio.to_thread
from fastapi import Request, Response
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute
from starlette.concurrency import run_in_threadpool

from api.deps import bearer, require_key, settings_dep
from assistant.knowledge.untrusted import DEFAULT_LIMITS, OFF_LOOP_BYTES, Limits, parse_json_body

SAFE_METHODS = ("GET", "HEAD", "OPTIONS")


def _needs_key(dependant: Dependant) -> bool:
    return dependant.call is require_key or any(_needs_key(d) for d in dependant.dependencies)


async def _parse(request: Request, limits: Limits) -> Any:
    raw = await request.body()
    if len(raw) <= OFF_LOOP_BYTES:
        return parse_json_body(raw, limits)
    return await anyio.to_thread.run_sync(parse_json_body, raw, limits)


def body_limits(request: Request) -> Limits:
    """The default limits, with the size limit the service is configured for (HUATI_API_MAX_BODY_BYTES)."""
    settings = getattr(request.app.state, "settings", None)
    size = settings.api_max_body_bytes if settings is not None else DEFAULT_LIMITS.max_bytes
    return replace(DEFAULT_LIMITS, max_bytes=size)


async def read_json_body(request: Request, limits: Limits | None = None) -> Any:
    """`await request.body()` parsed as untrusted JSON; in a worker thread when the body is large. A body this
    route class already parsed (same limits) is not parsed twice."""
    if isinstance(request, SafeJSONRequest) and limits is None:
        return await request.json()
    return await _parse(request, limits or body_limits(request))


def is_json(content_type: str | None) -> bool:
    """What FastAPI would decode as JSON: `application/json`, `*/*+json`, or no content type at all."""
    media = (content_type or "").split(";")[0].strip().lower()
    return media in ("", "application/json") or (media.startswith("application/") and media.endswith("+json"))


class SafeJSONRequest(Request):
    """`json()` is the untrusted-document parse, done once."""

    async def json(self) -> Any:
        if not hasattr(self, "_safe_json"):
            self._safe_json = await _parse(self, body_limits(self))
        return self._safe_json


class AuthFirstRoute(APIRoute):
    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()
        needs_key = _needs_key(self.dependant)
        # Only a route with a declared body has FastAPI decode it; routes that read raw bodies (chat exports,
        # CSV trends) parse them themselves, with read_json_body when the body is JSON.
        declared_body = bool(self.dependant.body_params)

        async def guarded(request: Request) -> Response:
            if needs_key and getattr(request.state, "api_key", None) is None:
                settings = await settings_dep(request)
                credentials = await bearer(request)
                await run_in_threadpool(require_key, request, settings, credentials)
            if (
                request.method in SAFE_METHODS
                or not declared_body
                or not is_json(request.headers.get("content-type"))
            ):
                return await handler(request)
            safe = SafeJSONRequest(request.scope, request.receive)
            if await safe.body():
                await safe.json()  # UntrustedInputError here, outside FastAPI's body try/except
            return await handler(safe)

        return guarded
