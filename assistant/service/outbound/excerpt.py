"""What a receiver answered, as stored and shown: its status and a short, sanitised excerpt of its body."""

from __future__ import annotations

import html
import re
import unicodedata
from typing import Any

import httpx

EXCERPT_LIMIT = 200
READ_LIMIT = 64 * 1024  # never keep more of a receiver's answer than this

_SECRET_NAMES = (
    r"api[_-]?key|apikey|access[_-]?token|refresh[_-]?token|id[_-]?token|token|secret|client[_-]?secret|"
    r"password|passwd|pwd|authorization|auth|signature|sig|session(?:id)?|cookie|credentials?|key"
)
_SECRET_PAIR = re.compile(
    rf"""(?ix)
    (?P<name>["']?\b(?:{_SECRET_NAMES})\b["']?)   # name, maybe quoted (JSON, query strings, headers)
    (?P<sep>\s*[=:]\s*)
    (?P<quote>["']?)
    (?P<value>(?:(?:bearer|basic|token)\s+)?[^\s"'&,;<>}}\]]+)
    """
)
_BEARER = re.compile(r"(?i)\b(bearer|basic|token)\s+[A-Za-z0-9._~+/=-]{6,}")
_PREFIXED_KEY = re.compile(r"\b(hk|sk|pk|rk|ak|key)[_-][A-Za-z0-9_-]{8,}")
_USERINFO = re.compile(r"(?i)\b([a-z][a-z0-9+.-]*://)[^/\s@]+@")
_OPAQUE = re.compile(r"\b(?=[A-Za-z0-9_-]*\d)(?=[A-Za-z0-9_-]*[A-Za-z])[A-Za-z0-9_-]{32,}\b")
_BLOCKS = re.compile(r"(?is)<(script|style|template|noscript)\b.*?(</\1\s*>|$)|<!--.*?(-->|$)")
_TAG = re.compile(r"(?s)<[!/?A-Za-z][^>]*>?")


def mask_secrets(text: str) -> str:
    text = _USERINFO.sub(r"\1***@", text)
    text = _SECRET_PAIR.sub(lambda m: f"{m['name']}{m['sep']}{m['quote']}***", text)
    text = _BEARER.sub(lambda m: f"{m.group(1)} ***", text)
    text = _PREFIXED_KEY.sub(lambda m: f"{m.group(1)}_***", text)
    return _OPAQUE.sub("***", text)


def _plain(text: str) -> str:
    """Drop markup: script/style blocks and comments entirely, tags replaced by a space; entities decoded
    once, and any `<`/`>` left after that (including decoded `&lt;script&gt;`) turned into ‹ ›."""
    text = _TAG.sub(" ", _BLOCKS.sub(" ", text))
    text = html.unescape(text)
    return text.replace("<", "‹").replace(">", "›")


_ANSI = re.compile(r"\x1b\[[0-?]*[ -/]*[@-~]|\x1b[@-_]")


def _visible(text: str) -> str:
    """Terminal escape sequences dropped; Control characters (C0/C1, DEL), format characters (bidi overrides, zero-width), line/paragraph
    separators become spaces; runs of whitespace collapse."""
    out = []
    for ch in _ANSI.sub("", text):
        category = unicodedata.category(ch)
        out.append(" " if category in ("Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp") else ch)
    return " ".join("".join(out).split())


def sanitize_excerpt(body: bytes | str, *, limit: int = EXCERPT_LIMIT, encoding: str | None = None) -> str:
    """At most `limit` characters of plain, single-line text with secrets masked."""
    if isinstance(body, bytes):
        body = body[:READ_LIMIT].decode(encoding or "utf-8", "replace")
    text = _visible(_plain(body[: READ_LIMIT * 2]))
    text = mask_secrets(text)
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def summarize_response(
    response: httpx.Response, body: bytes | None = None, *, limit: int = EXCERPT_LIMIT
) -> dict[str, Any]:
    """`{"status_code": 200, "excerpt": "..."}` for storing/showing what a receiver answered.

    `body`: what `read_capped` returned for a streamed response; else the (read) response's content.
    A 3xx says where it pointed; it is never followed."""
    if response.is_redirect:
        target = response.headers.get("location", "")
        excerpt = sanitize_excerpt(f"重定向到 {sanitize_excerpt(target, limit=120)}（未跟随）", limit=limit)
    else:
        raw = response.content if body is None else body
        excerpt = sanitize_excerpt(raw, limit=limit, encoding=response.charset_encoding)
    return {"status_code": response.status_code, "excerpt": excerpt}


def read_capped(response: httpx.Response, max_bytes: int = READ_LIMIT) -> bytes:
    """At most `max_bytes` of a streamed response (`with client.stream(...) as response:`), then close it.

    Raw bytes (no decompression, so no gzip bomb): the outbound clients send `Accept-Encoding: identity`."""
    chunks, size = [], 0
    try:
        for chunk in response.iter_raw():
            chunks.append(chunk[: max_bytes - size])
            size += len(chunks[-1])
            if size >= max_bytes:
                break
    finally:
        response.close()
    return b"".join(chunks)


async def aread_capped(response: httpx.Response, max_bytes: int = READ_LIMIT) -> bytes:
    chunks, size = [], 0
    try:
        async for chunk in response.aiter_raw():
            chunks.append(chunk[: max_bytes - size])
            size += len(chunks[-1])
            if size >= max_bytes:
                break
    finally:
        await response.aclose()
    return b"".join(chunks)
