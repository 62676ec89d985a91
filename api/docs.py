"""`/docs` (Swagger UI) and `/redoc` served without any external network: the UI assets come from the
`fastapi-offline` package (MIT; Swagger UI 5 and ReDoc bundles), mounted under `/docs/static`. Without that
package `/docs` is a plain page listing the operations of `/openapi.json`, still offline."""

from __future__ import annotations

import html
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.openapi.docs import get_redoc_html, get_swagger_ui_html
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles

STATIC_URL = "/docs/static"


def assets() -> Path | None:
    import fastapi_offline

    path = Path(fastapi_offline.__file__).parent / "static"
    return path if (path / "swagger-ui-bundle.js").is_file() else None


def install(app: FastAPI) -> None:
    static = assets()
    title = f"{app.title} · 接口文档"
    if static is None:

        @app.get("/docs", include_in_schema=False)
        async def plain_docs() -> HTMLResponse:
            return HTMLResponse(_plain(app))

        return
    app.mount(STATIC_URL, StaticFiles(directory=static), name="docs-static")

    @app.get("/docs", include_in_schema=False)
    async def swagger(request: Request) -> HTMLResponse:
        root = request.scope.get("root_path", "")
        return get_swagger_ui_html(
            openapi_url=f"{root}{app.openapi_url}",
            title=title,
            oauth2_redirect_url=None,
            swagger_js_url=f"{root}{STATIC_URL}/swagger-ui-bundle.js",
            swagger_css_url=f"{root}{STATIC_URL}/swagger-ui.css",
            swagger_favicon_url=f"{root}{STATIC_URL}/favicon.png",
            swagger_ui_parameters={
                "persistAuthorization": True,
                "defaultModelsExpandDepth": 0,
                "validatorUrl": None,
            },
        )

    @app.get("/redoc", include_in_schema=False)
    async def redoc(request: Request) -> HTMLResponse:
        root = request.scope.get("root_path", "")
        return get_redoc_html(
            openapi_url=f"{root}{app.openapi_url}",
            title=title,
            with_google_fonts=False,
            redoc_js_url=f"{root}{STATIC_URL}/redoc.standalone.js",
            redoc_favicon_url=f"{root}{STATIC_URL}/favicon.png",
        )


def _plain(app: FastAPI) -> str:
    rows = []
    for path, item in app.openapi().get("paths", {}).items():
        for method, operation in item.items():
            rows.append(
                f"<tr><td><code>{html.escape(method.upper())}</code></td><td><code>{html.escape(path)}</code>"
                f"</td><td>{html.escape(operation.get('summary', ''))}</td></tr>"
            )
    return (
        f"<!doctype html><html lang='zh-CN'><head><meta charset='utf-8'><title>{html.escape(app.title)}</title></head>"
        f"<body><h1>{html.escape(app.title)}</h1><p>完整的接口说明见 <a href='{app.openapi_url}'>{app.openapi_url}</a>"
        f"（OpenAPI 3.1）。</p><table>{''.join(rows)}</table></body></html>"
    )
