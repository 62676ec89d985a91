"""How many generated cases the schemathesis runs sent (printed at the end of the test session)."""

from __future__ import annotations

from collections import Counter

COUNTS: Counter[str] = Counter()
