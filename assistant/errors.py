"""Error types. Each names the fix; the CLI maps them to exit codes, the API to problem+json."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any


class HuatiError(Exception):
    """Base class. `message` is Chinese and shown to the user as is."""

    exit_code = 1
    status = 500
    title = "内部错误"

    def __init__(self, message: str, *, hint: str | None = None, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.hint = hint
        self.field = field

    def __str__(self) -> str:
        return f"{self.message}（{self.hint}）" if self.hint else self.message


class InputError(HuatiError):
    """The caller gave something unusable (empty product, bad date, unknown audience ...)."""

    exit_code = 2
    status = 422
    title = "输入有误"


class NotFoundError(HuatiError):
    exit_code = 3
    status = 404
    title = "未找到"


class ConflictError(HuatiError):
    exit_code = 4
    status = 409
    title = "冲突"


class ConfigError(HuatiError):
    """Settings are missing or contradictory; the message names the variable to set."""

    exit_code = 5
    status = 500
    title = "配置错误"


class IndexError_(HuatiError):
    """The retrieval index is missing, corrupt or built with another embedding."""

    exit_code = 6
    status = 503
    title = "索引不可用"


class ProviderError(HuatiError):
    """An LLM or embedding endpoint failed (timeout, HTTP error, malformed output)."""

    exit_code = 7
    status = 502
    title = "模型服务出错"


class DataError(HuatiError):
    """A knowledge-base file is malformed; message is `path:line: reason`."""

    exit_code = 8
    status = 422
    title = "数据文件有误"


# Pydantic error type -> Chinese reason ({ctx} values filled in); settings and CLI options share it.
_REASONS = {
    "int_parsing": "应为整数",
    "int_from_float": "应为整数",
    "int_type": "应为整数",
    "float_parsing": "应为数字",
    "float_type": "应为数字",
    "bool_parsing": "应为 true 或 false",
    "greater_than_equal": "应不小于 {ge}",
    "less_than_equal": "应不大于 {le}",
    "greater_than": "应大于 {gt}",
    "less_than": "应小于 {lt}",
    "string_too_short": "不能为空",
    "string_too_long": "太长了（最多 {max_length} 个字符）",
    "date_from_datetime_parsing": "应为日期 YYYY-MM-DD",
    "date_parsing": "应为日期 YYYY-MM-DD",
}


def describe_invalid(err: Mapping[str, Any]) -> str:
    """A Chinese reason for one pydantic error dict (`ValidationError.errors()[i]`)."""
    ctx = err.get("ctx") or {}
    if err.get("type") in ("literal_error", "enum") and "expected" in ctx:
        choices = re.findall(r"'([^']*)'", str(ctx["expected"])) or [str(ctx["expected"])]
        return f"只能是 {' / '.join(choices)}"
    try:
        return _REASONS.get(str(err.get("type")), "取值无效").format(**ctx)
    except (KeyError, IndexError):
        return "取值无效"
