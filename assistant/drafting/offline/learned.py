"""The offline ranking with a group's history: each candidate gains or loses what its shape drew in this group
(`drafting.learning`), and a share of the plan still tries other shapes so the group's taste can keep being
found out. Only for a group whose history says something; otherwise the ranking is untouched."""

from __future__ import annotations

import random
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from assistant.drafting.learning import TYPE_NAMES, Learned

if TYPE_CHECKING:
    from assistant.drafting.context import DayContext

Candidate = Any  # offline.engine.Candidate (not imported: the engine imports this module)

EXPLORE_SHARE = 3  # one topic in three tries a shape the group has seen least


def _shape(c: Candidate) -> dict[str, str]:
    return {"type": c.topic.type.value, "hook": c.hook.kind, "pattern": c.pattern}


def apply(cands: list[Candidate], learned: Learned) -> bool:
    """Add each candidate's learned bonus to its rank; True when any rank moved."""
    moved = False
    for c in cands:
        bonus, why = learned.bonus(_shape(c))
        if bonus:
            c.learned = bonus
            c.rank = round(c.rank + bonus, 4)
            c.topic.reason = why
            moved = True
    return moved


def explore(
    chosen: list[Candidate],
    cands: list[Candidate],
    n: int,
    ctx: DayContext,
    allowed: Callable[[Candidate, list[Candidate]], bool],
) -> list[Candidate]:
    """Give the last `n // 3` places to the shapes this group has seen least, best by their own rank (without
    the history's bonus). Deterministic: ties between shapes are broken with the plan's seed."""
    learned: Learned = ctx.learned
    k = n // EXPLORE_SHARE
    if k == 0 or len(chosen) < n:
        return chosen
    keep = chosen[: n - k]
    rng = random.Random(ctx.seed() + "explore")
    for _ in range(k):
        kept_types = {c.topic.type for c in keep}
        pool = [
            c
            for c in cands
            if c.passed
            and not c.repeats
            and c.topic.type not in kept_types
            and c not in keep
            and allowed(c, keep)
        ]
        if not pool:
            break
        types = sorted({c.topic.type.value for c in pool})
        fewest = min(learned.tried("type", t) for t in types)
        least = [t for t in types if learned.tried("type", t) == fewest]
        pick_type = least[rng.randrange(len(least))]
        best = max((c for c in pool if c.topic.type.value == pick_type), key=lambda c: c.rank - c.learned)
        times = f"只发过 {fewest} 次" if fewest else "还没发过"
        best.topic.reason = (
            f"留一个位置试试别的：这个群{times}{TYPE_NAMES.get(pick_type, pick_type)}话题，看看反应"
        )
        keep.append(best)
    return keep + [c for c in chosen[n - k :] if c not in keep][: n - len(keep)]
