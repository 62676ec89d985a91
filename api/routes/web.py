"""The operator's page at `/`: server-rendered jinja2 plus a little vanilla JS (`api/static/`)."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import FileResponse, HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates
from starlette.concurrency import run_in_threadpool

from api import deps
from api.problems import ApiProblem
from api.websec import check_csrf, csrf_token, fetch_site_ok
from assistant.errors import NotFoundError
from assistant.settings import get_settings

HERE = Path(__file__).resolve().parent.parent
STATIC_DIR = HERE / "static"
STATIC_TYPES = {
    ".css": "text/css; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".svg": "image/svg+xml",
    ".png": "image/png",
}

router = APIRouter(tags=["web"], include_in_schema=False)
templates = Jinja2Templates(directory=str(HERE / "templates"))
log = logging.getLogger("huati.api.web")


def _recent_plans(limit: int = 20) -> list[Any]:
    try:
        from assistant.storage import Store

        found = Store().list_plans(limit=limit)
        return list(found[0] if isinstance(found, tuple) else found)  # (plans, total)
    except Exception:  # the page renders without history rather than failing
        log.exception("could not list plans for the page")
        return []


def _groups() -> list[dict[str, Any]]:
    try:
        from assistant.storage import Store

        return Store().groups.list_groups()
    except Exception:  # the page renders without the group list rather than failing
        log.exception("could not list groups for the page")
        return []


def _page_context() -> dict[str, Any]:
    from assistant.knowledge import load_audiences, load_products
    from assistant.retrieval import today

    settings = get_settings()
    label = f"大模型 {settings.llm_model_name}" if settings.llm_configured else "离线引擎（未配置大模型）"
    from assistant.products import load_library

    return {
        "products": load_products(),
        "categories": [c.name for c in load_library().categories],
        "audiences": load_audiences(),
        "today": today().isoformat(),
        "plans": _recent_plans(),
        "groups": _groups(),
        "engine_label": label,
        "static_url": "/static",
    }


def _login_page(request: Request, message: str = "", status: int = 200) -> HTMLResponse:
    response = templates.TemplateResponse(
        request, "login.html", {"message": message, "static_url": "/static"}, status_code=status
    )
    response.headers["Cache-Control"] = "no-store"
    return response


def _settings(request: Request) -> Any:
    return getattr(request.app.state, "settings", None) or get_settings()


@router.get("/", response_class=HTMLResponse)
def index(request: Request) -> HTMLResponse:
    record = deps.session_record(request)
    if record is None:
        return _login_page(request)
    if record.revoked:
        return _login_page(request, f"密钥 {record.name} 已被吊销，请用有效的密钥重新登录。", 403)
    token = deps.session_token(request) or ""
    context = {**_page_context(), "key_name": record.name, "csrf": csrf_token(token)}
    response = templates.TemplateResponse(request, "index.html", context)
    response.headers["Cache-Control"] = "no-store"
    return response


def _from_this_site(request: Request) -> bool:
    """Form posts from another site (login CSRF, forced logout) are refused: `Sec-Fetch-Site`, else `Origin`."""
    return fetch_site_ok(request.headers, request.headers.get("host", ""))


@router.get("/login", response_class=HTMLResponse)
def login_form(request: Request) -> HTMLResponse:
    return _login_page(request)


@router.post("/login", response_class=HTMLResponse)
async def login(request: Request) -> Response:
    if not _from_this_site(request):
        return _login_page(request, "登录请求来自其他网站，已拒绝。请直接在本页登录。", 403)
    form = await request.form()
    secret = str(form.get("key") or "")
    if not secret.strip():
        return _login_page(request, "请粘贴 API 密钥（用 huati keys create 名称 生成）。", 422)
    response = RedirectResponse("/", status_code=303)
    try:
        await run_in_threadpool(deps.sign_in, secret, response, request, _settings(request))
    except ApiProblem as exc:
        page = _login_page(request, exc.detail, exc.status)
        page.headers.update(exc.headers)  # Retry-After when failed attempts are throttled
        return page
    return response


@router.post("/logout")
async def logout(request: Request) -> Response:
    """Protected like every other post: same site, and the page's per-session token (a cross-site form can
    neither send it nor read it)."""
    token = deps.session_token(request)
    form = await request.form()
    submitted = form.get("csrf")
    if not _from_this_site(request) or (token and not check_csrf(token, str(submitted or ""))):
        raise ApiProblem(403, "退出请求没有通过校验（来自其他网站，或页面已过期）：请刷新页面后再点「退出」")
    response = RedirectResponse("/", status_code=303)
    await run_in_threadpool(deps.sign_out, response, request, _settings(request))
    return response


@router.get("/static/{name}")
def static(name: str) -> FileResponse:
    path = (STATIC_DIR / name).resolve()
    if path.parent != STATIC_DIR or path.suffix not in STATIC_TYPES or not path.is_file():
        raise NotFoundError(f"没有这个文件：{name}")
    return FileResponse(path, media_type=STATIC_TYPES[path.suffix], headers={"Cache-Control": "no-cache"})
