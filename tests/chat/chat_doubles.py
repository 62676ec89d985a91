"""The chat_env fixture: a fresh, empty HUATI_HOME (no index) with the real drafting and storage."""

from __future__ import annotations

import pytest


@pytest.fixture
def chat_env(huati_env):
    return huati_env
