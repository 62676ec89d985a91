"""The regex prefilter never skips a pattern that could match."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from assistant.checks.compliance import lexicon
from assistant.checks.low_barrier import rules
from assistant.checks.prefilter import may_match, required_chars

ALPHABET = list(
    "最好全网低价国家级之王品质医生都推荐你用过吗？还是更安全多少合适吃了能降血压第一保证有效，。！ 0123456789%"
)


def _patterns():
    lb = rules()
    yield from (rx for _rule, rx in lexicon().patterns)
    yield from (rx for ps in [*lb.signals.values(), *lb.penalties.values()] for rx in ps.regexes)


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from(ALPHABET), max_size=30))
def test_a_text_a_pattern_matches_is_never_skipped(text):
    chars = set(text)
    for rx in _patterns():
        if rx.search(text):
            assert may_match(rx, chars), (rx.pattern, text)


def test_required_characters_of_typical_patterns():
    assert required_chars("(全网|全国)[^，]{0,2}最低") == frozenset("全")
    assert required_chars("[\\u4e00-\\u9fff]{1,4}之王") == frozenset("之")
    assert required_chars("(?:a)?b") == frozenset("b")
    assert required_chars(".*") is None
    for text in ("全网最低价", "这款面霜是性价比之王"):
        assert any(rx.search(text) for _r, rx in lexicon().candidates(text))
