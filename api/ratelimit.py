"""Per-key rate limit: a token bucket per key id, refilled at `settings.api_rate_limit` per minute.

The buckets live in the shared database (`assistant.service.keys.rate_buckets`), so the limit holds across all
`--workers` and across machines on one PostgreSQL: one conditional UPDATE per request (cost measured in
benchmarks/api_load.py, documented in docs/api.md).
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable

from assistant.service.keys import take_token
from assistant.settings import Settings


class RateLimiter:
    def __init__(
        self, per_minute: int, settings: Settings | None = None, clock: Callable[[], float] = time.time
    ):
        self.capacity = float(per_minute)
        self.rate = per_minute / 60.0
        self.settings = settings
        self.clock = clock

    def hit(self, key: str) -> float:
        """Take one token for `key`. Returns 0 when allowed, else the seconds to wait."""
        return take_token(key, self.capacity, self.rate, self.settings, now=self.clock())

    @staticmethod
    def retry_after(wait: float) -> str:
        return str(max(1, math.ceil(wait)))
