"""The seam to chat models (any OpenAI-compatible endpoint, or the built-in fake), the choice between the LLM
and the offline engine, prompt rendering and structured output."""

from assistant.llm.choice import ModelChoice, choose_model, fallback_reason
from assistant.llm.client import Purpose, get_chat_model, model_name, require_configured

__all__ = [
    "ModelChoice",
    "Purpose",
    "choose_model",
    "fallback_reason",
    "get_chat_model",
    "model_name",
    "require_configured",
]
