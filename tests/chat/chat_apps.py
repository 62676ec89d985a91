"""The app under test: the real `api.main.create_app()` when the API has landed, else a small stand-in
with the same auth shape (bearer key or browser-session cookie) around the chat and web routers."""

import importlib
import secrets
import sys
import types
from typing import Annotated, Any

from fastapi import Depends, FastAPI, HTTPException, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.testclient import TestClient

from assistant.errors import HuatiError


def real_api() -> bool:
    try:
        importlib.import_module("api.main")
        importlib.import_module("api.deps")
        return True
    except ModuleNotFoundError:
        return False


_SESSIONS: set[str] = set()
COOKIE = "huati_session"


def _install_stand_in_deps() -> None:
    if "api.deps" in sys.modules and getattr(sys.modules["api.deps"], "_stand_in", False):
        return
    deps = types.ModuleType("api.deps")

    def require(request: Request) -> str:
        auth = request.headers.get("authorization", "")
        if auth == "Bearer test-key":
            return "test-key"
        token = request.cookies.get(COOKIE)
        if token in _SESSIONS:
            return "browser"
        raise HTTPException(401, "需要认证")

    def start_browser_session(request: Request, response: Any) -> None:
        token = request.cookies.get(COOKIE)
        if token not in _SESSIONS:
            token = secrets.token_urlsafe(16)
            _SESSIONS.add(token)
        response.set_cookie(COOKIE, token, httponly=True, samesite="strict")

    deps.ApiKeyDep = Annotated[str, Depends(require)]
    deps.start_browser_session = start_browser_session
    deps._stand_in = True
    sys.modules["api.deps"] = deps


def _add_plan_routes(app: FastAPI) -> None:
    """`POST /v1/plans` and `GET /v1/plans/{id}` over `draft_plan`/the store, for as long as the API has none."""
    from api.deps import ApiKeyDep
    from assistant.models import PlanRequest

    @app.post("/v1/plans", status_code=201)
    def create_plan(body: PlanRequest, _key: ApiKeyDep) -> dict:
        from assistant.drafting import draft_plan

        return draft_plan(body).public_dict()

    @app.get("/v1/plans/{plan_id}")
    def read_plan(plan_id: str, _key: ApiKeyDep) -> dict:
        from assistant.chat.tools import load_plan
        from assistant.settings import get_settings

        return load_plan(plan_id, get_settings()).public_dict()


def _stand_in_app() -> FastAPI:
    _install_stand_in_deps()
    for name in ("api.routes.chat", "api.routes.web"):
        if name in sys.modules:
            importlib.reload(sys.modules[name])
        else:
            importlib.import_module(name)
    app = FastAPI()
    app.include_router(sys.modules["api.routes.chat"].router)
    app.include_router(sys.modules["api.routes.web"].router)

    def problem(status: int, title: str, detail: str) -> JSONResponse:
        return JSONResponse(
            {"type": "about:blank", "title": title, "status": status, "detail": detail},
            status_code=status,
            media_type="application/problem+json",
        )

    @app.exception_handler(HuatiError)
    async def _huati(request: Request, exc: HuatiError) -> JSONResponse:
        return problem(exc.status, exc.title, str(exc))

    @app.exception_handler(HTTPException)
    async def _http(request: Request, exc: HTTPException) -> JSONResponse:
        return problem(exc.status_code, "错误", str(exc.detail))

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        return problem(422, "输入有误", "请求参数不对")

    _add_plan_routes(app)
    return app


def make_app() -> FastAPI:
    if real_api():
        from api.main import create_app
        from assistant.settings import get_settings

        app = create_app(get_settings())
        if not any(getattr(r, "path", "") == "/v1/plans" for r in app.routes) and not _has_plans_router():
            _add_plan_routes(app)
        return app
    return _stand_in_app()


def _has_plans_router() -> bool:
    try:
        importlib.import_module("api.routes.plans")
        return True
    except ModuleNotFoundError:
        return False


def browser_client(client: TestClient) -> TestClient:
    """Authenticate like the page does: sign in at `/login` with an API key (session cookie), then
    same-origin requests."""
    from assistant.keys import create_key

    secret = create_key(f"web-{secrets.token_hex(4)}")[1]
    assert client.post("/login", data={"key": secret}, follow_redirects=False).status_code == 303
    client.headers.update({"Origin": str(client.base_url), "X-Requested-With": "huati-web"})
    return client
