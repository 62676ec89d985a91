"""Rewriting index partitions during ingest: each affected partition gets its kept records plus the incoming
ones; a case shared by several files keeps every owner; the Chroma collection gets the new case rows."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from assistant.retrieval.index import IndexStore, Partition, new_collection_name
from assistant.retrieval.ingest_report import IngestReport


@dataclass
class CaseChanges:
    old_ids: set[str] = field(default_factory=set)
    new_ids: set[str] = field(default_factory=set)
    new_rows: list[tuple[dict[str, Any], np.ndarray]] = field(default_factory=list)


def rebuild_partitions(
    store: IndexStore,
    old: dict[str, Any] | None,
    manifest: dict[str, Any],
    affected: set[str],
    incoming: dict[str, list[tuple[dict[str, Any], np.ndarray]]],
    replaced: set[str],
    entries: dict[str, dict[str, Any]],
    report: IngestReport,
    bar: Any,
) -> CaseChanges:
    """Write each affected partition anew: its kept records plus the incoming ones."""
    cases = CaseChanges()
    task = bar.add_task("写入索引", total=len(affected)) if bar else None
    for name in sorted(affected):
        kept_records, kept_vecs = [], []
        previous = store.part(old, name) if old is not None else None
        if previous is not None:
            for i, rec in enumerate(previous.records):
                left = [f for f in owners(rec) if f not in replaced]
                if left:
                    kept_records.append(rec if len(left) == len(owners(rec)) else _with_owners(rec, left))
                    kept_vecs.append(previous.emb[i])
            report.chunks_removed += len(previous.records) - len(kept_records)
            if name == "cases":
                cases.old_ids = {r["id"] for r in previous.records}
        seen = {r["id"]: i for i, r in enumerate(kept_records)}
        case_owners = {r["metadata"].get("case_id"): r for r in kept_records} if name == "cases" else {}
        for rec, vec in incoming.get(name, []):
            if name == "cases" and _duplicate_case(rec, case_owners, entries, report):
                continue
            if rec["id"] in seen:  # the same trend item in another file: one more owner
                pos = seen[rec["id"]]
                kept_records[pos] = _with_owners(kept_records[pos], [*owners(kept_records[pos]), rec["file"]])
                continue
            report.chunks_added += 1
            seen[rec["id"]] = len(kept_records)
            kept_records.append(rec)
            kept_vecs.append(vec)
            if name == "cases":
                cases.new_rows.append((rec, vec))
        if kept_records:
            emb = np.vstack(kept_vecs).astype(np.float32)
            manifest["parts"][name] = store.write_part(Partition.build(name, kept_records, emb))
        else:
            manifest["parts"].pop(name, None)
        if name == "cases":
            cases.new_ids = set(seen)
        if bar:
            bar.advance(task)
    return cases


def owners(record: dict[str, Any]) -> list[str]:
    """Files that contain this record: a trend item can be in several files (knowledge base and
    HUATI_HOME/trends); it stays indexed while any of them still has it."""
    return record.get("files") or [record["file"]]


def _with_owners(record: dict[str, Any], files: list[str]) -> dict[str, Any]:
    """A copy of `record` owned by `files` (partitions are shared and immutable: never edit in place)."""
    files = list(dict.fromkeys(files))
    out = {k: v for k, v in record.items() if k != "files"}
    out["file"] = files[0]
    if len(files) > 1:
        out["files"] = files
    return out


def upsert_cases(
    store: IndexStore, manifest: dict[str, Any], embedding: str, rows: list[tuple[dict[str, Any], np.ndarray]]
) -> None:
    """Add new case chunks to Chroma; a new collection (first run, rebuild) gets every case chunk."""
    if manifest["collection"] is None:
        manifest["collection"] = new_collection_name(embedding)
        rows = _all_rows(store, manifest, "cases")
    collection = store.collection(manifest["collection"], embedding, create=True)
    for i in range(0, len(rows), 1000):
        batch = rows[i : i + 1000]
        collection.upsert(
            ids=[r["id"] for r, _ in batch],
            embeddings=np.vstack([v for _, v in batch]),
            documents=[r["text"] for r, _ in batch],
            metadatas=[{"case_id": r["metadata"].get("case_id", ""), "title": r["title"]} for r, _ in batch],
        )


def _duplicate_case(
    rec: dict[str, Any],
    owners: dict[str, dict[str, Any]],
    entries: dict[str, dict[str, Any]],
    report: IngestReport,
) -> bool:
    """True (and reported once per file) when another file already uses this case id."""
    case_id = rec["metadata"].get("case_id")
    owner = owners.setdefault(case_id, rec) if case_id else rec
    if owner["file"] == rec["file"]:
        return False
    message = f"{rec['source']}:2: 案例 id 与 {owner['source']} 重复：{case_id}，这个文件没有导入"
    entries[rec["file"]]["shadowed"] = True
    errors = entries[rec["file"]].setdefault("errors", [])
    if message not in errors:
        errors.append(message)
        report.errors.append(message)
    return True


def _all_rows(store: IndexStore, manifest: dict[str, Any], name: str):
    part = store.part(manifest, name)
    if part is None:
        return []
    return list(zip(part.records, part.emb, strict=True))
