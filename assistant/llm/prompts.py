"""Prompt templates: `prompts/*.j2`, rendered strictly (StrictUndefined), each with a version.

A template declares its version with `{% set version = "draft-1" %}`; `render` returns it with the text.
Untrusted text goes in through the `data` filter: a JSON string inside a fenced data block, so it can
never close the block or read as instructions.
"""

from __future__ import annotations

import json
import re
from functools import lru_cache
from pathlib import Path
from typing import Any

from assistant.errors import ConfigError
from assistant.settings import Settings, get_settings

_VERSION = re.compile(r"""\{%-?\s*set\s+version\s*=\s*["']([^"']+)["']\s*-?%\}""")
DATA_FENCE = "<<<DATA"
DATA_END = "DATA>>>"


def quote_data(value: Any) -> str:
    """Untrusted text as a JSON literal with the block delimiters and angle brackets escaped."""
    from jinja2 import Undefined

    if isinstance(value, Undefined):
        str(value)  # StrictUndefined raises UndefinedError naming the variable
    text = json.dumps(value, ensure_ascii=False, default=str)
    return text.replace("<", "\\u003c").replace(">", "\\u003e")


@lru_cache(maxsize=8)
def _env(prompts_dir: str):
    from jinja2 import Environment, FileSystemLoader, StrictUndefined

    env = Environment(
        loader=FileSystemLoader(prompts_dir),
        undefined=StrictUndefined,
        autoescape=False,
        keep_trailing_newline=False,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["data"] = quote_data
    env.globals["DATA_FENCE"] = DATA_FENCE
    env.globals["DATA_END"] = DATA_END
    return env


def _path(name: str, settings: Settings) -> Path:
    return Path(settings.prompts_dir) / f"{name}.j2"


def version(name: str, settings: Settings | None = None) -> str:
    settings = settings or get_settings()
    path = _path(name, settings)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError as exc:
        raise ConfigError(f"找不到提示词模板 {path}", hint="检查 HUATI_PROMPTS_DIR") from exc
    m = _VERSION.search(text)
    if not m:
        raise ConfigError(f"提示词模板 {path.name} 没有声明版本", hint='在开头加上 {% set version = "..." %}')
    return m.group(1)


def render(name: str, settings: Settings | None = None, **variables: Any) -> tuple[str, str]:
    """Render `prompts/<name>.j2`; returns (text, version). Missing variables raise ConfigError."""
    from jinja2 import TemplateError, UndefinedError

    settings = settings or get_settings()
    ver = version(name, settings)
    try:
        text = _env(str(settings.prompts_dir)).get_template(f"{name}.j2").render(**variables)
    except UndefinedError as exc:
        raise ConfigError(f"提示词模板 {name}.j2 缺少变量：{exc.message}") from exc
    except TemplateError as exc:
        raise ConfigError(f"提示词模板 {name}.j2 有误：{exc}") from exc
    return text.strip(), ver
