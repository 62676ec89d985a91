"""YAML from outside (the front matter of pushed cases): no anchors or aliases, core tags only, bounded.

`_StrictLoader` is a SafeLoader that checks each parser event before composing it: the "billion laughs" alias
bomb is refused at its first anchor, before anything is expanded; unusual tags (`!!python/...`, `!!binary`,
custom ones), duplicate keys, deep nesting, too many values and over-long numbers are refused too. Errors are
`UntrustedInputError` with the line in the file.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, replace
from typing import Any

import yaml
from yaml.events import (
    AliasEvent,
    CollectionStartEvent,
    MappingStartEvent,
    NodeEvent,
    ScalarEvent,
    SequenceStartEvent,
)

from assistant.knowledge.untrusted import (
    DEFAULT_LIMITS,
    FRONT_MATTER_LIMITS,
    SURROGATE,
    Limits,
    UntrustedInputError,
    shown,
    size_check,
    walk,
)

_CORE_TAGS = {f"tag:yaml.org,2002:{name}" for name in ("str", "int", "float", "bool", "null", "seq", "map")}


class _StrictLoader(yaml.SafeLoader):
    """SafeLoader that refuses anchors, aliases, unusual tags, duplicate keys, deep nesting, too many nodes
    and over-long numbers, each at the event where it appears (before anything is built)."""

    limits: Limits = FRONT_MATTER_LIMITS
    line_offset = 0

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self._depth = 0
        self._nodes = 0

    def _fail(self, message: str, event: Any, reason: str) -> UntrustedInputError:
        line = event.start_mark.line + 1 + self.line_offset if event is not None else None
        where = f"（第 {line} 行）" if line else ""
        return UntrustedInputError(f"{message}{where}", reason=reason, line=line)

    def compose_node(self, parent: Any, index: Any) -> Any:
        event = self.peek_event()
        if isinstance(event, AliasEvent):
            raise self._fail("YAML 不允许使用别名（*名称）", event, "alias")
        if isinstance(event, NodeEvent) and event.anchor is not None:
            raise self._fail("YAML 不允许使用锚点（&名称）", event, "anchor")
        tag = getattr(event, "tag", None)
        explicit = (
            tag is not None
            and tag != "!"
            and not (isinstance(event, ScalarEvent) and event.implicit[0])
            and not (isinstance(event, CollectionStartEvent) and event.implicit)
        )
        if explicit and tag not in _CORE_TAGS:
            raise self._fail(f"YAML 不允许使用标签 {tag}", event, f"tag {tag}")
        self._nodes += 1
        if self._nodes > self.limits.max_nodes:
            raise self._fail(f"YAML 内容太多：超过 {self.limits.max_nodes} 个值", event, "too many nodes")
        if isinstance(event, SequenceStartEvent | MappingStartEvent):
            self._depth += 1
            if self._depth > self.limits.max_depth:
                raise self._fail(f"YAML 嵌套太深：超过 {self.limits.max_depth} 层", event, "too deep")
            try:
                return super().compose_node(parent, index)
            finally:
                self._depth -= 1
        return super().compose_node(parent, index)

    def construct_mapping(self, node: Any, deep: bool = False) -> Any:
        seen: set[Any] = set()
        for key_node, _ in node.value:
            key = key_node.value if isinstance(key_node, yaml.ScalarNode) else id(key_node)
            if key in seen:
                line = key_node.start_mark.line + 1 + self.line_offset
                raise UntrustedInputError(
                    f"YAML 的键 “{shown(str(key))}” 出现了不止一次（第 {line} 行）",
                    reason="duplicate key",
                    line=line,
                )
            seen.add(key)
        return super().construct_mapping(node, deep=deep)

    def _number_text(self, node: Any) -> None:
        if len(node.value) > self.limits.max_number_chars:
            line = node.start_mark.line + 1 + self.line_offset
            raise UntrustedInputError(
                f"数字太长：{len(node.value)} 个字符，最多 {self.limits.max_number_chars} 个（第 {line} 行）",
                reason="number too long",
                line=line,
            )

    def construct_yaml_int(self, node: Any) -> int:
        self._number_text(node)
        return super().construct_yaml_int(node)

    def construct_yaml_float(self, node: Any) -> float:
        self._number_text(node)
        return super().construct_yaml_float(node)


_StrictLoader.add_constructor("tag:yaml.org,2002:int", _StrictLoader.construct_yaml_int)
_StrictLoader.add_constructor("tag:yaml.org,2002:float", _StrictLoader.construct_yaml_float)


@functools.lru_cache(maxsize=32)
def _loader_class(limits: Limits, line_offset: int) -> type[_StrictLoader]:
    return type("StrictLoader", (_StrictLoader,), {"limits": limits, "line_offset": line_offset})


def load_yaml(text: str, limits: Limits = FRONT_MATTER_LIMITS, *, line_offset: int = 0) -> Any:
    """One YAML document → data, under `limits`. `line_offset` shifts reported lines (front matter starts
    on line 2 of its file)."""
    size_check(len(text.encode("utf-8", "surrogatepass")), limits, "YAML")
    loader = _loader_class(limits, line_offset)(text)
    try:
        data = loader.get_single_data()
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 + line_offset if mark is not None else None
        raise UntrustedInputError(
            f"YAML 格式错误：{exc.problem or exc.context}" + (f"（第 {line} 行）" if line else ""),
            reason=str(exc.problem or exc),
            line=line,
        ) from None
    except yaml.YAMLError as exc:
        raise UntrustedInputError(f"YAML 格式错误：{exc}", reason=str(exc)) from None
    finally:
        loader.dispose()
    return walk(data, limits) if isinstance(data, dict | list | str) else data


@dataclass(frozen=True)
class FrontMatterDocument:
    meta: dict[str, Any]
    body: str
    body_line: int  # 1-based line where the body starts


def parse_front_matter(
    text: str, limits: Limits = FRONT_MATTER_LIMITS, *, document_limit: int = DEFAULT_LIMITS.max_bytes
) -> FrontMatterDocument:
    """`---\\n<yaml>\\n---\\n<markdown>` → meta (a mapping) and body."""
    size_check(len(text.encode("utf-8", "surrogatepass")), replace(limits, max_bytes=document_limit), "文档")
    if SURROGATE.search(text):
        raise UntrustedInputError(
            "文档含有不成对的代理字符，不是合法的 Unicode 文本", reason="lone surrogate"
        )
    lines = text.lstrip("\ufeff").splitlines(keepends=True)
    if not lines or lines[0].strip() != "---":
        raise UntrustedInputError("缺少 YAML 头部：文件第一行应是 ---", line=1)
    end = next((i for i in range(1, len(lines)) if lines[i].strip() == "---"), None)
    if end is None:
        raise UntrustedInputError("YAML 头部没有结束：找不到第二个 ---", line=1)
    meta = load_yaml("".join(lines[1:end]), limits, line_offset=1)
    if not isinstance(meta, dict):
        raise UntrustedInputError("YAML 头部应是键值对（字段: 值）", line=2)
    return FrontMatterDocument(meta, "".join(lines[end + 1 :]), end + 2)
