"""Group tests: a fresh HUATI_HOME with real drafting and storage."""

from __future__ import annotations

import pytest


@pytest.fixture
def store(huati_env):
    from assistant.storage import Store

    return Store(huati_env)
