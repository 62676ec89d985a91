"""Push hot-list items and case studies into the index; search it."""

from __future__ import annotations

import csv
import json
import re
from pathlib import Path
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request
from pydantic import BaseModel, ValidationError

from api.deps import ApiKeyDep, SettingsDep
from api.problems import ApiProblem, json_error, validation_errors
from api.routing import AuthFirstRoute
from api.schemas import PROBLEMS, ApiDay, CaseCreate, TrendsPush, TrendsResult
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


@router.post(
    "/trends",
    response_model=TrendsResult,
    summary="推送热点（JSONL / CSV / DailyHotApi JSON / 条目列表）",
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
    from starlette.concurrency import run_in_threadpool

    from assistant.retrieval.trend_store import save_trends
    from assistant.retrieval.trends import parse_trends

    media, text = _media(request), await _text(request)
    if not text.strip():
        raise InputError("请求体为空：请发送热点条目", field="body")
    fmt: str | None = format
    if media in RAW_TYPES:
        fmt = fmt or RAW_TYPES[media]
    elif media.endswith("json"):
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise ApiProblem(
                422,
                f"字段 body：不是合法的 JSON：{json_error(exc.msg, exc.doc, exc.pos)}",
                field="body",
                reason=exc.msg,
            ) from exc
        if isinstance(data, dict) and ("items" in data or "text" in data) and "data" not in data:
            push = _model(TrendsPush, data)
            date, platform, fmt = push.date or date, push.platform or platform, push.format or fmt
            if push.items is not None:
                text, fmt = json.dumps(push.items, ensure_ascii=False), "dailyhot"
            elif push.text:
                text = push.text
            else:
                raise InputError("items 和 text 至少给一个", field="items")
        elif isinstance(data, list | dict):
            fmt = "dailyhot"
        else:
            raise InputError("JSON 应是条目列表、DailyHotApi 对象或 {items: [...]}", field="body")
    else:
        raise ApiProblem(415, f"不支持的内容类型 {media}：用 application/json、application/jsonl 或 text/csv")
    # Old-Mac / Windows line ends become "\n"; a newline makes parse_trends treat the body as text, never as a
    # server-side file path.
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    try:
        items, errors = parse_trends(
            text.rstrip("\n") + "\n", fmt, date=date, platform=platform, name="<请求体>"
        )
    except csv.Error as exc:  # a malformed CSV the parser itself could not read
        raise ApiProblem(422, "CSV 格式不对：无法按表格读取请求体", field="body", reason=str(exc)) from exc
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


def _case_file_name(name: str | None, case_id: str) -> str:
    stem = name or re.sub(r"[^A-Za-z0-9_-]+", "-", case_id).strip("-")
    return (stem or "case")[:80] + ".md"


@router.post(
    "/cases",
    status_code=201,
    summary="新增案例（带 front matter 的 Markdown）",
    openapi_extra=CASE_BODY,
    responses=PROBLEMS,
)
async def push_case(request: Request, _key: ApiKeyDep, settings: SettingsDep) -> dict[str, Any]:
    from starlette.concurrency import run_in_threadpool

    from assistant.knowledge import parse_case
    from assistant.retrieval.ingest import ingest

    media, text = _media(request), await _text(request)
    name = None
    if media.endswith("json"):
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise ApiProblem(
                422,
                f"字段 body：不是合法的 JSON：{json_error(exc.msg, exc.doc, exc.pos)}",
                field="body",
                reason=exc.msg,
            ) from exc
        body = _model(CaseCreate, data)
        text, name = body.markdown, body.name
    elif media not in ("text/markdown", "text/plain", "text/x-markdown"):
        raise ApiProblem(415, f"不支持的内容类型 {media}：用 text/markdown 或 application/json")
    case = parse_case(Path("<请求体>.md"), text)  # DataError (422) names the line
    directory = settings.ensure_home() / "cases"
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / _case_file_name(name, case.id)
    path.write_text(text, encoding="utf-8")
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
            "errors": report.errors,
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

    return run_search(q, kind=kind, date=date, k=min(k, MAX_K), settings=settings)
