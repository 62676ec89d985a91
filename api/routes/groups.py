"""Chat groups: import a chat export, read what was learned, the report, forget a group."""

from __future__ import annotations

import os
import tempfile
from typing import Annotated, Any, Literal
from urllib.parse import quote

from fastapi import APIRouter, Path, Query, Request, Response
from fastapi.responses import HTMLResponse, PlainTextResponse
from starlette.concurrency import run_in_threadpool

from api.deps import ApiKeyDep, SettingsDep, StoreDep
from api.routing import AuthFirstRoute
from api.schemas import GroupDeleted, GroupImport, GroupRow, problems
from assistant.errors import InputError
from assistant.models import GROUP_ID_PATTERN

router = APIRouter(prefix="/v1", tags=["groups"], route_class=AuthFirstRoute)

GroupId = Annotated[
    str, Path(pattern=GROUP_ID_PATTERN, description="你给群起的编号或名字（与方案的 group 一致）")
]
Weeks = Annotated[int, Query(ge=1, le=52, description="最近几周")]

ACTIVITY_BODY = {
    "requestBody": {
        "required": True,
        "description": "聊天记录导出文件的原始内容（任何编码）：微信导出的 CSV、ChatLab JSON / JSONL、企业微信会话存档 JSONL、"
        "聊天文字 TXT",
        "content": {
            "text/csv": {"schema": {"type": "string"}},
            "application/json": {"schema": {"type": "string"}},
            "application/jsonl": {"schema": {"type": "string"}},
            "text/plain": {"schema": {"type": "string"}},
            "application/octet-stream": {"schema": {"type": "string", "format": "binary"}},
        },
    }
}


def _import(
    data: bytes,
    group: str,
    fmt: str | None,
    keep_text: bool,
    room: str | None,
    name: str,
    settings: Any,
    store: Any,
) -> dict[str, Any]:
    from assistant.groups.importer import import_export

    fd, path = tempfile.mkstemp(prefix="huati-import-", suffix=".export")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        report = import_export(
            path, group, fmt=fmt, keep_text=keep_text, room=room, settings=settings, store=store, name=name
        )
    finally:
        os.unlink(path)
    return report.as_dict()


@router.post(
    "/groups/{group}/activity",
    status_code=201,
    response_model=GroupImport,
    summary="导入一个群的聊天记录（按消息流式读取，读不了的行跳过并报告行号）",
    openapi_extra=ACTIVITY_BODY,
    responses=problems(),
)
async def import_activity(
    group: GroupId,
    request: Request,
    _key: ApiKeyDep,
    settings: SettingsDep,
    store: StoreDep,
    format: Annotated[
        Literal["wechat_csv", "chatlab_json", "wecom_jsonl", "plain_text"] | None,
        Query(description="不写就自动识别"),
    ] = None,
    keep_text: Annotated[bool, Query(description="保存消息原文（默认不保存）")] = False,
    room: Annotated[
        str | None, Query(max_length=128, description="企业微信会话存档里要导入的群（roomid）")
    ] = None,
    filename: Annotated[str | None, Query(max_length=200, description="文件名（只用于记录）")] = None,
) -> dict[str, Any]:
    data = await request.body()
    if not data.strip():
        raise InputError("请求体是空的：请把聊天记录导出文件的内容放在请求体里", field="body")
    return await run_in_threadpool(
        _import, data, group, format, keep_text, room, filename or "上传的文件", settings, store
    )


@router.get(
    "/groups",
    response_model=list[GroupRow],
    summary="所有群：方案数、有回复数的话题、导入的消息",
    responses=problems(),
)
def list_groups(_key: ApiKeyDep, store: StoreDep) -> list[dict[str, Any]]:
    return store.groups.list_groups()


@router.get(
    "/groups/{group}",
    summary="一个群学到了什么：各时段活跃度、最佳时段、每个话题的回复、各类话题的估计（带区间）、常客",
    responses=problems(404),
)
def read_group(group: GroupId, _key: ApiKeyDep, store: StoreDep, weeks: Weeks = 4) -> dict[str, Any]:
    from assistant.groups.summary import group_summary

    return group_summary(group, weeks=weeks, store=store)


@router.get(
    "/groups/{group}/report",
    summary="群报告：HTML 片段（网页用）或 Markdown，图是 SVG",
    responses={
        200: {
            "content": {
                "text/html": {"schema": {"type": "string"}},
                "text/markdown": {"schema": {"type": "string"}},
            },
            "description": "报告",
        },
        **problems(404),
    },
    response_class=HTMLResponse,
)
def group_report(
    group: GroupId,
    _key: ApiKeyDep,
    store: StoreDep,
    weeks: Weeks = 4,
    format: Annotated[Literal["html", "md"], Query(description="html：网页片段；md：Markdown")] = "html",
) -> Response:
    from assistant.groups.report import fragment, markdown
    from assistant.groups.summary import group_summary

    summary = group_summary(group, weeks=weeks, store=store)
    if format == "md":
        return PlainTextResponse(markdown(summary), media_type="text/markdown; charset=utf-8")
    base = f"/v1/groups/{quote(group, safe='')}/report/charts"
    html = fragment(summary, chart_url=lambda key: f"{base}/{key}.svg?weeks={weeks}")
    return HTMLResponse(html, headers={"Cache-Control": "no-store"})


@router.get(
    "/groups/{group}/report/charts/{chart}.svg",
    summary="群报告里的一张图（SVG）",
    responses={
        200: {"content": {"image/svg+xml": {"schema": {"type": "string"}}}, "description": "图"},
        **problems(404),
    },
    response_class=Response,
)
def group_report_chart(
    group: GroupId,
    chart: Literal["heatmap", "hours", "replies", "types"],
    _key: ApiKeyDep,
    store: StoreDep,
    weeks: Weeks = 4,
) -> Response:
    from assistant.groups.report import render_charts
    from assistant.groups.summary import group_summary

    svg = render_charts(group_summary(group, weeks=weeks, store=store))[chart]
    return Response(svg, media_type="image/svg+xml", headers={"Cache-Control": "no-store"})


@router.delete(
    "/groups/{group}",
    response_model=GroupDeleted,
    summary="忘掉一个群：删除它的全部数据（导入的消息、统计、回复数、和方案的关联；方案本身保留）",
    responses=problems(404),
)
def forget_group(group: GroupId, _key: ApiKeyDep, store: StoreDep) -> dict[str, Any]:
    from assistant.errors import NotFoundError

    if not store.groups.known(group):
        raise NotFoundError(f"没有群 {group} 的数据")
    deleted = store.groups.forget(group)
    return {"group": group, "deleted": deleted}
