"""Fixtures for the product profile: a private copy of the knowledge base to break, and settings for it."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def kb_copy(tmp_path):
    """A writable copy of the product knowledge (type library, lexicon, occasions) and settings that read it."""
    from assistant.settings import Settings

    kb = tmp_path / "kb"
    shutil.copytree(REPO / "knowledge_base" / "product_types", kb / "product_types")
    for name in ("selling_points.yaml", "occasions.yaml"):
        shutil.copy(REPO / "knowledge_base" / name, kb / name)
    return Settings(kb_dir=kb, home=tmp_path / "home")


@pytest.fixture(scope="session")
def offline_settings(tmp_path_factory):
    """The shipped knowledge base with a private HUATI_HOME (the embedding cache lands there)."""
    from assistant.settings import Settings

    return Settings(home=tmp_path_factory.mktemp("products-home"))
