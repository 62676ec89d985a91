"""Third-party credentials inside stored batch items (Postiz `api_key`, 企业微信 `key` and the `key=` of a robot
address): masked for every reader, encrypted at rest while the item waits to run (when `HUATI_SECRETS_KEY` is
set), and replaced by the mask once the item has run — a finished item keeps no credential at all.
"""

from __future__ import annotations

import base64
import hashlib
from typing import Any

from assistant.errors import ConfigError
from assistant.settings import Settings

SECRET_FIELDS = frozenset({"api_key", "key"})
MASK = "***"
PREFIX = "sealed:v1:"


def _each_secret(value: Any, change: Any) -> Any:
    """A copy of `value` with `change(text, kind)` applied to every credential ("field" or "url" kind)."""
    if isinstance(value, dict):
        out = {}
        for name, inner in value.items():
            if name in SECRET_FIELDS and isinstance(inner, str):
                out[name] = change(inner, "field")
            elif name == "webhook_url" and isinstance(inner, str):
                out[name] = change(inner, "url")
            else:
                out[name] = _each_secret(inner, change)
        return out
    if isinstance(value, list):
        return [_each_secret(inner, change) for inner in value]
    return value


def masked(value: Any) -> Any:
    """What clients see: credentials as ***, a robot address without its key."""

    def hide(text: str, kind: str) -> str:
        if kind == "url":
            return text.split("?", 1)[0] + "?key=***" if "?" in text else text
        return MASK

    return _each_secret(value, hide)


def _fernet(settings: Settings) -> Any:
    from cryptography.fernet import Fernet

    assert settings.secrets_key is not None
    digest = hashlib.sha256(settings.secrets_key.get_secret_value().encode()).digest()
    return Fernet(base64.urlsafe_b64encode(digest))


def seal(value: Any, settings: Settings) -> Any:
    """Encrypt every credential with the settings' key (unchanged when no key is set)."""
    if settings.secrets_key is None:
        return value
    fernet = _fernet(settings)

    def lock(text: str, kind: str) -> str:
        if kind == "url" and "?" not in text:
            return text
        return PREFIX + fernet.encrypt(text.encode()).decode()

    return _each_secret(value, lock)


def unseal(value: Any, settings: Settings) -> Any:
    """The item as given, for the worker that sends it. ConfigError when a credential was sealed with another key
    (or none is set here)."""

    def unlock(text: str, _kind: str) -> str:
        if not text.startswith(PREFIX):
            return text
        from cryptography.fernet import InvalidToken

        if settings.secrets_key is None:
            raise ConfigError(
                "批量条目的投递密钥已加密，但这个进程没有设置 HUATI_SECRETS_KEY", field="secrets_key"
            )
        try:
            return _fernet(settings).decrypt(text[len(PREFIX) :].encode()).decode()
        except InvalidToken:
            raise ConfigError(
                "无法解密批量条目的投递密钥：HUATI_SECRETS_KEY 与提交任务时的不同（所有进程必须相同）",
                field="secrets_key",
            ) from None

    return _each_secret(value, unlock)
