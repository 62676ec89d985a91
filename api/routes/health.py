"""Liveness and readiness probes (no auth)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from sqlalchemy import text

from api.deps import SettingsDep
from assistant import __version__

router = APIRouter(tags=["health"])


@router.get("/healthz", summary="存活检查")
def healthz() -> dict[str, Any]:
    return {"status": "ok", "version": __version__}


def _check_store(settings) -> str | None:  # noqa: ANN001
    try:
        from assistant.db import get_engine

        with get_engine(settings).connect() as conn:
            conn.execute(text("SELECT 1"))
        return None
    except Exception as exc:  # noqa: BLE001 - reported, never raised
        return f"数据库不可用：{type(exc).__name__}"


def _check_index(settings) -> str | None:  # noqa: ANN001
    try:
        from assistant.index import IndexStore

        store = IndexStore(settings)
        manifest = store.manifest()
        if not manifest:
            return "检索索引还没建好：运行 huati ingest"
        if manifest.get("collection"):
            store.collection(manifest["collection"])  # reaches the Chroma server in client-server mode
        return None
    except Exception as exc:  # noqa: BLE001
        return f"检索索引不可用：{type(exc).__name__}: {exc}"[:300]


@router.get("/readyz", summary="就绪检查：数据库和检索索引都可用")
def readyz(settings: SettingsDep, request: Request) -> JSONResponse:
    problems = {"store": _check_store(settings), "index": _check_index(settings)}
    ready = not any(problems.values())
    body = {
        "status": "ready" if ready else "not_ready",
        "checks": {name: ("ok" if err is None else err) for name, err in problems.items()},
        "warm_up": getattr(request.app.state, "warm_up", "off"),  # running: ready, first requests slower
    }
    return JSONResponse(body, status_code=200 if ready else 503)
