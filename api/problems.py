"""RFC 9457 problem details: every error leaves as `application/problem+json` with a Chinese `detail`.

No stack trace ever reaches a client: unexpected exceptions are logged and answered with a generic 500
(`LastResort`, which keeps the keep-alive connection usable). Refused untrusted documents
(`assistant.knowledge.untrusted`) are 422s naming the reason.
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
from assistant.knowledge.untrusted import UntrustedInputError, json_reason

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
    "bool_type": "应是 true 或 false",
    "float_type": "应是数字",
    "int_from_float": "应是整数",
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


_UNION_TAGS = {"int", "str", "float", "bool", "none"}


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
                "message": "不是合法的 JSON：" + json_reason(str(ctx.get("error", "")), body, pos),
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
        headers = dict(getattr(exc, "headers", None) or {})
        if exc.status_code == 405:  # every method of the path, not only the first route's
            allowed = allowed_methods(request.app.router.routes, request.scope)
            headers["Allow"] = ", ".join(allowed)
            detail = f"{detail}（支持：{'、'.join(allowed)}）" if allowed else detail
        return problem(exc.status_code, detail, headers=headers or None, instance=request.url.path)

    @app.exception_handler(UntrustedInputError)
    async def _untrusted(request: Request, exc: UntrustedInputError) -> JSONResponse:
        field = _where(exc.where)
        message = exc.message  # "items[0].title 含有…": the field already says where
        if exc.where and field != "body" and message.startswith(exc.where):
            message = message[len(exc.where) :].lstrip()
        error = {"field": field, "message": message, "reason": exc.reason}
        return problem(
            422, f"字段 {field}：{message}", instance=request.url.path, field=field, errors=[error]
        )

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = validation_errors(list(exc.errors()), getattr(exc, "body", None))
        first = errors[0] if errors else {"field": "body", "message": "取值不对"}
        detail = "；".join(f"字段 {e['field']}：{e['message']}" for e in errors[:5]) or "请求参数不对"
        return problem(422, detail, instance=request.url.path, field=first["field"], errors=errors)

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        # Only reached when `LastResort` could not answer (the response had started): Starlette then drops the
        # connection, which is all that is left to do with a half-sent response.
        log.exception("unhandled error on %s %s", request.method, request.url.path)
        return problem(500, UNEXPECTED, instance=request.url.path)


UNEXPECTED = "服务器内部错误，已记录日志；请稍后重试或联系维护者"


def _where(where: str | None) -> str:
    """`items[3].title` (a JSON path in an UntrustedInputError) → `items.3.title`, as `field` is written."""
    if not where or where.startswith("（"):
        return "body"
    return re.sub(r"\[(\d+)\]", r".\1", where).lstrip(".") or "body"


class LastResort:
    """Pure ASGI middleware: an exception no handler took becomes a problem+json 500 (logged, no details),
    and the exception stops here. Starlette's own last resort re-raises after answering, and uvicorn then
    closes the keep-alive connection; here the connection stays usable for the client's next request."""

    def __init__(self, app: ASGIApp):
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def tracking_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, receive, tracking_send)
        except Exception:
            if started:  # half a response is out: nothing sensible can follow on this connection
                raise
            log.exception("unhandled error on %s %s", scope.get("method"), scope.get("path"))
            await problem(500, UNEXPECTED, instance=scope.get("path"))(scope, receive, send)


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


METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS")


def allowed_methods(routes: Iterable[Any], scope: Scope) -> list[str]:
    """Every method some route serves at this path, for the `Allow` header of a 405. Starlette's own 405 names
    only the methods of the first route whose path matched (`PUT /v1/plans` said `Allow: POST` although GET
    exists too). Each method is tried against the routes as the router would (included routers too)."""
    return [
        method
        for method in METHODS
        if any(route.matches({**scope, "method": method})[0] == Match.FULL for route in routes)
    ]
