from __future__ import annotations

import re
from pathlib import Path

import pytest

from assistant.errors import DataError, InputError
from assistant.knowledge import audience_names, find_product, load_products, resolve_product

REPO_KB_PATTERNS = Path(__file__).resolve().parents[2] / "knowledge_base" / "patterns"
REQUIRED_IDS = {
    "toothpaste",
    "sunscreen",
    "face-cream",
    "diapers",
    "kids-cup",
    "air-fryer",
    "electric-blanket",
    "navel-orange",
    "dumplings",
    "oatmeal",
    "down-jacket",
    "cat-litter",
    "dog-treats",
    "earbuds",
    "power-bank",
    "picture-books",
    "laundry-pods",
}


def test_catalogue_validates_and_is_rich():
    products = load_products()
    assert {p.id for p in products} == REQUIRED_IDS
    for p in products:
        assert p.subject, p.id
        assert 5 <= len(p.selling_points) <= 8, p.id
        assert 5 <= len(p.scenarios) <= 10, p.id
        assert 8 <= len(p.keywords) <= 15, p.id
        assert p.subject in p.keywords, p.id
        assert p.forbidden_claims, p.id
        assert not p.ad_hoc


def test_scenarios_fit_the_sentence_pattern():
    # The offline engine writes "你平时{scenario}的时候…": scenarios are short, without 时候/punctuation.
    for p in load_products():
        for scenario in p.scenarios:
            assert 2 <= len(scenario) <= 12, (p.id, scenario)
            assert "时候" not in scenario and not re.search(r"[，。？！,.?!、]", scenario), (p.id, scenario)


def test_every_product_audience_exists():
    known = set(audience_names())
    for p in load_products():
        assert p.audience, p.id
        assert set(p.audience) <= known, (p.id, set(p.audience) - known)


def test_subjects_and_keywords_are_distinctive():
    products = load_products()
    subjects = [p.subject for p in products]
    assert len(subjects) == len(set(subjects))
    owner: dict[str, str] = {}
    for p in products:
        for kw in p.keywords:
            assert kw not in owner, f"{kw} shared by {owner.get(kw)} and {p.id}"
            owner[kw] = p.id
    # No keyword is a substring of another product's keyword (substring matching stays unambiguous).
    pairs = [(kw, pid) for kw, pid in owner.items()]
    for kw, pid in pairs:
        for other, oid in pairs:
            assert pid == oid or kw not in other, (kw, pid, other, oid)


def test_toothpaste_may_not_claim_whitening():
    assert "美白" in find_product("牙膏").forbidden_claims


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("toothpaste", "toothpaste"),
        ("TOOTHPASTE", "toothpaste"),
        ("亮白牙膏", "toothpaste"),
        (" 亮白 牙膏 ", "toothpaste"),
        ("美白牙膏", "toothpaste"),
        ("尿不湿", "diapers"),
        ("ｔｏｏｔｈｐａｓｔｅ", "toothpaste"),  # full-width
        ("Air-Fryer", "air-fryer"),
        ("橙子", "navel-orange"),
    ],
)
def test_find_product_matches_id_name_alias(query, expected):
    found = find_product(query)
    assert found is not None and found.id == expected


@pytest.mark.parametrize("query", ["", "   ", "竹纤维抽纸", "牙"])
def test_find_product_misses(query):
    assert find_product(query) is None


def test_resolve_catalogue_product():
    assert resolve_product("防晒").id == "sunscreen"


def test_resolve_ad_hoc_product():
    p = resolve_product("竹纤维抽纸", category="家居日用", points=["柔韧不掉屑", "擦手擦脸都能用"])
    assert p.ad_hoc and p.id.startswith("adhoc-")
    assert p.subject == "竹纤维抽纸" and p.category == "家居日用"
    assert p.selling_points == ["柔韧不掉屑", "擦手擦脸都能用"]
    assert "抽纸" in p.keywords and "竹纤维抽纸" in p.keywords
    assert "柔韧不掉屑" in p.keywords
    # Stable id for the same input, different for another product.
    assert resolve_product("竹纤维抽纸", category="家居日用").id == p.id
    assert resolve_product("无线鼠标").id != p.id


def test_resolve_ad_hoc_defaults_and_fluff():
    p = resolve_product("新款 包邮 陶瓷马克杯")
    assert p.category == "其他"
    assert "包邮" not in "".join(p.keywords)
    assert "马克杯" in p.keywords


@pytest.mark.parametrize("bad", ["", "   \t", None])
def test_resolve_rejects_empty(bad):
    with pytest.raises(InputError) as exc:
        resolve_product(bad)
    assert "产品名不能为空" in exc.value.message


def test_resolve_rejects_over_long():
    with pytest.raises(InputError) as exc:
        resolve_product("好" * 51)
    assert "太长" in exc.value.message


def test_malformed_catalogue_points_at_line(scratch_kb):
    (scratch_kb / "products" / "catalogue.yaml").write_text(
        "- id: a\n  name: 甲\n  category: 其他\n- id: b\n  name: [unclosed\n", encoding="utf-8"
    )
    with pytest.raises(DataError) as exc:
        load_products()
    assert exc.value.message.startswith(str(scratch_kb / "products" / "catalogue.yaml") + ":")
    assert ":5: " in exc.value.message and "没有闭合" in exc.value.message


