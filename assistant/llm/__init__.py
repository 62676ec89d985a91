"""The seam to chat models (any OpenAI-compatible endpoint), prompt rendering and structured output."""

from assistant.llm.client import get_chat_model, model_name, require_configured

__all__ = ["get_chat_model", "model_name", "require_configured"]
