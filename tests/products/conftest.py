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


@pytest.fixture(scope="session", autouse=True)
def _private_home(tmp_path_factory):
    """Inference may embed the library (its cache goes under HUATI_HOME): never into the working tree."""
    import os

    from assistant.settings import reset_settings

    previous = os.environ.get("HUATI_HOME")
    os.environ["HUATI_HOME"] = str(tmp_path_factory.mktemp("products-home"))
    reset_settings()
    yield
    if previous is None:
        os.environ.pop("HUATI_HOME", None)
    else:
        os.environ["HUATI_HOME"] = previous
    reset_settings()
