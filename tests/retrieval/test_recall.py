"""Retrieval quality on the labelled queries in evals/datasets/retrieval_queries.jsonl."""

import json
from datetime import date
from pathlib import Path

import pytest

from assistant.retrieval import search

DATASET = Path(__file__).resolve().parents[2] / "evals" / "datasets" / "retrieval_queries.jsonl"
K = 5


def _queries():
    return [json.loads(line) for line in DATASET.read_text(encoding="utf-8").splitlines() if line.strip()]


def recall_at_k(settings, rows, k=K):
    """Mean of |relevant ∩ top k| / min(|relevant|, k); cases match by case id, trends by item id."""
    scores = []
    for row in rows:
        day = date.fromisoformat(row["date"]) if row.get("date") else None
        hits = search(row["query"], kind=row["kind"], date=day, k=k, settings=settings)
        got = {h.metadata.get("case_id") if h.kind == "cases" else h.id for h in hits}
        relevant = set(row["relevant"])
        scores.append(len(relevant & got) / min(len(relevant), k))
    return sum(scores) / len(scores)


def test_dataset_is_well_formed(indexed_home):
    from assistant.retrieval.index import IndexStore

    rows = _queries()
    assert len(rows) >= 30
    store = IndexStore(indexed_home)
    manifest = store.manifest()
    case_ids = {r["metadata"]["case_id"] for r in store.part(manifest, "cases").records}
    trend_ids = {
        r["id"]
        for name in manifest["parts"]
        if name.startswith("trends-")
        for r in store.part(manifest, name).records
    }
    for row in rows:
        assert row["query"].strip() and row["relevant"]
        known = case_ids if row["kind"] == "cases" else trend_ids
        assert set(row["relevant"]) <= known, row
        if row["kind"] == "trends":
            assert row.get("date")


def test_recall_at_5_default_embedding(indexed_home):
    assert indexed_home.embedding_provider == "usem"
    rows = _queries()
    recall = recall_at_k(indexed_home, rows)
    print(f"recall@5 = {recall:.3f} over {len(rows)} queries")
    assert recall >= 0.8


@pytest.mark.parametrize("kind", ["cases", "trends"])
def test_recall_per_kind(indexed_home, kind):
    rows = [r for r in _queries() if r["kind"] == kind]
    assert rows
    assert recall_at_k(indexed_home, rows) >= 0.8
