"""Reading one YAML file of the product knowledge into a pydantic model, with `path:line: reason` errors.

Shared by the type library, the selling-point lexicon and the occasion vocabulary (each a mapping at the top).
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ValidationError

from assistant.errors import DataError
from assistant.knowledge.files import display_path, yaml_line, yaml_problem


def fail(path: Path, line: int, reason: str) -> DataError:
    return DataError(f"{display_path(path)}:{line}: {reason}")


def parse(path: Path) -> tuple[Any, yaml.Node | None]:
    """The file's data and its node tree (for line numbers), read once with the C loader when present."""
    text = path.read_text(encoding="utf-8")
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)(text)
    try:
        node = loader.get_single_node()
        return (loader.construct_document(node) if node is not None else None), node
    except yaml.YAMLError as exc:
        raise fail(path, yaml_line(exc), f"YAML 格式错误：{yaml_problem(exc)}") from exc
    finally:
        loader.dispose()


def node_line(node: yaml.Node | None, loc: Iterable[Any]) -> int:
    """1-based line of the value at `loc` (keys and list indexes) inside `node`, as deep as it exists."""
    line = node.start_mark.line + 1 if node is not None else 1
    for part in loc:
        if isinstance(node, yaml.MappingNode):
            hit = next(((k, v) for k, v in node.value if k.value == part), None)
            if hit is None:
                break
            line, node = hit[0].start_mark.line + 1, hit[1]
        elif isinstance(node, yaml.SequenceNode) and isinstance(part, int) and part < len(node.value):
            node = node.value[part]
            line = node.start_mark.line + 1
        else:
            break
    return line


def reason(err: Any) -> str:
    """One pydantic error as a short Chinese reason naming the field."""
    loc = ".".join(str(p) for p in err["loc"])
    kind, ctx, value = err["type"], err.get("ctx") or {}, err.get("input")
    if kind == "missing":
        return f"缺少必填字段 {loc}"
    if kind == "extra_forbidden":
        return f"不认识的字段 {loc}"
    if kind in ("literal_error", "enum"):
        allowed = str(ctx.get("expected", "")).replace("'", "").replace(" or ", ", ")
        return f"字段 {loc} 的值 {value!r} 不在词表里（可选：{allowed}）"
    if kind == "too_short":
        return f"字段 {loc} 至少要 {ctx.get('min_length')} 条（现在 {len(value or [])} 条）"
    if kind == "string_pattern_mismatch":
        return f"字段 {loc} 只能用小写英文字母、数字和短横线（当前：{value!r}）"
    if kind == "string_type":
        return f'字段 {loc} 应是文字（当前值：{value!r}；数字请加引号，例如 "618"）'
    if kind in ("list_type", "dict_type"):
        return f"字段 {loc} 应是{'列表（例如 [甲, 乙]）' if kind == 'list_type' else '键值对'}（当前值：{value!r}）"
    if kind in ("int_type", "int_parsing"):
        return f"字段 {loc} 应是整数（当前值：{value!r}）"
    if kind == "value_error":
        return f"字段 {loc} 无效：{ctx.get('error', err['msg'])}"
    return f"字段 {loc} 无效：{err['msg']}（当前值：{value!r}）"


def validated(path: Path, model: type[BaseModel]) -> tuple[Any, yaml.Node | None]:
    """`model` built from the mapping in `path`, and the node tree; DataError `path:line: reason`."""
    data, node = parse(path)
    if not isinstance(data, dict):
        raise fail(path, 1, "文件应是键值对（字段: 值）")
    try:
        return model.model_validate(data), node
    except ValidationError as exc:
        err = exc.errors()[0]
        loc = err["loc"]
        if err["type"] == "missing":
            loc = loc[:-1]  # a missing field: where its mapping starts
        raise fail(path, node_line(node, loc), reason(err)) from exc
