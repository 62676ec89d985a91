"""Fixtures for knowledge-base tests: a scratch kb_dir seeded from the real one."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

REPO_KB = Path(__file__).resolve().parents[2] / "knowledge_base"


@pytest.fixture
def scratch_kb(tmp_path, monkeypatch):
    """A copy of the real products/audiences in tmp, with an empty cases dir; settings point at it."""
    from assistant.knowledge import clear_cache
    from assistant.settings import reset_settings

    kb = tmp_path / "kb"
    for sub in ("products", "audiences"):
        shutil.copytree(REPO_KB / sub, kb / sub)
    (kb / "cases").mkdir()
    monkeypatch.setenv("HUATI_KB_DIR", str(kb))
    reset_settings()
    clear_cache()
    yield kb
    reset_settings()
    clear_cache()
