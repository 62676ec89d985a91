from __future__ import annotations

import csv
import json
from datetime import date
from pathlib import Path

import pytest

from assistant.models import TrendItem
from assistant.retrieval.trends import parse_trends

TRENDS = Path(__file__).resolve().parents[2] / "knowledge_base" / "trends"
PLATFORMS = {"微博热搜", "百度热搜", "抖音热榜", "小红书", "知乎热榜"}
REQUIRED_DATES = [date(2026, 11, d) for d in range(20, 27)] + [date(2026, 12, d) for d in range(19, 24)]


def _items(path: Path) -> list[TrendItem]:
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    return [TrendItem.model_validate(row) for row in rows]


def test_required_dates_present():
    have = {date.fromisoformat(p.stem) for p in TRENDS.glob("*.jsonl")}
    assert set(REQUIRED_DATES) <= have
    assert {date(2026, 6, 18), date(2026, 7, 20), date(2027, 2, 1)} <= have


@pytest.mark.parametrize("path", sorted(TRENDS.glob("*.jsonl")), ids=lambda p: p.stem)
def test_sample_lines_validate(path):
    items = _items(path)
    assert 15 <= len(items) <= 25
    assert all(i.sample for i in items)
    assert all(i.date.isoformat() == path.stem for i in items)
    assert {i.platform for i in items} <= PLATFORMS
    assert all(i.heat and i.heat > 0 and i.category for i in items)
    assert len({i.id for i in items}) == len(items)  # no duplicate titles per platform
    # Samples mix in unrelated items (sports / entertainment), as real hot lists do.
    assert {"体育", "娱乐"} & {i.category for i in items}


def test_dongzhi_is_trending_on_the_day():
    titles = [i.title for i in _items(TRENDS / "2026-12-22.jsonl")]
    assert any("冬至" in t for t in titles)


def test_examples_are_well_formed():
    rows = list(csv.DictReader((TRENDS / "examples" / "hotlist.csv").open(encoding="utf-8")))
    assert rows and set(rows[0]) == {"date", "platform", "title", "heat", "category", "url", "sample"}
    for row in rows:
        TrendItem.model_validate({k: v for k, v in row.items() if v != ""})
    hot = json.loads((TRENDS / "examples" / "weibo-dailyhot.json").read_text(encoding="utf-8"))
    assert hot["code"] == 200 and hot["name"] == "weibo"
    assert all({"id", "title", "hot", "url"} <= set(d) for d in hot["data"])
    # Shipped examples are samples: marked in the data, so imports keep the mark.
    assert all(row["sample"] == "true" for row in rows) and hot["sample"] is True
    for path in (TRENDS / "examples").iterdir():
        items, _ = parse_trends(path)
        assert items and all(i.sample for i in items), path.name


def test_broken_example_has_exactly_two_bad_lines():
    bad = []
    for n, line in enumerate(
        (TRENDS / "examples" / "broken.jsonl").read_text(encoding="utf-8").splitlines(), 1
    ):
        try:
            TrendItem.model_validate(json.loads(line))
        except (ValueError, TypeError):
            bad.append(n)
    assert bad == [2, 4]
