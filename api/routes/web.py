"""The operator's page at `/`: server-rendered jinja2 plus a little vanilla JS (`api/static/`)."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import FileResponse, HTMLResponse
from fastapi.templating import Jinja2Templates

from assistant.errors import NotFoundError

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
    except Exception:  # noqa: BLE001 - the page renders without history rather than failing
        log.exception("could not list plans for the page")
        return []


def _page_context() -> dict[str, Any]:
    from assistant.knowledge import load_audiences, load_products
    from assistant.retrieval import today
    from assistant.settings import get_settings

    settings = get_settings()
    label = f"大模型 {settings.llm_model_name}" if settings.llm_configured else "离线引擎（未配置大模型）"
    return {
        "products": load_products(),
        "audiences": load_audiences(),
        "today": today().isoformat(),
        "plans": _recent_plans(),
        "engine_label": label,
        "static_url": "/static",
    }


@router.get("/", response_class=HTMLResponse)
def index(request: Request) -> HTMLResponse:
    context = {**_page_context(), "api_key": ""}
    response = templates.TemplateResponse(request, "index.html", context)
    _start_browser_session(request, response)
    response.headers["Cache-Control"] = "no-store"
    return response


def _start_browser_session(request: Request, response: Any) -> None:
    """Give this browser a same-origin session so the page's fetch calls are authenticated."""
    from api import deps

    deps.start_browser_session(request, response)


@router.get("/static/{name}")
def static(name: str) -> FileResponse:
    path = (STATIC_DIR / name).resolve()
    if path.parent != STATIC_DIR or path.suffix not in STATIC_TYPES or not path.is_file():
        raise NotFoundError(f"没有这个文件：{name}")
    return FileResponse(path, media_type=STATIC_TYPES[path.suffix], headers={"Cache-Control": "no-cache"})
