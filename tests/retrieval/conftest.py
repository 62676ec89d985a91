"""Fixtures for retrieval tests: a tiny knowledge base in a tmp dir, hash embeddings (fast)."""

from __future__ import annotations

import pytest
from retrieval_kb import trend_line, write_case


@pytest.fixture
def tiny_kb(huati_env, tmp_path, monkeypatch):
    """A small knowledge base (3 cases, 2 trend files) and settings pointing at it (hash embedding)."""
    from assistant.retrieval.index import forget_clients
    from assistant.settings import get_settings, reset_settings

    kb = tmp_path / "kb"
    cases = kb / "cases"
    trends = kb / "trends"
    cases.mkdir(parents=True)
    trends.mkdir()
    write_case(
        cases,
        "toothpaste",
        id="toothpaste",
        title="牙膏美白话题",
        background="团购群卖美白牙膏，先问大家用过没有。",
    )
    write_case(
        cases,
        "winter",
        id="winter",
        title="冬至吃饺子",
        background="冬至那天聊家里吃饺子还是汤圆。",
        category="食品生鲜",
        audience="银发群",
    )
    write_case(
        cases,
        "pets",
        id="pets",
        title="猫粮怎么选",
        background="宠物群里聊猫咪挑食。",
        category="宠物",
        audience="宠物主群",
        kind="playbook",
    )
    (trends / "2026-12-20.jsonl").write_text(
        "\n".join(
            [trend_line("2026-12-20", "冬至前的寒潮", 5000), trend_line("2026-12-20", "猫咪钻被窝", 300)]
        )
        + "\n",
        encoding="utf-8",
    )
    (trends / "2026-12-10.jsonl").write_text(
        trend_line("2026-12-10", "冬至还有十二天 饺子馅准备", 9000) + "\n", encoding="utf-8"
    )
    monkeypatch.setenv("HUATI_KB_DIR", str(kb))
    monkeypatch.setenv("HUATI_EMBEDDING_PROVIDER", "hash")
    reset_settings()
    forget_clients()
    yield get_settings()
    forget_clients()
