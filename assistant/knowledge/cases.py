"""Case studies and Huati playbooks (`knowledge_base/cases/*.md`): Markdown with YAML front matter."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ValidationError, field_validator

from assistant.errors import DataError
from assistant.knowledge.files import (
    cached,
    display_path,
    fail,
    kb_dir,
    pydantic_reason,
    yaml_line,
    yaml_problem,
)
from assistant.knowledge.safe_yaml import parse_front_matter
from assistant.knowledge.untrusted import UntrustedInputError
from assistant.settings import Settings


class Case(BaseModel):
    """A case study or a Huati playbook from `knowledge_base/cases/*.md`."""

    id: str
    title: str
    kind: Literal["case", "playbook"]
    brand: str = ""
    industry: str = ""
    platform: str = ""
    audience: list[str] = []
    tactics: list[str] = []
    categories: list[str] = []
    source: str
    body: str
    path: str = ""

    @field_validator("audience", "tactics", "categories", mode="before")
    @classmethod
    def _listify(cls, value: Any) -> Any:
        if isinstance(value, str):
            return [v for v in re.split(r"[,，、]\s*", value) if v]
        return [] if value is None else value

    @field_validator("id", "title", "source", "body")
    @classmethod
    def _not_blank(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("不能为空")
        return value.strip()


CASE_REQUIRED = ("id", "title", "kind", "source")


def split_front_matter(text: str) -> tuple[str, str, int]:
    """(front matter, body, body's first line). ValueError(line, reason) when the fences are wrong."""
    lines = text.lstrip("\ufeff").splitlines(keepends=True)
    if not lines or lines[0].strip() != "---":
        raise ValueError(1, "缺少 YAML 头部：文件第一行应是 ---")
    for i in range(1, len(lines)):
        if lines[i].strip() == "---":
            return "".join(lines[1:i]), "".join(lines[i + 1 :]), i + 2
    raise ValueError(1, "YAML 头部没有结束：找不到第二个 ---")


def parse_case(path: Path | str, text: str | None = None, kb_dir: Path | None = None) -> Case:
    """One case file; DataError `path:line: reason` if malformed."""
    path = Path(path)
    if text is None:
        try:
            text = path.read_text(encoding="utf-8")
        except UnicodeDecodeError as exc:
            raise fail(path, 1, "文件不是 UTF-8 编码") from exc
    try:
        head, body, body_line = split_front_matter(text)
    except ValueError as exc:
        line, reason = exc.args
        raise fail(path, line, reason) from exc
    try:  # untrusted (pushed through the API): no anchors / aliases, core tags, bounded
        meta = parse_front_matter(text).meta
    except UntrustedInputError as exc:
        try:  # a plain syntax error keeps its precise wording (events only: linear, nothing expanded)
            for _event in yaml.parse(head, Loader=yaml.SafeLoader):
                pass
        except yaml.YAMLError as syntax:
            raise fail(path, yaml_line(syntax) + 1, f"YAML 头部格式错误：{yaml_problem(syntax)}") from exc
        line = exc.line or 1
        raise fail(path, line, exc.message.removesuffix(f"（第 {line} 行）")) from exc  # `path:line:` says it
    node = yaml.compose(head, Loader=yaml.SafeLoader)  # safe now: no aliases left to expand
    key_lines = {k.value: k.start_mark.line + 2 for k, _v in node.value} if node else {}
    missing = [f for f in CASE_REQUIRED if meta.get(f) in (None, "")]
    if missing:
        raise fail(path, 1, f"YAML 头部缺少必填字段：{', '.join(missing)}")
    if not body.strip():
        raise fail(path, body_line, "正文为空")
    rel = path
    if kb_dir is not None:
        try:
            rel = path.resolve().relative_to(kb_dir.resolve().parent)
        except ValueError:
            pass
    text_fields = ("id", "title", "brand", "industry", "platform", "source")
    data = {k: (str(v) if k in text_fields and v is not None else v) for k, v in meta.items()}
    try:
        return Case.model_validate({**data, "body": body, "path": str(rel)})
    except ValidationError as exc:
        err = exc.errors()[0]
        field = str(err["loc"][0]) if err["loc"] else ""
        line = body_line if field == "body" else key_lines.get(field, 1)
        raise fail(path, line, pydantic_reason(err)) from exc


def load_cases(settings: Settings | None = None, errors: list[DataError] | None = None) -> list[Case]:
    """Every case in `knowledge_base/cases/*.md`.

    Malformed files raise DataError, or, when `errors` is a list, are appended there and skipped.
    """
    kb = kb_dir(settings)

    def build(files: list[Path]) -> tuple[list[Case], list[DataError]]:
        cases: list[Case] = []
        problems: list[DataError] = []
        seen: dict[str, Path] = {}
        for f in files:
            if f.name.startswith(("_", "README")):
                continue
            try:
                case = parse_case(f, kb_dir=kb)
            except DataError as exc:
                problems.append(exc)
                continue
            if case.id in seen:
                problems.append(fail(f, 2, f"案例 id 与 {display_path(seen[case.id])} 重复：{case.id}"))
                continue
            seen[case.id] = f
            cases.append(case)
        return cases, problems

    cases, problems = cached("cases", kb / "cases", "*.md", build)
    if errors is None and problems:
        raise problems[0]
    if errors is not None:
        errors.extend(problems)
    return list(cases)
