"""All configuration in one pydantic-settings class (`HUATI_*` environment variables)."""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

REPO_ROOT = Path(__file__).resolve().parent.parent

OFFLINE_MODEL = "huati-offline-patterns"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="HUATI_", extra="ignore")

    # Data directory: Chroma, BM25, SQLite, caches.
    home: Path = Path(".huati")
    kb_dir: Path = REPO_ROOT / "knowledge_base"
    prompts_dir: Path = REPO_ROOT / "prompts"

    # Chat model: any OpenAI-compatible endpoint. Unset -> offline engine.
    llm_base_url: str | None = None
    llm_api_key: SecretStr | None = None
    llm_model: str | None = None
    llm_timeout: float = Field(60.0, gt=0)
    llm_max_retries: int = Field(2, ge=0, le=10)
    llm_temperature: float = Field(0.7, ge=0, le=2)
    # How structured output is requested: many compatible servers reject strict json_schema.
    llm_structured_method: Literal["json_schema", "function_calling", "json_mode", "prompt"] = "prompt"

    # Embeddings: offline default, or an OpenAI-compatible endpoint.
    embedding_provider: Literal["usem", "hash", "openai"] = "usem"
    embedding_model: str | None = None
    embedding_base_url: str | None = None
    embedding_api_key: SecretStr | None = None

    # Storage. Default: SQLite (WAL) under `home`. Set a PostgreSQL URL to scale out.
    database_url: str | None = None
    # Chroma client-server mode (`chroma run`); unset -> embedded persistent client under `home`.
    chroma_host: str | None = None
    chroma_port: int = 8000

    # Drafting.
    history_days: int = Field(14, ge=0, le=365)
    trend_window_days: int = Field(3, ge=0, le=60)

    # API.
    api_rate_limit: int = Field(120, ge=1, description="requests per minute per key")
    api_max_body_bytes: int = Field(1_000_000, ge=1024)
    webhook_secret: SecretStr | None = None

    @model_validator(mode="after")
    def _openai_fallbacks(self) -> Settings:
        # Honour the conventional OpenAI variables when the HUATI_ ones are unset (chat and embeddings).
        key, url = os.environ.get("OPENAI_API_KEY"), os.environ.get("OPENAI_BASE_URL")
        if self.llm_api_key is None and key:
            self.llm_api_key = SecretStr(key)
        if self.llm_base_url is None and url:
            self.llm_base_url = url
        if self.embedding_api_key is None and key:
            self.embedding_api_key = SecretStr(key)
        if self.embedding_base_url is None and url:
            self.embedding_base_url = url
        return self

    @property
    def llm_configured(self) -> bool:
        return bool(self.llm_base_url or self.llm_api_key)

    @property
    def llm_model_name(self) -> str:
        return self.llm_model or "gpt-4o-mini"

    @property
    def db_url(self) -> str:
        return self.database_url or f"sqlite:///{(self.home / 'huati.db').resolve()}"

    def ensure_home(self) -> Path:
        self.home.mkdir(parents=True, exist_ok=True)
        return self.home


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()


def reset_settings() -> None:
    """Forget the cached settings (tests change the environment)."""
    get_settings.cache_clear()
