"""Liveness and readiness probes (no auth)."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from sqlalchemy import text

from api.deps import SettingsDep
from assistant import __version__

router = APIRouter(tags=["health"])
log = logging.getLogger("huati.api")


@router.get("/healthz", summary="存活检查")
def healthz() -> dict[str, Any]:
    return {"status": "ok", "version": __version__}


Check = tuple[str, str] | None  # (Chinese message, exception type) or None when fine


def _check_store(settings) -> Check:
    try:
        from assistant.storage.db import get_engine

        with get_engine(settings).connect() as conn:
            conn.execute(text("SELECT 1"))
        return None
    except Exception as exc:  # reported, never raised
        log.warning("readyz: database unavailable: %s", exc)
        return "数据库连不上：检查 HUATI_DATABASE_URL 或 HUATI_HOME 的权限", type(exc).__name__


def _check_index(settings) -> Check:
    try:
        from assistant.retrieval.index import IndexStore

        store = IndexStore(settings)
        manifest = store.manifest()
        if not manifest:
            return "检索索引还没建好：运行 huati ingest", "no manifest"
        if manifest.get("collection"):
            store.collection(manifest["collection"])  # reaches the Chroma server in client-server mode
        return None
    except Exception as exc:
        log.warning("readyz: index unavailable: %s", exc)
        where = (
            "连不上 Chroma 服务端（检查 HUATI_CHROMA_HOST / HUATI_CHROMA_PORT）"
            if settings.chroma_host
            else "读不了"
        )
        return f"检索索引{where}；必要时重新运行 huati ingest", type(exc).__name__


@router.get(
    "/readyz",
    summary="就绪检查：数据库和检索索引都可用",
    responses={
        503: {"description": "没有就绪：checks 说明哪一项不行（与 200 同一结构）", "x-not-problem": True}
    },
)
def readyz(settings: SettingsDep, request: Request) -> JSONResponse:
    found = {"store": _check_store(settings), "index": _check_index(settings)}
    ready = not any(found.values())
    body = {
        "status": "ready" if ready else "not_ready",
        "checks": {name: ("ok" if err is None else err[0]) for name, err in found.items()},
        "warm_up": getattr(request.app.state, "warm_up", "off"),  # running: ready, first requests slower
    }
    if not ready:
        body["reasons"] = {name: err[1] for name, err in found.items() if err is not None}
    return JSONResponse(body, status_code=200 if ready else 503)
