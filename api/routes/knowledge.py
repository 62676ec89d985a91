"""Push hot-list items and case studies into the index; search it."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request
from pydantic import BaseModel, ValidationError
from starlette.concurrency import run_in_threadpool

from api.deps import ApiKeyDep, SettingsDep
from api.problems import ApiProblem, validation_errors
from api.routing import AuthFirstRoute, read_json_body
from api.schemas import PROBLEMS, ApiDay, CaseCreate, TrendsPush, TrendsResult, problems
from assistant.errors import InputError
from assistant.models import SearchHit

router = APIRouter(prefix="/v1", tags=["knowledge"], route_class=AuthFirstRoute)

RAW_TYPES = {
    "text/csv": "csv",
    "application/jsonl": "jsonl",
    "application/x-ndjson": "jsonl",
    "text/plain": None,
    "text/markdown": None,
}

TRENDS_BODY = {
    "requestBody": {
        "required": True,
        "content": {
            "application/json": {
                "schema": {
                    "anyOf": [
                        {"$ref": "#/components/schemas/TrendsPush"},
                        {"type": "array", "items": {"type": "object"}, "description": "热点条目列表"},
                        {"type": "object", "description": "DailyHotApi 返回的 JSON（含 data 列表）"},
                    ]
                }
            },
            "application/jsonl": {"schema": {"type": "string"}},
            "text/csv": {"schema": {"type": "string"}},
            "text/plain": {"schema": {"type": "string"}},
        },
    }
}

CASE_BODY = {
    "requestBody": {
        "required": True,
        "content": {
            "application/json": {"schema": {"$ref": "#/components/schemas/CaseCreate"}},
            "text/markdown": {"schema": {"type": "string"}},
        },
    }
}


MAX_PUSH_ITEMS = 5000  # trend items in one push, whatever the format


async def _text(request: Request) -> str:
    raw = await request.body()
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputError("请求体不是 UTF-8 编码", field="body") from exc


def _media(request: Request) -> str:
    return request.headers.get("content-type", "application/json").split(";")[0].strip().lower()


def _model(model: type[BaseModel], data: Any) -> Any:
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        errors = validation_errors([dict(e) for e in exc.errors()])
        detail = "；".join(f"字段 {e['field']}：{e['message']}" for e in errors[:5])
        raise ApiProblem(422, detail, field=errors[0]["field"] if errors else None, errors=errors) from exc


def _parse_push(
    text: str | None, data: Any, fmt: str | None, date: Any, platform: str | None
) -> tuple[list[Any], list[str]]:
    """Runs in a worker thread: parsing thousands of rows must not stall the event loop."""
    from assistant.retrieval.trends import parse_trend_text, trends_from_data

    if text is None:
        return trends_from_data(
            data, date=date, platform=platform, label="<请求体>", max_items=MAX_PUSH_ITEMS
        )
    # Old-Mac / Windows line ends become "\n"; the body is always text, never a server-side path.
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    try:
        return parse_trend_text(
            text, fmt, date=date, platform=platform, label="<请求体>", max_items=MAX_PUSH_ITEMS
        )
    except csv.Error as exc:  # a malformed CSV the parser itself could not read
        raise ApiProblem(422, "CSV 格式不对：无法按表格读取请求体", field="body", reason=str(exc)) from exc


@router.post(
    "/trends",
    response_model=TrendsResult,
    summary="推送热点（JSONL / CSV / DailyHotApi JSON / 条目列表，一次最多 5000 条）",
    openapi_extra=TRENDS_BODY,
    responses=PROBLEMS,
)
async def push_trends(
    request: Request,
    _key: ApiKeyDep,
    settings: SettingsDep,
    date: Annotated[ApiDay | None, Query(description="条目没写日期时用这个（YYYY-MM-DD）")] = None,
    platform: Annotated[str | None, Query(max_length=50)] = None,
    format: Annotated[Literal["jsonl", "csv", "dailyhot"] | None, Query()] = None,
) -> dict[str, Any]:
    from assistant.retrieval.trend_store import save_trends

    media = _media(request)
    fmt: str | None = format
    text: str | None = None
    data: Any = None
    if media in RAW_TYPES:
        text, fmt = await _text(request), fmt or RAW_TYPES[media]
        if not text.strip():
            raise InputError("请求体为空：请发送热点条目", field="body")
    elif media.endswith("json"):
        data = await read_json_body(request)  # size, depth, numbers, surrogates: 422 naming the reason
        if isinstance(data, dict) and ("items" in data or "text" in data) and "data" not in data:
            push = _model(TrendsPush, data)
            date, platform, fmt = push.date or date, push.platform or platform, push.format or fmt
            if push.items is not None:
                data = push.items
            elif push.text:
                text = push.text
            else:
                raise InputError("items 和 text 至少给一个", field="items")
        elif not isinstance(data, list | dict):
            raise InputError("JSON 应是条目列表、DailyHotApi 对象或 {items: [...]}", field="body")
    else:
        raise ApiProblem(415, f"不支持的内容类型 {media}：用 application/json、application/jsonl 或 text/csv")
    items, errors = await run_in_threadpool(_parse_push, text, data, fmt, date, platform)
    if not items:
        raise ApiProblem(
            422,
            "没有解析出任何热点条目" + (f"：{errors[0]}" if errors else ""),
            field="body",
            errors=[{"field": "body", "message": e} for e in errors[:50]],
        )
    saved = await run_in_threadpool(save_trends, items, settings)
    return {
        "parsed": len(items),
        "saved": saved.saved,
        "duplicates": saved.duplicates,
        "errors": errors[:200],
    }


@router.post(
    "/cases",
    status_code=201,
    summary="新增案例（带 front matter 的 Markdown；id 已存在时 409，不会覆盖）",
    openapi_extra=CASE_BODY,
    responses=problems(409, d409="案例 id 已存在（知识库或之前推送的案例里），不会覆盖"),
)
async def push_case(request: Request, _key: ApiKeyDep, settings: SettingsDep) -> dict[str, Any]:
    from assistant.knowledge import load_cases, parse_case
    from assistant.knowledge.casefiles import CaseConflict, save_new_case
    from assistant.retrieval.ingest import ingest

    media = _media(request)
    name = None
    if media.endswith("json"):
        body = _model(CaseCreate, await read_json_body(request))
        text, name = body.markdown, body.name
    elif media in ("text/markdown", "text/plain", "text/x-markdown"):
        text = await _text(request)
    else:
        raise ApiProblem(415, f"不支持的内容类型 {media}：用 text/markdown 或 application/json")
    # DataError (422) names the line; the strict YAML parse runs off the event loop.
    case = await run_in_threadpool(parse_case, Path("<请求体>.md"), text)
    directory = settings.ensure_home() / "cases"
    known = {c.id: c.path for c in await run_in_threadpool(load_cases, settings, [])}
    try:
        path = await run_in_threadpool(
            lambda: save_new_case(directory, case.id, text, known=known, file_name=name)
        )
    except CaseConflict as exc:
        raise ApiProblem(409, exc.message, field="id") from exc
    report = await run_in_threadpool(lambda: ingest(paths=[path], settings=settings, progress=False))
    return {
        "id": case.id,
        "title": case.title,
        "file": path.name,
        "index": {
            "added": report.added,
            "updated": report.updated,
            "unchanged": report.unchanged,
            "chunks_added": report.chunks_added,
            "errors": [public_text(e, settings) for e in report.errors],
        },
    }


@router.get("/search", response_model=list[SearchHit], summary="检索案例、热点、节日节气", responses=PROBLEMS)
def search(
    _key: ApiKeyDep,
    settings: SettingsDep,
    q: Annotated[str, Query(min_length=1, max_length=200, description="关键词")],
    kind: Annotated[Literal["all", "cases", "trends", "calendar"], Query()] = "all",
    date: Annotated[ApiDay | None, Query(description="按这一天检索节日节气和热点（YYYY-MM-DD）")] = None,
    k: Annotated[int, Query(ge=1, le=50)] = 5,
) -> list[SearchHit]:
    from assistant.retrieval import MAX_K
    from assistant.retrieval import search as run_search

    hits = run_search(q, kind=kind, date=date, k=min(k, MAX_K), settings=settings)
    return [h.model_copy(update={"source": public_path(h.source, settings)}) for h in hits]


def _roots(settings: Any) -> list[Path]:
    """Where files the server reads live; a response names them relative to these, never absolutely."""
    return [settings.home.resolve(), settings.kb_dir.resolve().parent, Path.cwd().resolve()]


def public_path(source: str, settings: Any) -> str:
    """A path as a response may show it: relative to HUATI_HOME (`cases/x.md`, `trends/2026-11-20.jsonl`) or
    to the repository (`knowledge_base/cases/x.md`), else only its name."""
    if not source.startswith("/"):
        return source
    path = Path(source)
    root = next((r for r in _roots(settings) if path.is_relative_to(r)), None)
    return str(path.relative_to(root)) if root is not None else path.name


def public_text(text: str, settings: Any) -> str:
    """An error line (`/abs/path/x.md:3: reason`) with the server's directories taken out."""
    for root in _roots(settings):
        text = text.replace(f"{root}/", "")
    return text
