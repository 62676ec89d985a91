"""Coverage of each public 广告法 word list by the compliance check.

A word is covered in a position (start, middle, end, question, obfuscated) when the check fails every
non-compliant sentence that carries that word in that position. A list's coverage in a position is the share of
its (word, position) pairs that are covered; the report gives it per list, per position, per group of the list
(as the list itself groups its words), and for the held-out words alone.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

POSITIONS = ("start", "middle", "end", "question", "obfuscated")
TARGET = 0.95


def _share(pairs: dict[tuple[str, str], bool], keep: Any = None) -> dict[str, Any]:
    chosen = [ok for key, ok in pairs.items() if keep is None or keep(key)]
    return {
        "pairs": len(chosen),
        "covered": sum(chosen),
        "coverage": sum(chosen) / len(chosen) if chosen else None,
    }


def coverage(
    rows: list[Any], flagged: dict[str, bool], lists: dict[str, dict[str, list[str]]]
) -> dict[str, Any]:
    """rows: list sentences (OutsideRow, set "lists"); flagged: row id -> the check failed it."""
    by_list: dict[str, dict[tuple[str, str], bool]] = defaultdict(dict)
    split_of: dict[str, str] = {}
    group_of: dict[tuple[str, str], str] = {}
    for row in rows:
        if row.set != "lists" or row.labels.get("compliant", True) or row.position not in POSITIONS:
            continue
        split_of[row.word] = row.split
        for name in row.lists:
            key = (row.word, row.position)
            by_list[name][key] = by_list[name].get(key, True) and flagged[row.id]
            group_of[(name, row.word)] = row.list_groups.get(name, "")
    out: dict[str, Any] = {}
    for name in sorted(set(lists) | set(by_list)):
        pairs = by_list.get(name, {})
        entry: dict[str, Any] = {
            "all": _share(pairs),
            "held_out": _share(pairs, lambda k: split_of.get(k[0]) == "held_out"),
            "positions": {p: _share(pairs, lambda k, p=p: k[1] == p) for p in POSITIONS},
            "groups": {},
            "missed": sorted(
                {f"{w}（{p}）" for (w, p), ok in pairs.items() if not ok and split_of.get(w) == "tune"}
            ),
            "missed_held_out": sum(
                1 for (w, _p), ok in pairs.items() if not ok and split_of.get(w) == "held_out"
            ),
        }
        for group in lists.get(name, {}):
            entry["groups"][group] = _share(pairs, lambda k, g=group, n=name: group_of.get((n, k[0])) == g)
        positions = [v["coverage"] for v in entry["positions"].values() if v["coverage"] is not None]
        entry["min_position"] = min(positions) if positions else None
        entry["meets_target"] = entry["min_position"] is not None and entry["min_position"] >= TARGET
        out[name] = entry
    return out
