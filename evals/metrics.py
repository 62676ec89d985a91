"""Agreement between a binary check and human labels: confusion matrix, accuracy, Cohen's kappa, TPR, TNR, and
precision / recall of the check's failures (a "problem" is a topic the human labels false: recall is the share
of problems the check fails, precision the share of the check's failures that are problems)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any


def confusion(pairs: Iterable[tuple[bool, bool]]) -> dict[str, int]:
    """Counts keyed tp/fn/fp/tn, with (human, machine) pairs and "positive" = human says yes."""
    c = {"tp": 0, "fn": 0, "fp": 0, "tn": 0}
    for human, machine in pairs:
        if human and machine:
            c["tp"] += 1
        elif human:
            c["fn"] += 1
        elif machine:
            c["fp"] += 1
        else:
            c["tn"] += 1
    return c


def cohen_kappa(c: dict[str, int]) -> float:
    n = sum(c.values())
    if n == 0:
        return 0.0
    po = (c["tp"] + c["tn"]) / n
    p_human = (c["tp"] + c["fn"]) / n
    p_machine = (c["tp"] + c["fp"]) / n
    pe = p_human * p_machine + (1 - p_human) * (1 - p_machine)
    if pe >= 1.0:  # both raters constant: perfect agreement when they agree
        return 1.0 if po == 1.0 else 0.0
    return (po - pe) / (1 - pe)


def _rate(num: int, den: int) -> float | None:
    return num / den if den else None


def agreement(pairs: Iterable[tuple[bool, bool]]) -> dict[str, Any]:
    c = confusion(pairs)
    n = sum(c.values())
    return {
        "n": n,
        "accuracy": _rate(c["tp"] + c["tn"], n),
        "kappa": round(cohen_kappa(c), 4),
        "tpr": _rate(c["tp"], c["tp"] + c["fn"]),
        "tnr": _rate(c["tn"], c["tn"] + c["fp"]),
        "precision": _rate(c["tn"], c["tn"] + c["fn"]),
        "recall": _rate(c["tn"], c["tn"] + c["fp"]),
        "confusion": c,
    }
