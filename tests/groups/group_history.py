"""Synthetic group history for the learning tests: outcomes drawn around a mean per topic type."""

from __future__ import annotations

import math
import random
from datetime import date, timedelta

TYPES = ("experience", "either_or", "vote", "photo_share", "memory", "tips_swap", "confession", "prediction")


def poisson(rng: random.Random, mean: float) -> int:
    limit, k, p = math.exp(-mean), 0, 1.0
    while True:
        p *= rng.random()
        if p <= limit:
            return k
        k += 1


def outcomes(group: str, means: dict[str, float], per: int, seed: int = 0, start: date = date(2026, 10, 1)):
    """Synthetic outcomes: `per` posted topics of each type, replies drawn around the type's mean."""
    from assistant.storage.groups import Outcome

    rng = random.Random(seed)
    out = []
    for t, mean in means.items():
        for i in range(per):
            out.append(
                Outcome(
                    group,
                    f"{t}{i}",
                    1,
                    start + timedelta(days=i),
                    t,
                    "none",
                    f"p-{t}",
                    poisson(rng, mean),
                    "feedback",
                )
            )
    return out
