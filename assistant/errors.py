"""Error types. Each names the fix; the CLI maps them to exit codes, the API to problem+json."""

from __future__ import annotations


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
