"""`huati eval compare RUN_A RUN_B`: per-metric differences between two runs' results.json."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from assistant.errors import InputError


def load_run(path: str | Path) -> dict[str, Any]:
    path = Path(path)
    if path.is_dir():
        path = path / "results.json"
    if not path.is_file():
        raise InputError(f"找不到评测结果：{path}（传入 eval run 的输出目录或 results.json）")
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise InputError(f"{path}:{exc.lineno}: 不是合法的 JSON（{exc.msg}）") from exc
    if not isinstance(data, dict) or data.get("schema_version") != 1 or "metrics" not in data:
        raise InputError(f"{path}: 不是 schema_version 为 1 的 huati 评测结果")
    return data


LOWER_IS_BETTER = ("draft_seconds_p50", "draft_seconds_p95", "wall_seconds", "judge_errors")
NEUTRAL = ("cases", "topics")


def better(metric: str) -> str | None:
    """ "higher" or "lower" is better for `metric`; None when neither (counts of the dataset)."""
    if metric in NEUTRAL:
        return None
    if metric in LOWER_IS_BETTER or metric.endswith("_seconds") or "_seconds_" in metric:
        return "lower"
    return "higher"


def _change(delta: float | None, direction: str | None) -> str | None:
    if delta is None or direction is None:
        return None
    if abs(delta) < 1e-12:
        return "same"
    return "better" if (delta > 0) == (direction == "higher") else "worse"


def compare(run_a: str | Path, run_b: str | Path) -> dict[str, Any]:
    a, b = load_run(run_a), load_run(run_b)
    rows = []
    for key in sorted(set(a["metrics"]) | set(b["metrics"])):
        va, vb = a["metrics"].get(key), b["metrics"].get(key)
        numeric = isinstance(va, int | float) and isinstance(vb, int | float)
        delta = (vb - va) if numeric else None
        direction = better(key)
        rows.append(
            {
                "metric": key,
                "a": va,
                "b": vb,
                "delta": delta,
                "better": direction,
                "change": _change(delta, direction),
            }
        )
    ids_a = {c["id"]: c for c in a["cases"]}
    changed = []
    for case in b["cases"]:
        before = ids_a.get(case["id"])
        if before is None:
            continue
        pa = sum(t["pass"] for t in before["topics"])
        pb = sum(t["pass"] for t in case["topics"])
        if pa != pb:
            changed.append({"id": case["id"], "a_passing": pa, "b_passing": pb})
    return {
        "a": {"run_id": a.get("run_id"), "engine": a.get("engine"), "models": a.get("models")},
        "b": {"run_id": b.get("run_id"), "engine": b.get("engine"), "models": b.get("models")},
        "metrics": rows,
        "changed_cases": changed,
    }
