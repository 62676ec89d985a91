"""App factory. `uvicorn api.main:app` or `huati serve`."""

from __future__ import annotations

import asyncio
import logging
import os
import threading
from collections.abc import AsyncIterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import asynccontextmanager

import anyio.to_thread
from fastapi import FastAPI

from api import docs, problems, websec
from api.routes import chat, checks, groups, health, jobs, knowledge, plans, products, web
from assistant import __version__
from assistant.service.embedded import JobHost
from assistant.settings import Settings

log = logging.getLogger("huati.api")

WARM_UP_ENV = "HUATI_API_WARM_UP"  # set by `huati serve` (on by default)

DESCRIPTION = """话题 Huati 的 HTTP 接口：给排期工具（Postiz、n8n、自建定时任务、SCRM）生成每日群话题方案、
检查话题、推送热点和案例、批量任务与回调。除 `/healthz`、`/readyz` 外都需要
`Authorization: Bearer <密钥>`（`huati keys create NAME` 生成）。错误一律是 `application/problem+json`。"""

TAGS = [
    {"name": "health", "description": "存活与就绪检查（不需要认证）"},
    {"name": "plans", "description": "话题方案：生成（幂等）、读取、列表、反馈、批量任务"},
    {"name": "jobs", "description": "批量任务的状态、结果和回调记录"},
    {"name": "checks", "description": "检查一条话题：合规、低门槛、相关性、语气"},
    {"name": "products", "description": "商品理解：认出任意商品的类型、性质、使用场景和可信度"},
    {"name": "knowledge", "description": "推送热点和案例，检索知识库"},
    {"name": "groups", "description": "群：导入聊天记录、学到了什么、报告、忘掉一个群"},
    {"name": "chat", "description": "对话助手"},
]


@asynccontextmanager
async def _lifespan(app: FastAPI) -> AsyncIterator[None]:
    # Drafting hands retrieval and storage to `asyncio.to_thread`; the default pool (cores + 4) would make
    # concurrent LLM plans queue behind each other on a small machine.
    asyncio.get_running_loop().set_default_executor(
        ThreadPoolExecutor(max_workers=64, thread_name_prefix="huati-io")
    )
    anyio.to_thread.current_default_thread_limiter().total_tokens = 100  # sync deps/routes (default 40)
    app.state.warm_up = "off"
    if os.environ.get(WARM_UP_ENV) == "1":
        app.state.warm_up = "running"
        threading.Thread(target=_warm_up, args=(app,), name="huati-warm-up", daemon=True).start()
    host = JobHost(app.state.settings)  # batch items: worker processes or a thread beside the API
    app.state.jobs = host
    host.start()
    try:
        yield
    finally:
        host.stop()


def _warm_up(app: FastAPI) -> None:
    from assistant.service.warmup import warm_up

    app.state.warm_up = "done" if warm_up(app.state.settings) else "failed"


def create_app(settings: Settings | None = None) -> FastAPI:
    from assistant.service.outbound import policy_of
    from assistant.settings import get_settings

    app = FastAPI(
        title="Huati 话题 API",
        version=__version__,
        description=DESCRIPTION,
        lifespan=_lifespan,
        openapi_tags=TAGS,
        docs_url=None,  # api.docs serves /docs and /redoc without a CDN
        redoc_url=None,
    )
    app.state.settings = settings or get_settings()
    policy_of(app.state.settings)  # a malformed HUATI_OUTBOUND_ALLOW fails here, naming the setting
    problems.install(app)
    for router in (
        health.router,
        plans.router,
        jobs.router,
        checks.router,
        products.router,
        knowledge.router,
        groups.router,
        chat.router,
        web.router,
    ):
        app.include_router(router)
    docs.install(app)
    app.add_middleware(problems.BodyLimit, limit=app.state.settings.api_max_body_bytes)
    app.add_middleware(problems.LastResort)  # nothing unhandled reaches uvicorn
    app.add_middleware(websec.SecurityHeaders)  # outermost: CSP / anti-framing on every answer, errors too
    app.openapi = lambda: _openapi(app)  # type: ignore[method-assign]
    return app


def _openapi(app: FastAPI) -> dict:
    """FastAPI's schema plus the bodies that routes read by hand (several content types)."""
    if app.openapi_schema:
        return app.openapi_schema
    from fastapi.openapi.utils import get_openapi

    from api.links import add_links
    from api.schemas import PROBLEM_SCHEMA, PROBLEM_TEXT, CaseCreate, Problem, TrendsPush

    schema = get_openapi(title=app.title, version=app.version, description=app.description, routes=app.routes)
    components = schema.setdefault("components", {}).setdefault("schemas", {})
    for model in (TrendsPush, CaseCreate, Problem):
        spec = model.model_json_schema(ref_template="#/components/schemas/{model}")
        components.update(spec.pop("$defs", {}))
        components[model.__name__] = spec
    for path in schema.get("paths", {}).values():
        for operation in path.values():
            for code, response in operation.get("responses", {}).items():
                _localise(code, response, PROBLEM_SCHEMA, PROBLEM_TEXT)
    for unused in ("HTTPValidationError", "ValidationError"):
        components.pop(unused, None)
    add_links(schema)
    app.openapi_schema = schema
    return schema


def _localise(code: str, response: dict, problem_schema: dict, texts: dict[int, str]) -> None:
    """Errors are application/problem+json with the Problem schema; FastAPI's English defaults become Chinese."""
    if response.get("description") == "Successful Response":
        response["description"] = "成功"
    if response.pop("x-not-problem", False) or not code.isdigit() or int(code) < 400:
        return
    content = response.setdefault("content", {})
    content.pop("application/json", None)
    content["application/problem+json"] = {"schema": problem_schema}
    if response.get("description") in (None, "", "Validation Error") or response["description"].isascii():
        response["description"] = texts.get(int(code), "错误")


app = create_app()
