"""Saving imported trends under `HUATI_HOME/trends/<date>.jsonl` and indexing the files that changed."""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date as Date
from pathlib import Path
from typing import Any

from assistant.models import TrendItem
from assistant.retrieval.ingest import ingest
from assistant.retrieval.trends import parse_trends
from assistant.settings import Settings, get_settings


@dataclass
class SavedTrends:
    saved: int = 0
    duplicates: int = 0
    files: list[str] = field(default_factory=list)
    report: Any = None  # IngestReport of the indexing step


def save_trends(
    items: Iterable[TrendItem], settings: Settings | None = None, index: bool = True
) -> SavedTrends:
    """Append new items to `HUATI_HOME/trends/<date>.jsonl` (duplicates skipped) and index those files."""
    settings = settings or get_settings()
    directory = settings.ensure_home() / "trends"
    directory.mkdir(parents=True, exist_ok=True)
    by_date: dict[Date, list[TrendItem]] = {}
    for item in items:
        by_date.setdefault(item.date, []).append(item)
    result = SavedTrends()
    touched: list[Path] = []
    for day, group in sorted(by_date.items()):
        path = directory / f"{day.isoformat()}.jsonl"
        known = {i.id for i in parse_trends(path)[0]} if path.exists() else set()
        fresh = []
        for item in group:
            if item.id in known:
                result.duplicates += 1
                continue
            known.add(item.id)
            fresh.append(item)
        if fresh:
            with path.open("a", encoding="utf-8") as fh:
                for item in fresh:
                    fh.write(
                        json.dumps(item.model_dump(mode="json", exclude_none=True), ensure_ascii=False) + "\n"
                    )
            result.saved += len(fresh)
            touched.append(path)
    result.files = [str(p) for p in touched]
    if index and touched:
        result.report = ingest(paths=touched, settings=settings, progress=False)
    return result
