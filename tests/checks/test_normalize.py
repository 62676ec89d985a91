"""Normalisation keeps a faithful map back to the original text."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from assistant.checks import run_checks
from assistant.checks.normalize import normalize


def test_folds_width_script_and_separators():
    n = normalize("國家級 ＮＯ．１ 全｜网·最*低 价 第①")
    assert n.text == "国家级no1全网最低价第1"
    i = n.text.index("全网最低价")
    assert n.quote(i, i + 5) == "全｜网·最*低 价"


@settings(max_examples=200, deadline=None)
@given(
    st.text(
        alphabet=st.sampled_from(list("最好全网低价國家級第①百分之 ｜·ＡＢ吗？!你用过美白牙膏\n")),
        max_size=40,
    )
)
def test_spans_stay_inside_the_original(text):
    n = normalize(text)
    assert len(n.index) == len(n.text)
    assert list(n.index) == sorted(n.index)
    for i in range(len(n.text)):
        a, b = n.span(i, i + 1)
        assert 0 <= a < b <= len(text)


@settings(max_examples=100, deadline=None)
@given(st.text(min_size=1, max_size=80).filter(lambda s: s.strip()))
def test_run_checks_never_crashes_and_spans_are_valid(text):
    report = run_checks(text, "亮白牙膏")
    assert 0 <= report.score <= 1
    for result in report.checks.values():
        for a, b in result.details.get("spans", []):
            assert 0 <= a <= b <= len(text)
