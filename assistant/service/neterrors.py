"""Outgoing HTTP failures (delivery targets, callbacks) in Chinese, with the technical reason kept apart."""

from __future__ import annotations

import httpx

from assistant.service.outbound import OutboundRefused

_MESSAGES: list[tuple[type[Exception], str]] = [
    (httpx.ConnectTimeout, "连接超时：目标地址没有响应"),
    (httpx.ConnectError, "无法连接到目标地址（地址不对、服务没启动或网络不通）"),
    (httpx.ReadTimeout, "等待对方响应超时"),
    (httpx.WriteTimeout, "发送请求超时"),
    (httpx.PoolTimeout, "等待可用连接超时"),
    (httpx.TimeoutException, "请求超时"),
    (httpx.RemoteProtocolError, "对方连接异常中断"),
    (httpx.UnsupportedProtocol, "网址不可用：只支持 http:// 或 https://"),
    (httpx.InvalidURL, "网址格式不对"),
    (httpx.TooManyRedirects, "重定向次数过多"),
    (httpx.DecodingError, "对方返回的内容无法解码"),
]


def describe(exc: Exception) -> tuple[str, str]:
    """(Chinese message for users, English technical reason for logs and the `reason` member)."""
    if isinstance(exc, OutboundRefused):  # the policy's own words name HUATI_OUTBOUND_ALLOW
        return exc.message, exc.reason
    reason = f"{type(exc).__name__}: {exc}".strip()[:300]
    for kind, message in _MESSAGES:
        if isinstance(exc, kind):
            return message, reason
    return "网络请求失败", reason
