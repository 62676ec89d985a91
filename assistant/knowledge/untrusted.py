"""Parsing documents that come from outside (request bodies, pushed cases, imported hot lists) safely.

Every function here either returns plain data (dict / list / str / int / float / bool / None) or raises
`UntrustedInputError` with a Chinese `message` (and the line, when known). Nothing raises RecursionError,
a bare ValueError from int() or UnicodeEncodeError later on.

JSON: a size limit, a nesting-depth limit (checked on the parsed data; the C parser's own RecursionError at
~1000 levels is caught), integers of at most `max_int_digits` digits (Python 3.11 refuses to parse ints of
more than 4300 digits with a bare ValueError), no NaN / Infinity, no duplicate keys, and lone surrogates
(`"\\ud800"`, which json.loads accepts but nothing can encode to UTF-8 later) refused or replaced.
YAML front matter: `assistant.knowledge.safe_yaml`, with the same error type and limits.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any, Literal


class UntrustedInputError(ValueError):
    """Refused input. `message`: Chinese, for the user; `reason`: English, for logs; `line`: 1-based or None;
    `where`: a JSON path such as `items[3].title` when known."""

    def __init__(self, message: str, *, reason: str = "", line: int | None = None, where: str | None = None):
        super().__init__(message)
        self.message = message
        self.reason = reason or message
        self.line = line
        self.where = where


@dataclass(frozen=True)
class Limits:
    max_bytes: int = 1_000_000  # the API's default body limit (HUATI_API_MAX_BODY_BYTES)
    max_depth: int = 32  # nested objects / arrays (or YAML mappings / sequences)
    max_nodes: int = 200_000  # values in one document
    max_int_digits: int = 20  # enough for any 64-bit integer
    max_number_chars: int = 64  # the text of one number (ints, floats, YAML numbers)
    surrogates: Literal["reject", "replace"] = "reject"
    duplicate_keys: Literal["reject", "last"] = "reject"


DEFAULT_LIMITS = Limits()
FRONT_MATTER_LIMITS = Limits(max_bytes=64 * 1024, max_depth=8, max_nodes=5_000)
OFF_LOOP_BYTES = 64 * 1024  # bodies above this are parsed in a worker thread

SURROGATE = re.compile("[\ud800-\udfff]")


def size_check(size: int, limits: Limits, what: str) -> None:
    if size > limits.max_bytes:
        raise UntrustedInputError(
            f"{what}太大：{size} 字节，最多 {limits.max_bytes} 字节",
            reason=f"{size} bytes > {limits.max_bytes}",
        )


def decode_utf8(raw: bytes, limits: Limits = DEFAULT_LIMITS, what: str = "请求体") -> str:
    size_check(len(raw), limits, what)
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        raise UntrustedInputError(
            f"{what}不是 UTF-8 编码（第 {line} 行）",
            reason=f"UnicodeDecodeError at byte {exc.start}",
            line=line,
        ) from None


# --------------------------------------------------------------------------- JSON


def shown(text: str, limit: int = 50) -> str:
    """Safe to put in a message: lone surrogates as \\udXXX escapes (they cannot be encoded), cut short."""
    text = text if len(text) <= limit else text[:limit] + "…"
    return text.encode("utf-8", "backslashreplace").decode("utf-8")


def _path(parts: tuple[str | int, ...]) -> str:
    out = ""
    for p in parts:
        out += f"[{p}]" if isinstance(p, int) else (f".{shown(p)}" if out else shown(p))
    return out or "（顶层）"


def walk(data: Any, limits: Limits) -> Any:
    """Depth, node count and lone surrogates, iteratively (no recursion of our own). Returns the data, with
    surrogates replaced by U+FFFD when `limits.surrogates == "replace"`."""
    replace_mode = limits.surrogates == "replace"

    def clean(value: str, where: tuple[str | int, ...]) -> str:
        if value.isascii() or not SURROGATE.search(value):
            return value
        if replace_mode:
            return SURROGATE.sub("\ufffd", value)
        raise UntrustedInputError(
            f"{_path(where)} 含有不成对的代理字符（如 \\ud800），不是合法的 Unicode 文本",
            reason="lone surrogate",
            where=_path(where),
        )

    if isinstance(data, str):
        return clean(data, ())
    nodes = 0
    stack: list[tuple[Any, tuple[str | int, ...]]] = [(data, ())]
    while stack:
        node, where = stack.pop()
        nodes += 1
        if nodes > limits.max_nodes:
            raise UntrustedInputError(f"内容太多：超过 {limits.max_nodes} 个值", reason="too many nodes")
        if len(where) + 1 > limits.max_depth:  # this container sits inside len(where) others
            raise UntrustedInputError(
                f"嵌套太深：超过 {limits.max_depth} 层（位置 {_path(where[: limits.max_depth])}…）",
                reason=f"depth > {limits.max_depth}",
                where=_path(where[: limits.max_depth]),
            )
        if isinstance(node, dict):
            for key in list(node):
                value = node[key]
                new_key = clean(key, (*where, key)) if isinstance(key, str) else key
                if isinstance(value, str):
                    value = clean(value, (*where, new_key))
                elif isinstance(value, dict | list):
                    stack.append((value, (*where, new_key)))
                if new_key is not key:
                    del node[key]
                node[new_key] = value
        elif isinstance(node, list):
            for i, value in enumerate(node):
                if isinstance(value, str):
                    node[i] = clean(value, (*where, i))
                elif isinstance(value, dict | list):
                    stack.append((value, (*where, i)))
    return data


_JSON_REASONS = [  # json.JSONDecodeError.msg prefixes
    ("Expecting value", "这里缺少一个值"),
    ("Extra data", "JSON 结束后还有多余的内容"),
    ("Expecting property name enclosed in double quotes", "属性名要用英文双引号括起来"),
    ("Expecting ':' delimiter", "缺少冒号 :"),
    ("Expecting ',' delimiter", "缺少逗号 ,"),
    ("Unterminated string", "字符串没有结束（缺少右引号）"),
    ("Invalid control character", "字符串里有不允许的控制字符（例如没转义的换行）"),
    ("Invalid \\", "反斜杠转义写法不对"),
    ("Illegal trailing comma", "结尾多了一个逗号"),
]


def json_reason(msg: str, doc: str | bytes | None, pos: int | None) -> str:
    """A Chinese reason for a JSON syntax error, with where it happened (line and column)."""
    reason = next((zh for en, zh in _JSON_REASONS if msg.startswith(en)), "格式不对")
    if isinstance(doc, bytes):
        doc = doc.decode("utf-8", "replace")
    if isinstance(doc, str) and isinstance(pos, int):
        if not doc[pos:].strip() and msg != "Extra data":
            return "JSON 没写完（在结尾处中断）"
        line = doc.count("\n", 0, pos) + 1
        column = pos - (doc.rfind("\n", 0, pos) + 1) + 1
        return f"{reason}（第 {line} 行第 {column} 列）"
    return reason


def _json_hooks(limits: Limits) -> dict[str, Callable[..., Any]]:
    def parse_int(text: str) -> int:
        digits = len(text) - (text[0] == "-")
        if digits > limits.max_int_digits:
            raise UntrustedInputError(
                f"整数太长：{digits} 位，最多 {limits.max_int_digits} 位", reason=f"int of {digits} digits"
            )
        return int(text)

    def parse_float(text: str) -> float:
        if len(text) > limits.max_number_chars:
            raise UntrustedInputError(
                f"数字太长：{len(text)} 个字符，最多 {limits.max_number_chars} 个", reason="number too long"
            )
        value = float(text)
        if not math.isfinite(value):
            raise UntrustedInputError(f"数字超出范围：{text[:20]}", reason="float overflow")
        return value

    def parse_constant(name: str) -> float:
        raise UntrustedInputError(f"JSON 不允许 {name}（只能是有限的数字）", reason=f"constant {name}")

    def pairs(items: list[tuple[str, Any]]) -> dict[str, Any]:
        out = dict(items)
        if len(out) != len(items) and limits.duplicate_keys == "reject":
            seen: set[str] = set()
            dup = next(k for k, _ in items if k in seen or seen.add(k))  # type: ignore[func-returns-value]
            raise UntrustedInputError(f"对象里的键 “{shown(dup)}” 出现了不止一次", reason="duplicate key")
        return out

    return {
        "parse_int": parse_int,
        "parse_float": parse_float,
        "parse_constant": parse_constant,
        "object_pairs_hook": pairs,
    }


def parse_json(source: str | bytes, limits: Limits = DEFAULT_LIMITS, *, what: str = "请求体") -> Any:
    """JSON text → data, under `limits`; UntrustedInputError otherwise."""
    if isinstance(source, bytes):
        text = decode_utf8(source, limits, what)
    else:
        size_check(len(source.encode("utf-8", "surrogatepass")), limits, what)
        text = source.lstrip("\ufeff")
    try:
        hooks = _json_hooks(limits)
        data = json.loads(
            text,
            parse_int=hooks["parse_int"],
            parse_float=hooks["parse_float"],
            parse_constant=hooks["parse_constant"],
            object_pairs_hook=hooks["object_pairs_hook"],
        )
    except UntrustedInputError:
        raise
    except json.JSONDecodeError as exc:
        raise UntrustedInputError(
            f"不是合法的 JSON：{json_reason(exc.msg, exc.doc, exc.pos)}", reason=exc.msg, line=exc.lineno
        ) from None
    except RecursionError:
        raise UntrustedInputError(
            f"嵌套太深：超过 {limits.max_depth} 层", reason="RecursionError in json.loads"
        ) from None
    except ValueError as exc:  # e.g. "Exceeds the limit (4300 digits) for integer string conversion"
        raise UntrustedInputError("数字太长或格式不对", reason=str(exc)[:200]) from None
    return walk(data, limits)


def parse_json_lines(
    text: str, limits: Limits = DEFAULT_LIMITS
) -> list[tuple[int, Any | UntrustedInputError]]:
    """JSONL: (line number, data or the error for that line); blank and `//` lines skipped. The size limit
    applies to the whole text, the other limits to each line."""
    size_check(len(text.encode("utf-8", "surrogatepass")), limits, "文件")
    per_line = replace(limits, max_bytes=max(limits.max_bytes, 1))
    out: list[tuple[int, Any | UntrustedInputError]] = []
    for lineno, line in enumerate(text.lstrip("\ufeff").splitlines(), 1):
        if not line.strip() or line.lstrip().startswith("//"):
            continue
        try:
            out.append((lineno, parse_json(line, per_line)))
        except UntrustedInputError as exc:
            exc.line = lineno
            out.append((lineno, exc))
    return out


def parse_json_body(raw: bytes, limits: Limits = DEFAULT_LIMITS) -> Any:
    """For a route (or dependency) that reads the body itself: `data = parse_json_body(await request.body())`,
    then `Model.model_validate(data)`."""
    if not raw.strip():
        raise UntrustedInputError("请求体为空", reason="empty body")
    return parse_json(raw, limits)
