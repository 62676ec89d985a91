"""Reading the knowledge base's files: cached loads, YAML lists validated into pydantic models, and errors
reported as `path:line: reason` (shared by the product, audience and case loaders)."""

from __future__ import annotations

import hashlib
import os
import pickle
import re
import sys
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ValidationError

from assistant.errors import DataError
from assistant.settings import Settings, get_settings


def norm_key(text: str) -> str:
    """Key for lookups: NFKC (full/half width), lower case, no whitespace."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text)).lower()


def kb_dir(settings: Settings | None) -> Path:
    return (settings or get_settings()).kb_dir


def display_path(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def fail(path: Path, line: int, reason: str) -> DataError:
    return DataError(f"{display_path(path)}:{line}: {reason}")


def _signature(files: Sequence[Path]) -> tuple:
    return tuple((str(f), f.stat().st_mtime_ns, f.stat().st_size) for f in files)


_CACHE: dict[tuple[str, str], tuple[tuple, Any]] = {}


def cached(kind: str, directory: Path, pattern: str, build: Any, disk: Path | None = None) -> Any:
    """`build(files)` once per change of the files. With `disk` (a directory under HUATI_HOME) the built value
    is also kept there as a pickle, so a new process skips the build; the pickle's key is the files' names,
    times and sizes and the builder's own source, and an unreadable one is simply rebuilt."""
    files = sorted(directory.glob(pattern)) if directory.is_dir() else []
    key = (kind, str(directory.resolve()))
    sig = _signature(files)
    hit = _CACHE.get(key)
    if hit is not None and hit[0] == sig:
        return hit[1]
    stored = disk / f"{kind}-{_disk_key(kind, sig, build)}.pickle" if disk is not None else None
    value = _from_disk(stored) if stored is not None else None
    if value is None:
        value = build(files)
        if stored is not None:
            _to_disk(stored, kind, value)
    _CACHE[key] = (sig, value)
    return value


def _disk_key(kind: str, sig: tuple, build: Any) -> str:
    module = sys.modules.get(getattr(build, "__module__", ""), None)
    package = Path(getattr(module, "__file__", "") or ".").parent  # the builder's package: its models too
    code = tuple((f.name, f.stat().st_mtime_ns) for f in sorted(package.glob("*.py")))
    raw = repr((kind, sig, code, sys.version_info[:2])).encode()
    return hashlib.sha256(raw).hexdigest()[:20]


def _from_disk(path: Path) -> Any:
    try:
        with path.open("rb") as fh:
            return pickle.load(fh)  # our own file in the owner-only home
    except FileNotFoundError:
        return None
    except Exception:  # a broken or stale cache file is rebuilt, never fatal
        return None


def _to_disk(path: Path, kind: str, value: Any) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        for old in path.parent.glob(f"{kind}-*.pickle"):
            old.unlink(missing_ok=True)
        tmp = path.with_suffix(f".{os.getpid()}.tmp")
        tmp.write_bytes(pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL))
        os.replace(tmp, path)
    except (OSError, pickle.PicklingError, TypeError, AttributeError):
        pass  # a read-only home or an unpicklable value: the in-memory cache still holds


def clear_cache() -> None:
    """Forget every cached load (tests that edit files in place)."""
    _CACHE.clear()


# --------------------------------------------------------------------------- YAML lists


def yaml_line(exc: yaml.YAMLError) -> int:
    """1-based line of a YAML error: where an unclosed bracket/quote opened, else where parsing failed."""
    context = str(getattr(exc, "context", "") or "")
    context_mark = getattr(exc, "context_mark", None)
    problem_mark = getattr(exc, "problem_mark", None)
    if context_mark is not None and ("flow" in context or "quoted" in context):
        return context_mark.line + 1
    mark = problem_mark or context_mark
    return mark.line + 1 if mark is not None else 1


def yaml_problem(exc: yaml.YAMLError) -> str:
    problem = str(getattr(exc, "problem", None) or exc)
    context = str(getattr(exc, "context", "") or "")
    if "flow" in context:
        return f"方括号或花括号没有闭合（{problem}）"
    if "quoted" in context:
        return f"引号没有闭合（{problem}）"
    return problem


def yaml_items(
    path: Path,
    model: type[BaseModel],
    line_offset: int = 0,
    check: Callable[[Any], tuple[str, str] | None] | None = None,
) -> list[Any]:
    """Parse a YAML list of mappings into `model`, reporting `path:line: reason`. `check(item)` may return
    (field, reason) for a valid-looking item that is still wrong (an unknown trait ...)."""
    text = path.read_text(encoding="utf-8")
    try:
        loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml when present: the same, faster
        root = yaml.compose(text, Loader=loader)
        data = yaml.load(text, Loader=loader)  # safe loader
    except yaml.YAMLError as exc:
        raise fail(path, yaml_line(exc) + line_offset, f"YAML 格式错误：{yaml_problem(exc)}") from exc
    if data is None:
        return []
    if not isinstance(data, list) or not isinstance(root, yaml.SequenceNode):
        raise fail(path, 1, "文件应是一个 YAML 列表（每项以 - 开头）")
    items = []
    for index, (raw, node) in enumerate(zip(data, root.value, strict=True)):
        line = node.start_mark.line + 1
        if not isinstance(raw, dict):
            raise fail(path, line, f"第 {index + 1} 项应是键值对（字段: 值）")
        try:
            items.append(model.model_validate(raw))
        except ValidationError as exc:
            err = exc.errors()[0]
            field = str(err["loc"][0]) if err["loc"] else ""
            for key, _value in getattr(node, "value", []):
                if key.value == field:
                    line = key.start_mark.line + 1
                    break
            raise fail(path, line, f"第 {index + 1} 项：{pydantic_reason(err)}") from exc
        problem = check(items[-1]) if check else None
        if problem:
            field, why = problem
            line = next(
                (k.start_mark.line + 1 for k, _v in getattr(node, "value", []) if k.value == field), line
            )
            raise fail(path, line, f"第 {index + 1} 项：字段 {field} 无效：{why}")
    return items


def pydantic_reason(err: Any) -> str:
    """A pydantic error as a short Chinese reason."""
    loc = ".".join(str(p) for p in err["loc"])
    if err["type"] == "missing":
        return f"缺少必填字段 {loc}"
    ctx = err.get("ctx") or {}
    msg = {
        "literal_error": f"应为 {str(ctx.get('expected', '')).replace(' or ', '、')} 之一",
        "list_type": "应是列表（例如 [甲, 乙]）",
        "string_type": "应是文字",
        "dict_type": "应是键值对",
        "bool_parsing": "应是 true 或 false",
        "string_pattern_mismatch": '格式不对（时间请写成 "HH:MM"）' if "\\d{2}:" in str(ctx) else "格式不对",
    }.get(err["type"], err["msg"])
    return f"字段 {loc} 无效：{msg}（当前值：{err.get('input')!r}）"


def unique_ids(items: Iterable[Any], files: Sequence[Path], what: str) -> None:
    seen: set[str] = set()
    for item in items:
        if item.id in seen:
            raise DataError(f"{display_path(files[0].parent)}: {what} id 重复：{item.id}")
        seen.add(item.id)
