"""Regression gate: the checks must keep agreeing with the human labels."""

from __future__ import annotations

import pytest

from evals.calibrate import TARGETS, calibrate
from evals.datasets import load_labelled
from evals.metrics import agreement, cohen_kappa


@pytest.fixture(scope="module")
def result():
    return calibrate()


def test_dataset_is_broad_and_keeps_the_hard_cases():
    cases = load_labelled()
    assert len(cases) >= 150
    assert len({c.product for c in cases}) >= 12
    canonical = [c for c in cases if c.topic == "你用过美白类牙膏吗?" and c.product == "亮白牙膏"]
    assert canonical and canonical[0].labels.good
    topics = " ".join(c.topic for c in cases)
    for hard in (
        "最喜欢",
        "最近",
        "最惨的一次",
        "白了一个度",
        "全网最低价",
        "第①",
        "百分之百",
        "國家級",
        "全 网",
        "第一胎",  # ordinal 第一
        "第12次",
        "top 10",
        "心中排名第一",  # the reader's own ranking
        "血糖稳多了",  # efficacy told as a result
        "得过尿布疹吗",  # a condition asked about is not a claim
        "这个空气炸锅",  # pointer
        "一百％",
        "多少度",  # experience question, not a quiz
        "需要的扣1",
    ):
        assert hard in topics, hard
    assert {c.split for c in cases} == {"tune", "held_out"}
    assert any(c.category for c in cases)  # products outside the catalogue judged by their category
    for case in cases:  # good means all four dimensions are fine
        labels = case.labels
        assert labels.good == (labels.relevant and labels.low_barrier and labels.tone_ok and labels.compliant)


@pytest.mark.parametrize("check", sorted(TARGETS))
def test_kappa_targets_on_all_and_held_out(result, check):
    assert result["checks"]["all"][check]["kappa"] >= TARGETS[check]
    assert result["checks"]["held_out"][check]["kappa"] >= TARGETS[check]


def test_disagreements_are_reported_with_reasons(result):
    assert result["meets_targets"] is True
    for d in result["disagreements"]:
        assert d["reasons"] and d["why"] and d["human"] != d["check_pass"]


def test_kappa_known_values():
    # 20 items: 2x2 table tp=8, fn=2, fp=1, tn=9 -> po=0.85, pe=0.5*0.45+0.5*0.55=0.5 -> kappa=0.7
    c = {"tp": 8, "fn": 2, "fp": 1, "tn": 9}
    assert cohen_kappa(c) == pytest.approx(0.7)
    pairs = [(True, True)] * 8 + [(True, False)] * 2 + [(False, True)] + [(False, False)] * 9
    m = agreement(pairs)
    assert m["accuracy"] == pytest.approx(0.85)
    assert m["tpr"] == pytest.approx(0.8) and m["tnr"] == pytest.approx(0.9)
    assert agreement([(True, True)] * 3)["kappa"] == 1.0
