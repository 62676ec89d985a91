"""What a group's history says about topic shapes: replies per posted topic, by topic type, hook kind and
question pattern, estimated with a Gamma–Poisson model whose prior comes from all groups.

For one feature value (say 二选一) the prior mean is the other groups' average of that value, itself shrunk
toward the average of all topics; it weighs as `PRIOR_TOPICS` posted topics. The group's own topics then update it:
posterior mean = (PRIOR_TOPICS · prior + Σ replies) / (PRIOR_TOPICS + n). Replies vary far more than a Poisson
count (one topic lands, the next doesn't), so the interval is widened by the dispersion (variance / mean) seen
across all outcomes. A value moves the ranking only when its 95% interval lies wholly above or below the
group's own average, and then by the end of the interval nearest to that average: one lucky day, or noise,
moves nothing.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from statistics import fmean, pvariance

from assistant.storage.groups import Outcome

PRIOR_TOPICS = 5.0  # weight of the prior, in posted topics
Z95 = 1.96
WEIGHT = 1.0  # rank points per unit of log lift (only sure effects count, see `Estimate.effect`)
CAP = 0.7  # |log lift| counted at most (x2 or /2)
FEATURES = {"type": 1.0, "hook": 0.5, "pattern": 0.3}
TYPE_NAMES = {
    "experience": "经历类",
    "either_or": "二选一类",
    "vote": "投票类",
    "photo_share": "晒图类",
    "memory": "回忆类",
    "tips_swap": "交换妙招类",
    "confession": "吐槽坦白类",
    "prediction": "预测类",
}
HOOK_NAMES = {
    "trend": "蹭热点的",
    "calendar": "借节日节气的",
    "season": "借季节的",
    "scenario": "日常场景的",
    "case": "借案例的",
    "none": "不挂由头的",
}


def family(pattern: str) -> str:
    """Pattern ids as the learning groups them: every catalogue question is `own`, every tie-in `tie`."""
    if pattern.startswith("tie:"):
        return "tie"
    return pattern or "llm"


def feature(outcome_or_topic: Outcome | dict[str, str], kind: str) -> str:
    if isinstance(outcome_or_topic, Outcome):
        value = {
            "type": outcome_or_topic.type,
            "hook": outcome_or_topic.hook,
            "pattern": outcome_or_topic.pattern,
        }
    else:
        value = outcome_or_topic
    raw = value.get(kind, "") or ""
    return family(raw) if kind == "pattern" else (raw or "none")


def label(kind: str, value: str) -> str:
    if kind == "type":
        return TYPE_NAMES.get(value, value) + "话题"
    if kind == "hook":
        return HOOK_NAMES.get(value, value) + "话题"
    return "同一种问法"


def _gamma_quantile(mean: float, shape: float, z: float) -> float:
    """Wilson–Hilferty approximation of a Gamma quantile (no SciPy needed)."""
    if mean <= 0:
        return 0.0
    shape = max(shape, 0.05)
    c = 1.0 / (9.0 * shape)
    return max(0.0, mean * (1.0 - c + z * math.sqrt(c)) ** 3)


@dataclass(frozen=True)
class Estimate:
    kind: str
    value: str
    n: int  # this group's posted topics with this value
    total: int  # their replies
    mean: float  # posterior mean of replies per topic
    low: float  # 95% interval
    high: float
    prior: float  # what all groups say

    @property
    def average(self) -> float:
        """The plain average this group saw (what the operator recognises)."""
        return self.total / self.n if self.n else 0.0

    def effect(self, base: float) -> float:
        """log lift over the group's average, counted only when the whole interval is on one side."""
        if base <= 0:
            return 0.0
        if self.low > base:
            return min(CAP, math.log(self.low / base))
        if self.high < base:
            return max(-CAP, math.log(max(self.high, 0.1) / base))
        return 0.0


def estimate(kind: str, value: str, ys: Sequence[int], prior: float, dispersion: float) -> Estimate:
    n, total = len(ys), sum(ys)
    mean = (PRIOR_TOPICS * prior + total) / (PRIOR_TOPICS + n)
    shape = (PRIOR_TOPICS * prior + total) / dispersion
    return Estimate(
        kind,
        value,
        n,
        total,
        round(mean, 2),
        round(_gamma_quantile(mean, shape, -Z95), 2),
        round(_gamma_quantile(mean, shape, Z95), 2),
        round(prior, 2),
    )


@dataclass
class Learned:
    """One group's estimates; `bonus` is what the offline ranking adds to a candidate."""

    group: str
    base: Estimate  # the group's average topic
    estimates: dict[tuple[str, str], Estimate] = field(default_factory=dict)
    dispersion: float = 1.0
    posts: int = 0  # this group's posted topics with a count

    def tried(self, kind: str, value: str) -> int:
        found = self.estimates.get((kind, value))
        return found.n if found else 0

    def ranked(self, kind: str) -> list[Estimate]:
        return sorted((e for (k, _v), e in self.estimates.items() if k == kind), key=lambda e: -e.mean)

    def bonus(self, topic: dict[str, str]) -> tuple[float, str]:
        """(rank points, the reason in Chinese or "") for a topic's type / hook / pattern."""
        total, strongest, why = 0.0, 0.0, ""
        for kind, weight in FEATURES.items():
            e = self.estimates.get((kind, feature(topic, kind)))
            if e is None:
                continue
            effect = e.effect(self.base.mean)
            total += WEIGHT * weight * effect
            if abs(effect * weight) > abs(strongest):
                strongest, why = effect * weight, self.reason(e)
        return round(total, 4), why if total else ""

    def reason(self, e: Estimate) -> str:
        base = f"群里平均 {self.base.average:.0f} 条" if self.base.n else ""
        if e.n == 0:
            return f"别的群{label(e.kind, e.value)}平均 {e.prior:.0f} 条回复，这个群还没发过（{base}）"
        word = "平均" if e.effect(self.base.mean) > 0 else "平均只有"
        return f"这个群{label(e.kind, e.value)}{word} {e.average:.0f} 条回复（发过 {e.n} 次，{base}）"


def learn(outcomes: Sequence[Outcome], group: str) -> Learned | None:
    """Estimates for `group` from every group's outcomes; None when the group has no counted topic yet."""
    own = [o for o in outcomes if o.group == group]
    if not own:
        return None
    ys = [o.replies for o in outcomes]
    overall = fmean(ys)
    dispersion = max(1.0, pvariance(ys) / overall) if len(ys) > 1 and overall > 0 else 1.0
    base = estimate("all", "all", [o.replies for o in own], overall, dispersion)
    learned = Learned(group, base, dispersion=round(dispersion, 2), posts=len(own))
    for kind in FEATURES:
        others: dict[str, list[int]] = {}
        mine: dict[str, list[int]] = {}
        for o in outcomes:
            (mine if o.group == group else others).setdefault(feature(o, kind), []).append(o.replies)
        for value in others.keys() | mine.keys():
            # The prior is what the other groups saw: the group's own topics count once, in the update.
            elsewhere = others.get(value, [])
            prior = (PRIOR_TOPICS * overall + sum(elsewhere)) / (PRIOR_TOPICS + len(elsewhere))
            learned.estimates[(kind, value)] = estimate(kind, value, mine.get(value, []), prior, dispersion)
    return learned
