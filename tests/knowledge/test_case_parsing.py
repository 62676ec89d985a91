from __future__ import annotations

import pytest

from assistant.errors import DataError
from assistant.knowledge import load_cases, parse_case

GOOD = """---
id: demo
title: 示例案例
kind: case
brand: 示例
audience: [宝妈群]
tactics: 低门槛话题、先话题后链接
categories: [母婴]
source: Huati playbook
---
## 背景
正文。
"""


def _write(tmp_path, text, name="demo.md"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_parse_good_case(tmp_path):
    case = parse_case(_write(tmp_path, GOOD))
    assert case.id == "demo" and case.kind == "case"
    assert case.tactics == ["低门槛话题", "先话题后链接"]  # comma/顿号 string becomes a list
    assert case.audience == ["宝妈群"] and case.industry == ""
    assert case.body.startswith("## 背景")


@pytest.mark.parametrize(
    ("text", "line", "reason"),
    [
        (GOOD.replace("---\n", "", 1), 1, "第一行应是 ---"),
        (GOOD.replace("---\n## 背景", "## 背景"), 1, "找不到第二个 ---"),
        (GOOD.replace("brand: 示例", "brand: [示例"), 5, "没有闭合"),
        (GOOD.replace("title: 示例案例\n", ""), 1, "缺少必填字段：title"),
        (GOOD.replace("kind: case", "kind: story"), 4, "字段 kind 无效"),
        (GOOD.replace("audience: [宝妈群]", "audience: {a: 1}"), 6, "字段 audience 无效"),
        (GOOD.split("## 背景")[0] + "\n  \n", 11, "正文为空"),
        ("---\n- a\n- b\n---\n正文\n", 2, "键值对"),
    ],
)
def test_malformed_case_reports_path_line_reason(tmp_path, text, line, reason):
    path = _write(tmp_path, text)
    with pytest.raises(DataError) as exc:
        parse_case(path)
    msg = exc.value.message
    assert msg.startswith(f"{path}:{line}: "), msg
    assert reason in msg
    assert "Input should" not in msg  # reasons are in Chinese


def test_load_cases_collects_errors_and_skips(scratch_kb):
    cases = scratch_kb / "cases"
    _write(cases, GOOD, "good.md")
    _write(cases, GOOD.replace("kind: case", "kind: nope"), "bad.md")
    _write(cases, GOOD, "dup.md")  # same id as good.md
    _write(cases, "# notes\n", "README.md")  # ignored
    with pytest.raises(DataError):
        load_cases()
    errors: list[DataError] = []
    loaded = load_cases(errors=errors)
    assert [c.id for c in loaded] == ["demo"]
    assert len(errors) == 2
    assert any("bad.md:4:" in e.message for e in errors)
    assert any("dup.md" in e.message and "重复" in e.message for e in errors)
    assert loaded[0].path == "kb/cases/dup.md" or loaded[0].path.endswith("cases/dup.md")
