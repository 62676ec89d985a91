"""Throttling of failed authentication per client address (wrong bearer keys, wrong keys typed at /login)."""

from __future__ import annotations

import math
import time
from collections import OrderedDict
from collections.abc import Callable


class FailureThrottle:
    """A token bucket per client address, spent only by failed authentications.

    `wait(client)`: seconds until the next attempt may be *tried* (0: go ahead). Check it before looking at
    the credential, so a blocked client learns nothing, not even whether a guess was right. `failed(client)`:
    after a wrong key / password. Successful logins cost nothing. In memory and per worker process (with N
    workers a client gets up to N × the budget); the buckets are bounded (least recently used dropped).
    """

    def __init__(
        self,
        per_minute: float = 10,
        burst: int = 10,
        *,
        max_clients: int = 10_000,
        clock: Callable[[], float] = time.monotonic,
    ):
        self.per_minute = per_minute
        self.rate = per_minute / 60.0
        self.burst = float(burst)
        self.max_clients = max_clients
        self.clock = clock
        self._buckets: OrderedDict[str, tuple[float, float]] = OrderedDict()  # client -> (tokens, at)

    def _tokens(self, client: str) -> float:
        tokens, at = self._buckets.get(client, (self.burst, self.clock()))
        return min(self.burst, tokens + (self.clock() - at) * self.rate)

    def wait(self, client: str) -> float:
        tokens = self._tokens(client)
        return 0.0 if tokens >= 1 else (1 - tokens) / self.rate

    def failed(self, client: str) -> None:
        self._buckets[client] = (max(0.0, self._tokens(client) - 1), self.clock())
        self._buckets.move_to_end(client)
        while len(self._buckets) > self.max_clients:
            self._buckets.popitem(last=False)

    @staticmethod
    def retry_after(wait: float) -> str:
        return str(max(1, math.ceil(wait)))
