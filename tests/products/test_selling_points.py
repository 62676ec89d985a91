"""The selling-point lexicon: typed points and titles read against it."""

from __future__ import annotations

import pytest

from assistant.errors import DataError
from assistant.products.points import fit_points, load_lexicon, match_points, points_in_name


def test_lexicon_is_large_and_every_entry_answers_a_pain():
    lexicon = load_lexicon()
    assert len(lexicon.points) >= 200
    for entry in lexicon.points:
        assert entry.pain and entry.moment and entry.ask.endswith("？"), entry.phrase


def test_each_point_gets_the_longest_entry_it_contains():
    got = match_points(["上门喂猫，出差不用愁", "防滑设计", "发货前会再检查一遍", "  ", "防滑设计"])
    assert [m.point for m in got] == ["上门喂猫，出差不用愁", "防滑设计", "发货前会再检查一遍"]
    assert got[0].entry is not None and got[0].entry.phrase == "上门喂养"  # not the shorter 上门 (上门服务)
    assert got[0].matched == "上门喂猫"
    assert got[1].entry is not None and got[1].entry.phrase == "防滑"
    assert got[1].entry.pain and got[1].entry.ask  # the everyday pain it answers, and a question about it
    assert got[2].entry is None and got[2].matched == ""  # unknown points are kept, without an entry
    assert all(m.source == "given" for m in got)


def test_width_and_case_do_not_matter():
    (match,) = match_points(["０糖配方"])
    assert match.entry is not None and match.entry.phrase == "无糖"


def test_points_written_in_a_title_in_title_order():
    found = points_in_name("加绒加厚防滑雪地靴女")
    assert [m.entry.phrase for m in found if m.entry] == ["加绒", "加厚", "防滑"]
    assert all(m.source == "name" for m in found)


def test_words_of_the_type_itself_are_not_points():
    assert [m.matched for m in points_in_name("保暖内衣")] == ["保暖"]
    assert points_in_name("保暖内衣", skip=["保暖内衣"]) == []


def test_entries_for_other_natures_are_dropped_but_the_point_stays():
    (match,) = match_points(["适口性好，猫咪爱吃"])
    assert match.entry is not None and "food" in match.entry.natures
    (kept,) = fit_points([match], "food")
    assert kept.entry is not None
    (dropped,) = fit_points([match], "durable")
    assert dropped.entry is None and dropped.point == match.point


def test_a_word_in_two_entries_is_refused(kb_copy):
    path = kb_copy.kb_dir / "selling_points.yaml"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("aliases: [低脂肪]", "aliases: [低脂肪, 零糖]", 1), encoding="utf-8")
    with pytest.raises(DataError) as info:
        load_lexicon(kb_copy)
    assert "selling_points.yaml:" in info.value.message and "「零糖」" in info.value.message


def test_unknown_nature_is_refused(kb_copy):
    path = kb_copy.kb_dir / "selling_points.yaml"
    text = path.read_text(encoding="utf-8")
    line = text[: text.index("    natures: [food]")].count("\n") + 1
    path.write_text(text.replace("    natures: [food]", "    natures: [snack]", 1), encoding="utf-8")
    with pytest.raises(DataError) as info:
        load_lexicon(kb_copy)
    assert f"selling_points.yaml:{line}: " in info.value.message and "'snack'" in info.value.message
