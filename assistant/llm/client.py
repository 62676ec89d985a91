"""The one seam to chat models: `get_chat_model(settings, purpose)` for any OpenAI-compatible endpoint
through langchain-openai, or the built-in fake model (`HUATI_LLM_PROVIDER=fake`). `HUATI_LLM_REQUESTS`
decides which endpoints may be called at all."""

from __future__ import annotations

import asyncio
import ipaddress
import weakref
from typing import TYPE_CHECKING, Any, Literal
from urllib.parse import urlsplit

from assistant.errors import ConfigError
from assistant.settings import Settings, get_settings

if TYPE_CHECKING:
    from langchain_core.language_models import BaseChatModel

Purpose = Literal["draft", "revise", "judge", "chat"]
VARS = "HUATI_LLM_BASE_URL / HUATI_LLM_API_KEY / HUATI_LLM_MODEL"
# Local servers (Ollama, vLLM) accept any key; the OpenAI client insists on one.
PLACEHOLDER_KEY = "not-needed"
OPENAI_URL = "https://api.openai.com/v1"
JUDGE_TEMPERATURE = 0.0


def require_configured(settings: Settings) -> None:
    if not settings.llm_configured:
        raise ConfigError(
            f"没有配置大模型：请设置 {VARS}（或 OPENAI_BASE_URL / OPENAI_API_KEY）",
            hint="不设置时可用 --engine offline 使用离线引擎",
        )
    if settings.llm_provider != "fake" and settings.llm_base_url and not settings.llm_model:
        raise ConfigError(
            "设置了 HUATI_LLM_BASE_URL 但没有设置 HUATI_LLM_MODEL：自建或第三方服务需要写明模型名",
            hint="例如 HUATI_LLM_MODEL=qwen-plus",
        )


def _is_loopback(url: str) -> bool:
    host = urlsplit(url).hostname or ""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def check_requests_allowed(url: str | None, settings: Settings, what: str = "大模型") -> None:
    """ConfigError when `HUATI_LLM_REQUESTS` forbids calling `url` (tests run with `loopback`)."""
    target = url or OPENAI_URL
    policy = settings.llm_requests
    if policy == "any" or (policy == "loopback" and _is_loopback(target)):
        return
    allowed = "任何" if policy == "none" else "本机以外的"
    raise ConfigError(
        f"HUATI_LLM_REQUESTS={policy}：不允许向{allowed}{what}服务发请求（{target}）", field="llm_requests"
    )


_loop_clients: weakref.WeakKeyDictionary[Any, Any] = weakref.WeakKeyDictionary()


def _async_client(settings: Settings) -> Any:
    """One pooled httpx client per running event loop: langchain-openai's shared default client is bound
    to the first loop that used it and fails ("Event loop is closed") under a later `asyncio.run`."""
    try:
        loop = asyncio.get_running_loop()
    except RuntimeError:
        return None
    client = _loop_clients.get(loop)
    if client is None:
        import httpx

        limits = httpx.Limits(max_connections=1000, max_keepalive_connections=100)
        client = httpx.AsyncClient(timeout=settings.llm_timeout, limits=limits)
        _loop_clients[loop] = client
    return client


def get_chat_model(
    settings: Settings | None = None, purpose: Purpose = "draft", **overrides: Any
) -> BaseChatModel:
    """The configured chat model for `purpose` (the judge runs at temperature 0); timeouts and retries with
    backoff from settings. ConfigError when no model is configured or requests are not allowed."""
    settings = settings or get_settings()
    require_configured(settings)
    if settings.llm_provider == "fake":
        from assistant.llm.fake import FakeChatModel

        return FakeChatModel(purpose=purpose, model_name=settings.llm_model_name)
    check_requests_allowed(settings.llm_base_url, settings)
    from langchain_openai import ChatOpenAI

    key = settings.llm_api_key.get_secret_value() if settings.llm_api_key else PLACEHOLDER_KEY
    kwargs: dict[str, Any] = {
        "base_url": settings.llm_base_url,
        "api_key": key,
        "model": settings.llm_model_name,
        "timeout": settings.llm_timeout,
        "max_retries": settings.llm_max_retries,
        "temperature": JUDGE_TEMPERATURE if purpose == "judge" else settings.llm_temperature,
        "stream_usage": True,
    }
    client = _async_client(settings)
    if client is not None:
        kwargs["http_async_client"] = client
    kwargs.update(overrides)
    return ChatOpenAI(**kwargs)


def model_name(chat_model: Any) -> str:
    """A readable model name for provenance (fakes included)."""
    for attr in ("model_name", "model"):
        value = getattr(chat_model, attr, None)
        if isinstance(value, str) and value:
            return value
    llm_type = getattr(chat_model, "_llm_type", None)
    return llm_type if isinstance(llm_type, str) and llm_type else type(chat_model).__name__
