"""Eval datasets as JSONL: labelled topics and draft requests. Errors say `path:line: reason`."""

from __future__ import annotations

import json
from datetime import date as Date
from pathlib import Path
from typing import Any

from pydantic import BaseModel, Field, ValidationError, field_validator

from assistant.errors import HuatiError, InputError

DATASETS = Path(__file__).resolve().parent / "datasets"
LABELLED = DATASETS / "labelled_topics.jsonl"
REQUESTS = DATASETS / "draft_requests.jsonl"
UNCATALOGUED = DATASETS / "uncatalogued_products.jsonl"

# Which human label each check is compared with.
LABEL_OF = {
    "compliance": "compliant",
    "low_barrier": "low_barrier",
    "relevance": "relevant",
    "tone": "tone_ok",
}


class Labels(BaseModel):
    relevant: bool
    low_barrier: bool
    tone_ok: bool
    compliant: bool
    good: bool


def _trend_list(value: Any) -> list[str]:
    if value is None:
        return []
    items = [value] if isinstance(value, str) else [str(v) for v in value]
    return [t for t in items if t.strip()]


class LabelledTopic(BaseModel):
    id: str = Field(..., min_length=1)
    topic: str = Field(..., min_length=1)
    product: str = Field(..., min_length=1)
    category: str | None = None  # for products outside the catalogue
    audience: str | None = None
    trend: list[str] = []
    date: Date | None = None
    labels: Labels
    why: str = ""

    _trend = field_validator("trend", mode="before")(lambda cls, v: _trend_list(v))

    def check_refs(self) -> None:
        _check_refs(self.audience, self.date)

    @property
    def split(self) -> str:
        """Tuning split: ids ending in 0-6 tune the checks, 7-9 are held out."""
        last = self.id[-1]
        return "held_out" if last.isdigit() and int(last) >= 7 else "tune"


class DraftRequestCase(BaseModel):
    """A request to draft. `points`, `split` (dev / holdout) and `group` (the kind of product, for counting;
    not a chat group) come with `uncatalogued_products.jsonl`; other keys (`source`) are ignored."""

    id: str = Field(..., min_length=1)
    product: str = Field(..., min_length=1)
    audience: str | None = None
    date: Date
    trend: list[str] = []
    category: str | None = None
    points: list[str] = []
    split: str | None = None
    kind: str | None = Field(
        None, alias="group", description="the dataset's product group (not a chat group)"
    )

    _trend = field_validator("trend", mode="before")(lambda cls, v: _trend_list(v))

    def check_refs(self) -> None:
        _check_refs(self.audience, self.date)


def _check_refs(audience: str | None, day: Date | None) -> None:
    """Audience names the knowledge base knows and dates in the supported range (InputError otherwise)."""
    from assistant.dates import check_range
    from assistant.knowledge import find_audience

    if audience is not None and audience.strip():
        find_audience(audience)
    if day is not None:
        check_range(day)


def _read(path: Path, model: type[BaseModel]) -> list[Any]:
    path = Path(path)
    if not path.is_file():
        raise InputError(f"找不到数据集文件：{path}", field="dataset")
    items: list[Any] = []
    seen: set[str] = set()
    for no, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            raw = json.loads(line)
        except json.JSONDecodeError as exc:
            raise InputError(f"{path}:{no}: 不是合法的 JSON（{exc.msg}）") from exc
        try:
            item: Any = model.model_validate(raw)
        except ValidationError as exc:
            err = exc.errors()[0]
            loc = ".".join(str(x) for x in err["loc"])
            if err["type"] == "missing":
                raise InputError(f"{path}:{no}: 缺少必填字段 {loc}") from exc
            raise InputError(
                f"{path}:{no}: 字段 {loc} 无效（{err['msg']}，当前值 {err.get('input')!r}）"
            ) from exc
        try:
            item.check_refs()
        except HuatiError as exc:
            raise InputError(f"{path}:{no}: {exc.message}") from exc
        if item.id in seen:
            raise InputError(f"{path}:{no}: id 重复：{item.id}")
        seen.add(item.id)
        items.append(item)
    if not items:
        raise InputError(f"{path}: 数据集是空的")
    return items


def load_labelled(path: Path | str | None = None) -> list[LabelledTopic]:
    return _read(Path(path) if path else LABELLED, LabelledTopic)


def load_requests(path: Path | str | None = None) -> list[DraftRequestCase]:
    return _read(Path(path) if path else REQUESTS, DraftRequestCase)
