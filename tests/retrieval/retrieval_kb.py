"""Helpers that write a tiny knowledge base (cases and trend lines) for retrieval tests."""

from __future__ import annotations

from pathlib import Path

CASE = """---
id: {id}
title: {title}
kind: {kind}
brand: 测试品牌
industry: 测试
platform: 企业微信
audience: [{audience}]
tactics: [低门槛话题]
categories: [{category}]
source: 测试数据
---
## 背景
{background}

## 做法
{method}
"""


def write_case(directory: Path, name: str, **fields: str) -> Path:
    defaults = {"kind": "case", "audience": "宝妈群", "category": "母婴", "method": "先聊话题，再发链接。"}
    path = directory / f"{name}.md"
    path.write_text(CASE.format(**{**defaults, **fields}), encoding="utf-8")
    return path


def trend_line(
    date: str, title: str, heat: int = 1000, platform: str = "微博热搜", category: str = "生活"
) -> str:
    import json

    return json.dumps(
        {"date": date, "platform": platform, "title": title, "heat": heat, "category": category},
        ensure_ascii=False,
    )
