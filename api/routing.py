"""Routes that authenticate before they read the body.

FastAPI parses the JSON body before it solves dependencies, so a request with a malformed body and no (or a
revoked) key would get a 422 and skip the rate limit. `AuthFirstRoute` runs `require_key` (401 / 403 / 429)
first for every route that depends on it; the dependency then returns the key found here.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Any

from fastapi import Request, Response
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute
from starlette.concurrency import run_in_threadpool

from api.deps import bearer, require_key, settings_dep


def _needs_key(dependant: Dependant) -> bool:
    return dependant.call is require_key or any(_needs_key(d) for d in dependant.dependencies)


class AuthFirstRoute(APIRoute):
    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()
        if not _needs_key(self.dependant):
            return handler

        async def authenticated(request: Request) -> Response:
            if getattr(request.state, "api_key", None) is None:
                settings = await settings_dep(request)
                credentials = await bearer(request)
                await run_in_threadpool(require_key, request, settings, credentials)
            return await handler(request)

        return authenticated
