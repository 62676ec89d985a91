"""`huati check --file` batches: repeated lines checked once, large batches split over processes, same JSON."""

from __future__ import annotations

import json

from assistant.checks import batch, check_topic
from assistant.checks.topic import resolve

LINES = [
    ("你用过美白类牙膏吗？", "亮白牙膏", None, "宝妈群", "2026-11-24", []),
    ("这款奶粉是全网最低价，医生都推荐！", "奶粉", "母婴", None, None, []),
    ("冬至你家吃饺子还是汤圆？", "手工水饺", None, None, "2026-12-22", ["冬至吃饺子"]),
    ("周末去哪儿玩了？", "旅行箱", "箱包", None, None, []),
]


def _expected(line):
    topic, product, category, audience, date, trend = line
    prod, aud = resolve(product, category, audience)
    return check_topic(topic, prod, audience=aud, date=date, trend=trend).public_dict()


def test_batch_results_equal_one_by_one_in_order(monkeypatch):
    lines = [LINES[i % len(LINES)] for i in range(10)] + [
        (f"你家几点吃晚饭？{i}", "空气炸锅", None, None, None, []) for i in range(8)
    ]
    serial = [json.loads(x) for x in batch.check_lines(lines)]
    assert serial == [_expected(line) for line in lines]
    monkeypatch.setattr(batch, "PARALLEL_FROM", 2)  # force the worker processes on a small batch
    parallel = [json.loads(x) for x in batch.check_lines(lines)]
    assert parallel == serial


def test_repeated_lines_are_checked_once(monkeypatch):
    calls = []
    real = batch._one
    monkeypatch.setattr(batch, "_one", lambda work: calls.append(work[0]) or real(work))
    out = batch.check_lines([LINES[0]] * 5 + [LINES[1]] * 3)
    assert len(out) == 8 and len(calls) == 2 and out[0] == out[4]