def test_invalid_item_points_at_field_line(scratch_kb):
    (scratch_kb / "products" / "catalogue.yaml").write_text(
        "- id: a\n  name: 甲\n  category: 其他\n- id: b\n  name: 乙\n  category: 其他\n  keywords: 7\n",
        encoding="utf-8",
    )
    with pytest.raises(DataError) as exc:
        load_products()
    msg = exc.value.message
    assert ":7: " in msg, msg
    assert "第 2 项" in msg and "keywords" in msg


def test_missing_field_points_at_item(scratch_kb):
    (scratch_kb / "products" / "catalogue.yaml").write_text(
        "- id: a\n  name: 甲\n  category: 其他\n\n- id: b\n  name: 乙\n", encoding="utf-8"
    )
    with pytest.raises(DataError) as exc:
        load_products()
    assert ":5: " in exc.value.message and "category" in exc.value.message


def test_duplicate_ids_rejected(scratch_kb):
    (scratch_kb / "products" / "extra.yaml").write_text(
        "- id: toothpaste\n  name: 另一个牙膏\n  category: 其他\n", encoding="utf-8"
    )
    with pytest.raises(DataError, match="toothpaste"):
        load_products()


def test_cache_reloads_changed_file(scratch_kb):
    before = len(load_products())
    (scratch_kb / "products" / "extra.yaml").write_text(
        "- id: tissue\n  name: 抽纸\n  category: 家居日用\n", encoding="utf-8"
    )
    assert len(load_products()) == before + 1
    assert find_product("抽纸").id == "tissue"


def test_new_fields_are_consistent():
    from assistant.checks import check_compliance
    from assistant.drafting.offline.library import library

    lib = library()
    traits, themes = set(lib["traits"]), set(lib["themes"])
    events = {str(e) for t in lib["themes"].values() for e in t.get("events", [])}
    groups = set(audience_names())
    for p in load_products():
        assert p.traits and set(p.traits) <= traits, p.id
        assert p.verb and p.unit, p.id
        assert 12 <= len(p.questions) <= 30, p.id
        for tags in (p.scenario_audiences, p.question_audiences):
            assert {g for gs in tags.values() for g in gs} <= groups, p.id
        assert set(p.tie_ins) <= themes | events | {"direct"}, (p.id, set(p.tie_ins) - themes - events)
        for q in [*p.questions, *(line for lines in p.tie_ins.values() for line in lines)]:
            assert q.count("？") <= 1 and len(q) <= 40, (p.id, q)
            assert check_compliance(q.replace("{hook}", "双11"), p).passed, (p.id, q)


def test_scenes_and_questions_follow_the_group():
    from assistant.knowledge import find_audience

    earbuds = find_product("耳机")
    students, office = find_audience("大学生群"), find_audience("职场白领群")
    assert "在办公室开线上会议" in earbuds.scenes_for(office)
    assert "在办公室开线上会议" not in earbuds.scenes_for(students)
    assert "在图书馆自习" in earbuds.scenes_for(students)
    assert set(earbuds.scenes_for(None)) == set(earbuds.scenarios)  # no group: every scene
    toothpaste = find_product("牙膏")
    kid_question = next(q for q, groups in toothpaste.question_audiences.items() if "宝妈群" in groups)
    assert kid_question in toothpaste.questions_for(find_audience("宝妈群"))
    assert kid_question not in toothpaste.questions_for(students)


def test_tagged_scenario_round_trips():
    p = find_product("耳机")
    again = type(p).model_validate(p.model_dump())
    assert again.scenarios == p.scenarios and again.scenario_audiences == p.scenario_audiences


def test_unknown_trait_or_group_points_at_line(scratch_kb):
    import shutil

    from assistant.knowledge import clear_cache

    shutil.copytree(REPO_KB_PATTERNS, scratch_kb / "patterns")
    path = scratch_kb / "products" / "catalogue.yaml"
    path.write_text("- id: a\n  name: 甲\n  category: 其他\n  traits: [food, shiny]\n", encoding="utf-8")
    with pytest.raises(DataError) as exc:
        load_products()
    assert ":4: " in exc.value.message and "shiny" in exc.value.message
    path.write_text(
        "- id: a\n  name: 甲\n  category: 其他\n  scenarios:\n    - 早上\n    - {text: 晚上, for: [火星群]}\n",
        encoding="utf-8",
    )
    clear_cache()
    with pytest.raises(DataError) as exc:
        load_products()
    assert ":4: " in exc.value.message and "火星群" in exc.value.message
    path.write_text(
        "- id: a\n  name: 甲\n  category: 其他\n  tie_ins: {火星节: [你过火星节吗？]}\n", encoding="utf-8"
    )
    clear_cache()
    with pytest.raises(DataError) as exc:
        load_products()
    assert ":4: " in exc.value.message and "火星节" in exc.value.message
