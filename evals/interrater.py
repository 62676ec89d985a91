"""Agreement between the first labeller and a second one who labels a sample blind.

`evals/datasets/outside/second_labels.jsonl`: one object per line, `{"id", "labels": {dimension: bool},
"unsure"?, "why"?}`, ids from either outside set, dimensions among compliant / low_barrier / relevant /
tone_ok / good. The report gives, per dimension, how many items both labelled, the observed agreement and
Cohen's κ, and the items they disagree on. The first labels are the ones their writer gave, before any logged
label change.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from assistant.errors import InputError
from evals.metrics import agreement
from evals.outside import DIMENSIONS, OUTSIDE, OutsideRow

SECOND = OUTSIDE / "second_labels.jsonl"


def load_second(path: Path | str, known: set[str]) -> list[dict[str, Any]]:
    """The second labeller's rows; `path:line: reason` for anything malformed or unknown."""
    path = Path(path)
    out: list[dict[str, Any]] = []
    seen: set[str] = set()
    for no, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            raw = json.loads(line)
        except json.JSONDecodeError as exc:
            raise InputError(f"{path}:{no}: 不是合法的 JSON（{exc.msg}）") from exc
        if not isinstance(raw, dict) or not isinstance(raw.get("id"), str):
            raise InputError(f'{path}:{no}: 每行应是 {{"id", "labels", "unsure", "why"}}')
        labels = raw.get("labels")
        if not isinstance(labels, dict) or not labels:
            raise InputError(f"{path}:{no}: 缺少 labels")
        if any(k not in DIMENSIONS or not isinstance(v, bool) for k, v in labels.items()):
            raise InputError(f"{path}:{no}: labels 只能有 {'、'.join(DIMENSIONS)}，值为 true/false")
        if raw["id"] not in known:
            raise InputError(f"{path}:{no}: 外部集里没有 id {raw['id']}")
        if raw["id"] in seen:
            raise InputError(f"{path}:{no}: id 重复：{raw['id']}")
        seen.add(raw["id"])
        out.append(
            {"id": raw["id"], "labels": labels, "unsure": bool(raw.get("unsure")), "why": raw.get("why", "")}
        )
    return out


def inter_annotator(rows: list[OutsideRow], path: Path | str | None = None) -> dict[str, Any] | None:
    """κ per dimension between first and second labeller; None when there is no second-label file."""
    path = Path(path) if path else SECOND
    if not path.is_file():
        return None
    first = {r.id: r for r in rows}
    second = load_second(path, set(first))
    per: dict[str, Any] = {}
    disagreements: list[dict[str, Any]] = []
    for dim in DIMENSIONS:
        pairs = [
            (first[s["id"]].first[dim], s["labels"][dim])
            for s in second
            if dim in s["labels"] and dim in first[s["id"]].first
        ]
        if pairs:
            per[dim] = agreement(pairs)
        for s in second:
            a = first[s["id"]].first.get(dim)
            b = s["labels"].get(dim)
            if a is not None and b is not None and a != b:
                disagreements.append(
                    {
                        "id": s["id"],
                        "dimension": dim,
                        "first": a,
                        "second": b,
                        "why": s["why"],
                        "unsure": s["unsure"],
                    }
                )
    return {"dataset": str(path), "n": len(second), "dimensions": per, "disagreements": disagreements}
