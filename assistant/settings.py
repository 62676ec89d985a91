"""All configuration in one pydantic-settings class (`HUATI_*` environment variables)."""

from __future__ import annotations

import os
from collections.abc import Mapping
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import Field, SecretStr, ValidationError, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from assistant.errors import ConfigError, describe_invalid

REPO_ROOT = Path(__file__).resolve().parent.parent

OFFLINE_MODEL = "huati-offline-patterns"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="HUATI_", extra="ignore")

    # Data directory: Chroma, BM25, SQLite, caches.
    home: Path = Path(".huati")
    kb_dir: Path = REPO_ROOT / "knowledge_base"
    prompts_dir: Path = REPO_ROOT / "prompts"

    # Chat model: any OpenAI-compatible endpoint. Unset -> offline engine. `fake`: the built-in fake model
    # (no network; for demos and tests of the LLM path).
    llm_provider: Literal["openai", "fake"] = "openai"
    llm_base_url: str | None = None
    llm_api_key: SecretStr | None = None
    llm_model: str | None = None
    llm_timeout: float = Field(60.0, gt=0)
    llm_max_retries: int = Field(2, ge=0, le=10)
    llm_temperature: float = Field(0.7, ge=0, le=2)
    # How structured output is requested: many compatible servers reject strict json_schema.
    llm_structured_method: Literal["json_schema", "function_calling", "json_mode", "prompt"] = "prompt"
    # Which model endpoints may be called at all (chat and embeddings): `loopback` in tests, `none` to refuse
    # every real model request.
    llm_requests: Literal["any", "loopback", "none"] = "any"

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
    # Hosts / IPs / CIDRs that deliveries and callbacks may reach although they are not public
    # (`assistant.service.outbound`); empty: public addresses only.
    outbound_allow: str = ""
    # Web page behind a TLS-terminating proxy: the proxies whose X-Forwarded-Proto / -For uvicorn believes
    # (IPs, CIDRs or `*`), and whether the session cookie is always `Secure` or only over https.
    trusted_proxies: str = ""
    cookie_secure: Literal["auto", "always"] = "auto"
    # Failed authentications (wrong bearer key, wrong key at /login) per client address per minute.
    auth_failure_limit: int = Field(10, ge=1, le=10_000)
    webhook_attempts: int = Field(5, ge=1, le=20, description="callback attempts before giving up")
    webhook_backoff: float = Field(
        1.0, gt=0, le=3600, description="seconds before the 2nd attempt, then doubled"
    )
    # Delivery credentials of batch items (Postiz api_key, 企业微信 key) are encrypted at rest with this key until
    # the item has run (then masked); unset: kept as given until then. Every process must have the same value.
    secrets_key: SecretStr | None = None

    # Batch jobs (`assistant.service.queue`). The queue: SQLite file `home/queue.db` by default, the same
    # PostgreSQL as the data when `database_url` is PostgreSQL, or Redis with `queue_url=redis://…`.
    queue_url: str | None = None
    # Worker processes `huati serve` starts beside the API: "auto" (one per core), a number, 0 (a consumer
    # thread inside the API process only) or "off" (items run only in `huati worker` processes).
    job_processes: Literal["auto", "off"] | Annotated[int, Field(ge=0, le=256)] = "auto"
    job_threads: int = Field(1, ge=1, le=64, description="items at once in each worker process")
    # An unfinished item untouched this long, and not waiting in the queue, is run again (its worker died).
    # Must exceed the slowest item (an LLM plan with its retries).
    job_stall_seconds: float = Field(300.0, ge=1, le=86400)

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
        return self.llm_provider == "fake" or bool(self.llm_base_url or self.llm_api_key)

    @property
    def llm_model_name(self) -> str:
        return self.llm_model or ("huati-fake" if self.llm_provider == "fake" else "gpt-4o-mini")

    @property
    def db_url(self) -> str:
        return self.database_url or f"sqlite:///{(self.home / 'huati.db').resolve()}"

    @property
    def embedded_job_processes(self) -> int | None:
        """Worker processes `huati serve` runs (0: a thread in the API process; None: none at all)."""
        if self.job_processes == "off":
            return None
        if self.job_processes == "auto":
            return os.cpu_count() or 1
        return int(self.job_processes)  # a number

    def ensure_home(self) -> Path:
        """HUATI_HOME, created owner-only (0700): it holds the database, keys' hashes and pushed documents."""
        check_home(self.home)
        try:
            self.home.mkdir(mode=0o700, parents=True, exist_ok=True)
        except OSError as exc:
            raise ConfigError(
                f"HUATI_HOME 无法创建：{self.home}（{exc.strerror}）",
                field="home",
                hint="把 HUATI_HOME 设为一个可写的目录（默认 ./.huati）",
            ) from None
        return self.home


def check_home(home: Path) -> None:
    """ConfigError when HUATI_HOME is, or lies under, something that is not a directory."""
    probe = home
    while not probe.exists() and probe.parent != probe:
        probe = probe.parent
    if probe.exists() and not probe.is_dir():
        where = f"{home}" if probe == home else f"{home} 的上级 {probe}"
        raise ConfigError(
            f"HUATI_HOME 不可用：{where} 是文件，不是目录",
            field="home",
            hint="把 HUATI_HOME 设为一个目录（默认 ./.huati）",
        )


def _reason(err: Mapping[str, Any]) -> str:
    field = str(err["loc"][0]) if err.get("loc") else ""
    reason = describe_invalid(err)
    secret = "key" in field or "secret" in field
    if not secret and isinstance(err.get("input"), str | int | float):
        reason += f"（当前值：{err['input']}）"
    return reason


def config_error(exc: ValidationError) -> ConfigError:
    """One Chinese line naming each bad HUATI_ variable and what it accepts."""
    parts, fields = [], []
    for err in exc.errors():
        field = str(err["loc"][0]) if err.get("loc") else ""
        fields.append(field)
        parts.append(f"HUATI_{field.upper()}: {_reason(err)}")
    return ConfigError(
        "配置有误：" + "；".join(parts), field=fields[0] if fields else None, hint="改正后重试"
    )


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The settings from the environment; ConfigError (not a pydantic error) when they are unusable."""
    try:
        settings = Settings()
    except ValidationError as exc:
        raise config_error(exc) from None
    check_home(settings.home)
    return settings


def reset_settings() -> None:
    """Forget the cached settings (tests change the environment)."""
    get_settings.cache_clear()
