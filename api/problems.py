"""RFC 9457 problem details: every error leaves as `application/problem+json` with a Chinese `detail`.

No stack trace ever reaches a client: unexpected exceptions are logged and answered with a generic 500.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import Match
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from assistant.errors import ConfigError, HuatiError

log = logging.getLogger("huati.api")

MEDIA_TYPE = "application/problem+json"

TITLES = {
    400: "请求有误",
    401: "需要认证",
    403: "无权访问",
    404: "未找到",
    405: "方法不允许",
    409: "冲突",
    413: "请求体过大",
    415: "不支持的内容类型",
    422: "输入有误",
    429: "请求过于频繁",
    500: "内部错误",
    502: "模型服务出错",
    503: "服务不可用",
}

DETAILS = {
    404: "没有这个地址",
    405: "这个地址不支持该请求方法",
}


class ApiProblem(Exception):
    """An HTTP error with a Chinese detail and optional extra headers/members."""

    def __init__(self, status: int, detail: str, *, headers: dict[str, str] | None = None, **extra: Any):
        super().__init__(detail)
        self.status = status
        self.detail = detail
        self.headers = headers or {}
        self.extra = extra


def problem(
    status: int,
    detail: str,
    *,
    title: str | None = None,
    headers: dict[str, str] | None = None,
    instance: str | None = None,
    **extra: Any,
) -> JSONResponse:
    body: dict[str, Any] = {
        "type": "about:blank",
        "title": title or TITLES.get(status, "错误"),
        "status": status,
        "detail": detail,
    }
    if instance:
        body["instance"] = instance
    body.update({k: v for k, v in extra.items() if v is not None})
    return JSONResponse(body, status_code=status, media_type=MEDIA_TYPE, headers=headers)


_MESSAGES = {
    "missing": "缺少这个字段",
    "string_too_short": "不能为空或太短",
    "string_too_long": "太长",
    "too_short": "条目太少",
    "too_long": "条目太多",
    "int_parsing": "应是整数",
    "int_type": "应是整数",
    "float_parsing": "应是数字",
    "date_from_datetime_parsing": "应是日期，格式 YYYY-MM-DD",
    "date_parsing": "应是日期，格式 YYYY-MM-DD",
    "date_type": "应是日期，格式 YYYY-MM-DD",
    "string_type": "应是字符串",
    "list_type": "应是列表",
    "dict_type": "应是对象",
    "model_type": "应是 JSON 对象",
    "bool_parsing": "应是 true 或 false",
    "literal_error": "取值不在允许范围内",
    "enum": "取值不在允许范围内",
    "greater_than_equal": "太小",
    "less_than_equal": "太大",
    "greater_than": "太小",
    "less_than": "太大",
    "json_invalid": "不是合法的 JSON",
    "extra_forbidden": "不认识这个字段",
    "url_parsing": "应是网址",
    "url_scheme": "网址应以 http:// 或 https:// 开头",
    "string_pattern_mismatch": "格式不对",
    "value_error": "取值不对",
}


_JSON_REASONS = [  # json.JSONDecodeError.msg prefixes
    ("Expecting value", "这里缺少一个值"),
    ("Extra data", "JSON 结束后还有多余的内容"),
    ("Expecting property name enclosed in double quotes", "属性名要用英文双引号括起来"),
    ("Expecting ':' delimiter", "缺少冒号 :"),
    ("Expecting ',' delimiter", "缺少逗号 ,"),
    ("Unterminated string", "字符串没有结束（缺少右引号）"),
    ("Invalid control character", "字符串里有不允许的控制字符（例如没转义的换行）"),
    ("Invalid \\", "反斜杠转义写法不对"),
    ("Illegal trailing comma", "结尾多了一个逗号"),
]
_UNION_TAGS = {"int", "str", "float", "bool", "none"}


def json_error(msg: str, doc: str | bytes | None, pos: int | None) -> str:
    """A Chinese reason for a JSON syntax error, with where it happened (line and column)."""
    reason = next((zh for en, zh in _JSON_REASONS if msg.startswith(en)), "格式不对")
    if isinstance(doc, bytes):
        doc = doc.decode("utf-8", "replace")
    if isinstance(doc, str) and isinstance(pos, int):
        if not doc[pos:].strip() and msg != "Extra data":
            return "JSON 没写完（在结尾处中断）"
        line = doc.count("\n", 0, pos) + 1
        column = pos - (doc.rfind("\n", 0, pos) + 1) + 1
        return f"{reason}（第 {line} 行第 {column} 列）"
    return reason


def _field(loc: tuple | list) -> str:
    parts = [str(p) for p in loc]
    if parts and parts[0] in ("body", "query", "path", "header"):
        parts = parts[1:] or parts
    # pydantic names the union member or validator it tried ("topic.int", "x.function-before[...]")
    parts = [p for i, p in enumerate(parts) if i == 0 or (p not in _UNION_TAGS and "[" not in p)]
    return ".".join(parts) or "body"


def _message(kind: str, ctx: dict[str, Any]) -> str:
    if kind == "literal_error" and "expected" in ctx:
        options = re.findall(r"'([^']*)'", str(ctx["expected"])) or [str(ctx["expected"])]
        return f"只能是 {'、'.join(options)}" + (" 之一" if len(options) > 1 else "")
    if kind in ("greater_than_equal", "less_than_equal", "greater_than", "less_than") and ctx:
        words = {
            "greater_than_equal": "不能小于",
            "less_than_equal": "不能大于",
            "greater_than": "应大于",
            "less_than": "应小于",
        }
        bound = next(iter(ctx.values()))
        return f"{words[kind]} {bound}"
    if kind in ("string_too_short", "string_too_long") and ("min_length" in ctx or "max_length" in ctx):
        return (
            f"至少 {ctx['min_length']} 个字符"
            if kind == "string_too_short"
            else f"最多 {ctx['max_length']} 个字符"
        )
    if kind in ("too_short", "too_long") and ("min_length" in ctx or "max_length" in ctx):
        return f"至少 {ctx['min_length']} 条" if kind == "too_short" else f"最多 {ctx['max_length']} 条"
    if kind == "value_error" and ctx.get("error"):
        return str(ctx["error"])
    if kind == "string_pattern_mismatch":
        return "格式不对"
    return _MESSAGES.get(kind, "取值不对")


def validation_errors(errors: list[dict[str, Any]], body: Any = None) -> list[dict[str, str]]:
    out: list[dict[str, str]] = []
    seen: set[str] = set()
    for err in errors:
        kind = err.get("type", "")
        ctx = err.get("ctx") or {}
        loc = err.get("loc", ())
        if kind == "json_invalid":
            pos = loc[1] if len(loc) > 1 and isinstance(loc[1], int) else None
            entry = {
                "field": "body",
                "message": "不是合法的 JSON：" + json_error(str(ctx.get("error", "")), body, pos),
                "reason": str(ctx.get("error", "")),
            }
        else:
            entry = {"field": _field(loc), "message": _message(kind, ctx)}
        if entry["field"] in seen:  # one message per field (a union reports each member)
            continue
        seen.add(entry["field"])
        out.append(entry)
    return out


def install(app: FastAPI) -> None:
    @app.exception_handler(ApiProblem)
    async def _api_problem(request: Request, exc: ApiProblem) -> JSONResponse:
        return problem(exc.status, exc.detail, headers=exc.headers, instance=request.url.path, **exc.extra)

    @app.exception_handler(HuatiError)
    async def _huati(request: Request, exc: HuatiError) -> JSONResponse:
        # A feature the server is not configured for (e.g. engine "llm" without a model) is unavailable, not a crash.
        status = 503 if isinstance(exc, ConfigError) else exc.status
        if status >= 500 and status not in (502, 503):
            log.error("server-side error on %s: %s", request.url.path, exc)
        return problem(status, str(exc), title=exc.title, instance=request.url.path, field=exc.field)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        if (
            exc.status_code == 400 and exc.detail == "There was an error parsing the body"
        ):  # FastAPI: not UTF-8
            return problem(
                422,
                "字段 body：请求体无法解析，应是 UTF-8 编码的 JSON",
                instance=request.url.path,
                field="body",
                errors=[{"field": "body", "message": "请求体无法解析，应是 UTF-8 编码的 JSON"}],
                reason=type(exc.__cause__).__name__ if exc.__cause__ else None,
            )
        detail = exc.detail if isinstance(exc.detail, str) and not exc.detail.isascii() else None
        detail = detail or DETAILS.get(exc.status_code) or TITLES.get(exc.status_code, "请求失败")
        return problem(
            exc.status_code, detail, headers=getattr(exc, "headers", None), instance=request.url.path
        )

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = validation_errors(list(exc.errors()), getattr(exc, "body", None))
        first = errors[0] if errors else {"field": "body", "message": "取值不对"}
        detail = "；".join(f"字段 {e['field']}：{e['message']}" for e in errors[:5]) or "请求参数不对"
        return problem(422, detail, instance=request.url.path, field=first["field"], errors=errors)

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        log.exception("unhandled error on %s %s", request.method, request.url.path)
        return problem(500, "服务器内部错误，已记录日志；请稍后重试或联系维护者", instance=request.url.path)


class BodyLimit:
    """Pure ASGI middleware: refuse bodies over `limit` bytes with 413 (declared or streamed)."""

    def __init__(self, app: ASGIApp, limit: int):
        self.app = app
        self.limit = limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.limit
        for name, value in scope.get("headers", []):
            if name == b"content-length":
                try:
                    declared = int(value)
                except ValueError:
                    declared = 0
                if declared > limit:
                    await self._refuse(scope, receive, send)
                    return
        seen = 0
        started = False

        async def guarded_receive() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > limit:
                    raise _TooLarge(413, f"请求体超过上限 {limit} 字节")
            return message

        async def tracking_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, guarded_receive, tracking_send)
        except _TooLarge:
            if not started:
                await self._refuse(scope, receive, send)

    async def _refuse(self, scope: Scope, receive: Receive, send: Send) -> None:
        response = problem(413, f"请求体超过上限 {self.limit} 字节", instance=scope.get("path"))
        await response(scope, receive, send)


class _TooLarge(StarletteHTTPException):
    """Raised while reading an oversized body; the HTTP handler turns it into a 413 problem."""


def allowed_methods(routes: Iterable[Any], scope: Scope) -> list[str]:
    """Every method some route serves at this path, for the `Allow` header of a 405. Starlette's own 405 names
    only the methods of the first route whose path matched (`PUT /v1/plans` said `Allow: POST` although GET
    exists too)."""
    methods: set[str] = set()
    for route in routes:
        match, _ = route.matches({**scope, "method": "__never__"})
        if match in (Match.PARTIAL, Match.FULL) and getattr(route, "methods", None):
            methods |= set(route.methods)
    return sorted(methods)
