"""The type library loads, and every kind of broken file is reported as `path:line: reason`."""

from __future__ import annotations

import re

import pytest

from assistant.errors import DataError
from assistant.products.library import load_library


def _edit(settings, name: str, old: str, new: str, count: int = 1) -> int:
    """Replace text in one library file; returns the 1-based line of the first replacement."""
    path = settings.kb_dir / "product_types" / name
    text = path.read_text(encoding="utf-8")
    assert old in text, old
    line = text[: text.index(old)].count("\n") + 1
    path.write_text(text.replace(old, new, count), encoding="utf-8")
    return line


def _error(settings) -> str:
    with pytest.raises(DataError) as info:
        load_library(settings)
    return info.value.message


def test_shipped_library_is_large_and_clean():
    lib = load_library()
    assert len(lib.categories) >= 40 and len(lib.types) >= 300
    for ptype in lib.types.values():
        assert len(ptype.scenes) >= 5 and len(ptype.pains) >= 3 and len(ptype.debates) >= 2, ptype.id
        assert all(a and b for a, b in ptype.debates), ptype.id
    # The overlaps the staging copy had are gone: each word means one type.
    assert lib.type_ids_for("儿童睡衣") == ("kids-wear-kids-pajamas",)
    assert lib.type_ids_for("牛肉粒") == ("snacks-beef-jerky",)


def test_lines_fit_the_sentences_they_go_into():
    # "{scene}的时候，…" and "你有没有遇到过{pain}？": short, without a subject, no question marks.
    lib = load_library()
    sets = [(t.id, t) for t in lib.types.values()]
    sets += [(f"nature:{k}", v) for k, v in lib.nature_lines.items()]
    sets += [(f"users:{k}", v) for k, v in lib.user_lines.items()]
    for where, lines in sets:
        assert all(len(s) <= 12 and "？" not in s for s in lines.scenes), where
        assert all(len(p) <= 14 and "？" not in p for p in lines.pains), where
        assert len(set(lines.scenes)) == len(lines.scenes), where


def test_category_defaults_apply_unless_a_type_overrides():
    lib = load_library()
    boots = lib.types["kids-wear-rain-boots"]
    assert (boots.nature, boots.verb, boots.unit, boots.users) == ("wearable", "穿", "双", ["child"])
    assert boots.category == "kids-wear" and boots.category_name == "童装童鞋"
    toddler = lib.types["kids-wear-toddler-shoes"]
    assert toddler.users == ["baby"]  # its own override
    assert lib.types["kids-wear-down-jacket"].unit == "件"  # the category's default


def test_unknown_vocabulary_value_names_file_line_and_field(kb_copy):
    line = _edit(
        kb_copy, "kids-wear.yaml", "    themes: [rain, kids, school_start]", "    themes: [rain, puddles]"
    )
    message = _error(kb_copy)
    assert re.search(rf"kids-wear\.yaml:{line}: ", message), message
    assert "themes" in message and "'puddles'" in message and "不在词表里" in message


def test_unknown_nature_in_defaults(kb_copy):
    line = _edit(kb_copy, "toys.yaml", "  nature: durable", "  nature: plaything")
    message = _error(kb_copy)
    assert f"toys.yaml:{line}: " in message and "defaults.nature" in message


def test_duplicate_id_across_files(kb_copy):
    _edit(kb_copy, "toys.yaml", "  - id: toys-rc-car", "  - id: kids-wear-rain-boots")
    message = _error(kb_copy)
    assert "toys.yaml:" in message and "类型 id 重复：kids-wear-rain-boots" in message
    assert "kids-wear.yaml" in message  # where it already was


def test_alias_of_two_types_is_refused_unless_allowlisted(kb_copy):
    _edit(kb_copy, "shoes-bags.yaml", "aliases: [跑鞋, ", "aliases: [雨靴, 跑鞋, ")
    message = _error(kb_copy)
    assert "shoes-bags.yaml:" in message or "kids-wear.yaml:" in message
    assert "别名「雨靴」同时属于" in message and "shared_aliases" in message

    path = kb_copy.kb_dir / "product_types" / "_aliases.yaml"
    text = path.read_text(encoding="utf-8").replace(
        "shared_aliases: []",
        "shared_aliases:\n  - {alias: 雨靴, types: [kids-wear-rain-boots, shoes-bags-sneakers], why: 测试用的白名单}",
    )
    path.write_text(text, encoding="utf-8")
    lib = load_library(kb_copy)
    assert set(lib.type_ids_for("雨靴")) == {"kids-wear-rain-boots", "shoes-bags-sneakers"}


def test_too_few_scenes(kb_copy):
    path = kb_copy.kb_dir / "product_types" / "kids-wear.yaml"
    text = path.read_text(encoding="utf-8")
    text = text.replace("      - 周末去郊外玩泥巴\n      - 梅雨季出门\n", "", 1)
    path.write_text(text, encoding="utf-8")
    message = _error(kb_copy)
    assert "kids-wear.yaml:" in message and "scenes 至少要 5 条（现在 3 条）" in message


def test_debate_must_be_either_or(kb_copy):
    line = _edit(kb_copy, "kids-wear.yaml", "      - 穿雨靴|套鞋套", "      - 穿雨靴还是套鞋套")
    message = _error(kb_copy)
    assert "kids-wear.yaml:" in message and "甲|乙" in message
    assert int(re.search(r"kids-wear\.yaml:(\d+):", message).group(1)) <= line


def test_slug_must_match_file_name(kb_copy):
    line = _edit(kb_copy, "toys.yaml", "slug: toys", "slug: toy-box")
    assert f"toys.yaml:{line}: slug toy-box 应与文件名 toys 一致" in _error(kb_copy)


def test_yaml_syntax_error_points_at_the_line(kb_copy):
    line = _edit(kb_copy, "toys.yaml", "aliases: [儿童玩具,", "aliases: [儿童玩具,,, {")
    message = _error(kb_copy)
    assert "toys.yaml:" in message and "YAML 格式错误" in message
    assert int(re.search(r"toys\.yaml:(\d+):", message).group(1)) >= line


def test_category_word_of_two_categories_must_be_an_umbrella(kb_copy):
    _edit(kb_copy, "toys.yaml", "aliases: [儿童玩具,", "aliases: [童装, 儿童玩具,")
    message = _error(kb_copy)
    assert "品类别名「童装」同时属于" in message and "umbrellas" in message


def test_umbrella_with_unknown_category(kb_copy):
    _edit(
        kb_copy, "_aliases.yaml", "categories: [pet-food, pet-supplies]", "categories: [pet-food, pet-hotels]"
    )
    message = _error(kb_copy)
    assert "_aliases.yaml:" in message and "pet-hotels" in message


def test_missing_nature_lines(kb_copy):
    path = kb_copy.kb_dir / "product_types" / "_natures.yaml"
    text = path.read_text(encoding="utf-8")
    start = text.index("  gift:\n")
    end = text.index("neutral:")
    path.write_text(text[:start] + text[end:], encoding="utf-8")
    assert "缺少性质 gift" in _error(kb_copy)


def test_edited_file_is_read_again(kb_copy):
    assert load_library(kb_copy).types["toys-rc-car"].name == "遥控车"
    _edit(kb_copy, "toys.yaml", "    name: 遥控车", "    name: 遥控小汽车")
    assert load_library(kb_copy).types["toys-rc-car"].name == "遥控小汽车"
