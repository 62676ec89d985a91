"""The one place that decides LLM or offline, and what a failure to build the model means.

`choose_model(settings, purpose, mode=..., chat_model=...)`: `offline` -> no model; a given `chat_model` is
used as is; `llm`, or `auto` with a configured model -> the configured model. A broken setup (ConfigError)
is an error the user must fix, unless `on_config_error="fallback"` (the chat keeps answering offline); any
other failure to build a client falls back to the offline engine with a reason saying why."""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from assistant.errors import ConfigError
from assistant.llm.client import Purpose, get_chat_model, model_name, require_configured
from assistant.settings import OFFLINE_MODEL, Settings

if TYPE_CHECKING:
    from langchain_core.language_models import BaseChatModel

log = logging.getLogger("huati.llm")
Mode = Literal["auto", "offline", "llm"]


@dataclass(frozen=True)
class ModelChoice:
    model: BaseChatModel | None
    name: str = OFFLINE_MODEL
    fallback_reason: str | None = None

    @property
    def engine(self) -> Literal["offline", "llm"]:
        return "offline" if self.model is None else "llm"


def fallback_reason(exc: BaseException, purpose: Purpose = "draft") -> str:
    """Why the offline engine answered instead, in Chinese, naming the error."""
    detail = re.sub(r"\s+", " ", str(exc))[:160]
    what = {"draft": "本方案由离线引擎生成", "revise": "已改用离线规则改写"}.get(purpose, "已改用离线引擎")
    return f"大模型调用失败（{type(exc).__name__}：{detail}），{what}"


def choose_model(
    settings: Settings,
    purpose: Purpose,
    *,
    mode: Mode = "auto",
    chat_model: BaseChatModel | None = None,
    on_config_error: Literal["raise", "fallback"] = "raise",
) -> ModelChoice:
    if mode == "offline":
        return ModelChoice(None)
    if chat_model is not None:
        return ModelChoice(chat_model, model_name(chat_model))
    if mode == "auto" and not settings.llm_configured:
        return ModelChoice(None)
    try:
        require_configured(settings)
        model = get_chat_model(settings, purpose)
    except ConfigError as exc:
        if on_config_error == "raise":
            raise
        return ModelChoice(None, fallback_reason=f"大模型不可用（{exc.message}），已改用离线引擎")
    except Exception as exc:  # a client that cannot be built is a failed endpoint too
        log.info("LLM client failed, falling back to offline: %s", exc)
        return ModelChoice(None, fallback_reason=fallback_reason(exc, purpose))
    return ModelChoice(model, model_name(model))
