"""Calibration on the outside split: text the team never wrote (see `evals/outside.py`).

Per split (`tune`, `held_out`, `all`) and per set (`topics`, `lists`, both): κ, precision and recall per check,
with the targets that must hold; coverage of each public word list; the label changes applied; agreement with a
second labeller when there is one. Disagreements are listed in full for the `tune` split only: the held-out
rows stay unseen by whoever tunes the rules next, and are reported as counts.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from assistant.checks import CHECK_NAMES, check_topic
from evals.coverage import coverage
from evals.datasets import LABEL_OF
from evals.interrater import inter_annotator
from evals.metrics import agreement
from evals.outside import OUTSIDE, OutsideRow, load_lists, load_outside

SPLITS = ("tune", "held_out", "all")
SETS = ("topics", "lists", "both")
KAPPA = 0.8  # every check, on the outside split
COMPLIANCE_PR = 0.95  # compliance precision and recall of failures
COVERAGE = 0.95  # each public list, in every sentence position


def _summary(rows: list[dict[str, Any]]) -> dict[str, dict[str, dict[str, Any]]]:
    out: dict[str, dict[str, dict[str, Any]]] = {}
    for split in SPLITS:
        chosen = [r for r in rows if split == "all" or r["split"] == split]
        out[split] = {
            name: agreement((r["human"][name], r["checks"][name]) for r in chosen if name in r["human"])
            for name in CHECK_NAMES
            if any(name in r["human"] for r in chosen)
        }
    return out


def _targets(checks: dict[str, dict[str, Any]], lists: dict[str, Any]) -> list[dict[str, Any]]:
    """The outside targets, each with its actual value and whether it holds (on all rows)."""
    out = []
    for name, m in checks.items():
        out.append({"target": f"{name} κ ≥ {KAPPA}", "actual": m["kappa"], "holds": m["kappa"] >= KAPPA})
    comp = checks.get("compliance")
    if comp:
        for key in ("precision", "recall"):
            value = comp[key]
            ok = value is not None and value >= COMPLIANCE_PR
            out.append({"target": f"compliance {key} ≥ {COMPLIANCE_PR}", "actual": value, "holds": ok})
    for name, entry in lists.items():
        out.append(
            {
                "target": f"{name} 覆盖率（每个位置）≥ {COVERAGE}",
                "actual": entry["min_position"],
                "holds": entry["meets_target"],
            }
        )
    return out


def calibrate_outside(folder: Path | str | None = None, second: Path | str | None = None) -> dict[str, Any]:
    rows, changes = load_outside(folder)
    scored: list[dict[str, Any]] = []
    flagged: dict[str, bool] = {}
    disagreements: list[dict[str, Any]] = []
    held_out_disagreements: dict[str, int] = {}
    for row in rows:
        report = check_topic(row.topic, row.product_name, category=row.category)
        names = row.checks()
        human = {n: row.labels[LABEL_OF[n]] for n in names}
        machine = {n: report.checks[n].passed for n in names}
        flagged[row.id] = not report.checks["compliance"].passed
        scored.append({"id": row.id, "set": row.set, "split": row.split, "human": human, "checks": machine})
        for n in names:
            if human[n] == machine[n]:
                continue
            if row.split == "held_out":
                held_out_disagreements[n] = held_out_disagreements.get(n, 0) + 1
                continue
            disagreements.append(_disagreement(row, n, human[n], report.checks[n]))
    by_set = {which: _summary([r for r in scored if which == "both" or r["set"] == which]) for which in SETS}
    lists = coverage(rows, flagged, load_lists(folder))
    targets = _targets(by_set["both"]["all"], lists)
    return {
        "n": len(rows),
        "sets": {which: sum(1 for r in rows if r.set == which) for which in ("topics", "lists")},
        "split_rule": "列表句按词、话题按来源取 sha1，末位（mod 10）7–9 为留出集（held_out）",
        "checks": by_set["both"],
        "by_set": by_set,
        "coverage": lists,
        "targets": targets,
        "meets_targets": all(t["holds"] for t in targets),
        "label_changes": changes,
        "second_labeller": inter_annotator(rows, second or Path(folder or OUTSIDE) / "second_labels.jsonl"),
        "disagreements": disagreements,
        "held_out_disagreements": held_out_disagreements,
    }


def _disagreement(row: OutsideRow, name: str, human: bool, result: Any) -> dict[str, Any]:
    return {
        "id": row.id,
        "set": row.set,
        "check": name,
        "topic": row.topic,
        "product": row.product or "—",
        "human": human,
        "check_pass": result.passed,
        "reasons": result.reasons,
        "why": row.why,
        "unsure": row.unsure,
    }
