from __future__ import annotations

import re

import pytest

from assistant.errors import DataError, InputError
from assistant.knowledge import audience_names, find_audience, load_audiences

NAMES = ["宝妈群", "大学生群", "职场白领群", "银发群", "宠物主群", "社区团购群", "美妆护肤群", "健身打卡群"]


def _minutes(hhmm: str) -> int:
    h, m = map(int, hhmm.split(":"))
    return h * 60 + m


def test_audiences_validate():
    audiences = load_audiences()
    assert audience_names() == NAMES
    for a in audiences:
        assert a.description and a.tone and a.address != "大家", a.id
        assert len(a.interests) >= 4 and a.pain_points, a.id
        assert a.active_hours, a.id
        for w in a.active_hours:
            assert 0 <= _minutes(w.start) < _minutes(w.end) <= 24 * 60, (a.id, w)
            assert w.label
        assert re.fullmatch(r"[a-z0-9-]+", a.id)


def test_active_hours_are_believable():
    moms = find_audience("宝妈群")
    assert any(w.start == "21:00" for w in moms.active_hours)  # after the kids sleep
    seniors = find_audience("银发群")
    assert min(_minutes(w.start) for w in seniors.active_hours) < 8 * 60  # early risers
    assert max(_minutes(w.end) for w in seniors.active_hours) <= 21 * 60


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("宝妈", "宝妈群"),
        ("宝妈群", "宝妈群"),
        ("moms", "宝妈群"),
        ("打工人", "职场白领群"),
        (" 银发 ", "银发群"),
        ("MOMS", "宝妈群"),
        ("宠物主", "宠物主群"),
    ],
)
def test_find_audience(query, expected):
    assert find_audience(query).name == expected


@pytest.mark.parametrize("query", ["外星人群", "", "  "])
def test_unknown_audience_lists_known(query):
    with pytest.raises(InputError) as exc:
        find_audience(query)
    msg = exc.value.message
    assert "已知：宝妈群、大学生群" in msg
    if query.strip():
        assert msg.startswith("未知的群类型：外星人群。")


def test_malformed_audience_file(scratch_kb):
    (scratch_kb / "audiences" / "audiences.yaml").write_text(
        "- id: x\n  name: 测试群\n  active_hours:\n    - {start: '9:00', end: '10:00'}\n", encoding="utf-8"
    )
    with pytest.raises(DataError) as exc:
        load_audiences()
    assert ":3: " in exc.value.message and "active_hours" in exc.value.message


def test_audience_file_not_a_list(scratch_kb):
    (scratch_kb / "audiences" / "audiences.yaml").write_text("id: x\nname: 测试群\n", encoding="utf-8")
    with pytest.raises(DataError, match=r":1: 文件应是一个 YAML 列表"):
        load_audiences()


def test_trend_skip_words_keep_other_groups_out():
    seniors = find_audience("银发群")
    assert "打工人" in seniors.trend_skip and "考研" in seniors.trend_skip
    students = find_audience("大学生群")
    assert "带娃" in students.trend_skip and "打工人" not in students.trend_skip
