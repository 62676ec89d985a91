"""The outside labelled sets (`evals/datasets/outside/`): topics and sentences written by people who never saw
the rules, labelled before any rule was changed for them.

- `outside_topics.jsonl`: enforcement cases, topics from public 社群 articles, everyday questions, and
  relevance pairs (a topic given to an unrelated product); all five labels.
- `compliance_lists.jsonl`: every word of five public 广告法 word lists (`lists/*.yaml`) in several sentence
  positions, hard negatives; the `compliant` label only.
- `label_changes.jsonl` (optional): corrections `{"id", "dimension", "from", "to", "reason"}`, applied here and
  counted in every report. A label is never changed anywhere else.

Splits, fixed before tuning: a list sentence is `held_out` when the sha1 of its word ends in 7-9 (mod 10), so
held-out words were never looked at while tuning; a topic by the sha1 of its source (a relevance pair follows
the topic it was made from), so no source is in both splits.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

from pydantic import BaseModel, Field

from assistant.errors import InputError
from evals.datasets import DATASETS, LABEL_OF

OUTSIDE = DATASETS / "outside"
TOPICS = "outside_topics.jsonl"
LISTS = "compliance_lists.jsonl"
CHANGES = "label_changes.jsonl"
PLACEHOLDER_PRODUCT = "群聊话题"  # rows with no product: only compliance is judged
DIMENSIONS = ("compliant", "low_barrier", "relevant", "tone_ok", "good")


def held_out(key: str) -> bool:
    return int(hashlib.sha1(key.encode("utf-8")).hexdigest(), 16) % 10 >= 7


class OutsideRow(BaseModel):
    """One labelled row of either outside set; `labels` holds only the dimensions its labeller gave."""

    id: str = Field(..., min_length=1)
    topic: str = Field(..., min_length=1)
    product: str = ""
    category: str | None = None
    labels: dict[str, bool]
    first: dict[str, bool] = {}  # the labels as their writer gave them, before any logged change
    set: str  # "topics" | "lists"
    split: str  # "tune" | "held_out"
    why: str = ""
    unsure: bool = False
    kind: str = ""  # topics: enforcement / article_topic / everyday_question / relevance_pair
    word: str = ""  # lists: the list word the sentence carries
    position: str = ""  # lists: start / middle / end / question / obfuscated / negative
    lists: list[str] = []
    list_groups: dict[str, str] = {}
    source: str = ""

    def checks(self) -> list[str]:
        """The checks this row's labels judge (relevance only when a product is given)."""
        out = [c for c, label in LABEL_OF.items() if label in self.labels]
        return [c for c in out if c != "relevance" or self.product]

    @property
    def product_name(self) -> str:
        return self.product or PLACEHOLDER_PRODUCT


def _lines(path: Path) -> list[tuple[int, dict[str, Any]]]:
    if not path.is_file():
        raise InputError(f"找不到数据集文件：{path}", field="dataset")
    out = []
    for no, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            raw = json.loads(line)
        except json.JSONDecodeError as exc:
            raise InputError(f"{path}:{no}: 不是合法的 JSON（{exc.msg}）") from exc
        if not isinstance(raw, dict):
            raise InputError(f"{path}:{no}: 每行应是一个 JSON 对象")
        out.append((no, raw))
    return out


def _source_key(raw: dict[str, Any], by_id: dict[str, dict[str, Any]]) -> str:
    origin = by_id.get(str(raw.get("pair_of") or ""), raw)
    return str(origin.get("source", "")).split(" | ")[0]


def _labels(path: Path, no: int, raw: dict[str, Any]) -> dict[str, bool]:
    labels = raw.get("labels")
    if not isinstance(labels, dict) or not labels:
        raise InputError(f"{path}:{no}: 缺少 labels")
    if any(k not in DIMENSIONS or not isinstance(v, bool) for k, v in labels.items()):
        raise InputError(f"{path}:{no}: labels 只能有 {'、'.join(DIMENSIONS)}，值为 true/false")
    return dict(labels)


def _row(path: Path, no: int, raw: dict[str, Any], which: str, split: str) -> OutsideRow:
    for key in ("id", "topic"):
        if not isinstance(raw.get(key), str) or not raw[key].strip():
            raise InputError(f"{path}:{no}: 缺少字段 {key}")
    return OutsideRow(
        id=raw["id"],
        topic=raw["topic"],
        product=str(raw.get("product") or ""),
        category=(raw.get("category") or None) if raw.get("product") else None,
        labels=_labels(path, no, raw),
        first=_labels(path, no, raw),
        set=which,
        split=split,
        why=str(raw.get("why") or ""),
        unsure=bool(raw.get("unsure")),
        kind=str(raw.get("kind") or ""),
        word=str(raw.get("word") or ""),
        position=str(raw.get("position") or ""),
        lists=list(raw.get("lists") or []),
        list_groups=dict(raw.get("list_groups") or {}),
        source=str(raw.get("source") or ""),
    )


def load_outside(folder: Path | str | None = None) -> tuple[list[OutsideRow], list[dict[str, Any]]]:
    """Both outside sets with their splits, and the label changes applied to them."""
    base = Path(folder) if folder else OUTSIDE
    rows: list[OutsideRow] = []
    topics = _lines(base / TOPICS)
    by_id = {str(raw.get("id")): raw for _no, raw in topics}
    for no, raw in topics:
        split = "held_out" if held_out(_source_key(raw, by_id)) else "tune"
        rows.append(_row(base / TOPICS, no, raw, "topics", split))
    for no, raw in _lines(base / LISTS):
        split = "held_out" if held_out(str(raw.get("word") or raw.get("id"))) else "tune"
        rows.append(_row(base / LISTS, no, raw, "lists", split))
    seen: set[str] = set()
    for row in rows:
        if row.id in seen:
            raise InputError(f"{base}: id 重复：{row.id}")
        seen.add(row.id)
    changes = apply_changes(rows, base / CHANGES)
    return rows, changes


def apply_changes(rows: list[OutsideRow], path: Path) -> list[dict[str, Any]]:
    """Apply `label_changes.jsonl` (absent: no changes); every change must match the label it replaces."""
    if not path.is_file():
        return []
    by_id = {r.id: r for r in rows}
    changes = []
    for no, raw in _lines(path):
        rid, dim, reason = raw.get("id"), raw.get("dimension"), str(raw.get("reason") or "").strip()
        row = by_id.get(str(rid))
        if row is None:
            raise InputError(f"{path}:{no}: 没有 id 为 {rid} 的样本")
        if dim not in row.labels:
            raise InputError(f"{path}:{no}: {rid} 没有标注 {dim}")
        if raw.get("from") is not row.labels[dim] or not isinstance(raw.get("to"), bool):
            raise InputError(f"{path}:{no}: {rid} 的 {dim} 现在是 {row.labels[dim]}，from/to 应是 true/false")
        if not reason:
            raise InputError(f"{path}:{no}: 改标签必须写明理由（reason）")
        row.labels[dim] = raw["to"]
        changes.append({"id": rid, "dimension": dim, "from": raw["from"], "to": raw["to"], "reason": reason})
    return changes


def load_lists(folder: Path | str | None = None) -> dict[str, dict[str, list[str]]]:
    """The public word lists: {list name: {group: [words]}} from `lists/*.yaml`."""
    import yaml

    base = (Path(folder) if folder else OUTSIDE) / "lists"
    out: dict[str, dict[str, list[str]]] = {}
    for path in sorted(base.glob("*.yaml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        out[str(data.get("name") or path.stem)] = {
            str(g): [str(w) for w in words or []] for g, words in (data.get("groups") or {}).items()
        }
    return out
