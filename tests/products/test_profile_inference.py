"""profile_for: names written from category knowledge (not from the evaluation rows), read into profiles."""

from __future__ import annotations

import pytest

from assistant.errors import InputError
from assistant.products.infer import infer, profile_for
from assistant.products.library import load_library

HEAD_NOUNS = [
    # (title as a shop writes it, category or None, expected type id, expected noun or None); the noun is the
    # type's word nearest the end of the title: the type's name when written there, else the shortest word
    ("加厚防滑儿童雨靴男女童", None, "kids-wear-rain-boots", "儿童雨靴"),
    ("新款网红奶油草莓3斤装包邮", None, "fruit-strawberry", "草莓"),
    ("家用静音落地循环扇", None, "small-appliances-electric-fan", "循环扇"),
    ("食品级宽口宝宝奶瓶", None, "mother-baby-feeding-bottle", "奶瓶"),
    ("北欧风实木伸缩餐桌", None, "furniture-dining-table", "餐桌"),
    ("进口红酒礼盒", None, "drinks-red-wine", "红酒"),  # not 口红 inside 进口|红酒
    ("儿童智能电话手表", None, "digital-kids-watch", "电话手表"),  # not an ordinary watch
    ("狗狗牛肉粒", None, "pet-food-dog-jerky", "狗狗牛肉粒"),
    ("麻辣牛肉粒", None, "snacks-beef-jerky", "牛肉粒"),
    ("冻干咖啡粉", None, "coffee-freeze-dried", None),  # not the pets' 冻干
    ("猫咪冻干零食", None, "pet-food-freeze-dried", None),
    ("鸡蛋挂面", None, "grain-oil-noodles", "挂面"),  # the head noun is last: noodles, not eggs
    ("湖南烟熏腊肉", None, "local-specialties-cured-meat", "腊肉"),
    ("宝宝蝴蝶面", None, "baby-food-baby-noodles", None),
    ("蛋黄鲜肉粽礼盒", None, "frozen-ready-zongzi", None),  # 蛋黄…肉粽 with 鲜 between
    ("梅子清酒", None, "drinks-fruit-wine", "梅子清酒"),  # 梅子…酒: the title's own words, not 果酒
]


@pytest.mark.parametrize(("title", "category", "type_id", "noun"), HEAD_NOUNS)
def test_head_noun_picks(title, category, type_id, noun):
    profile = profile_for(title, category)
    assert profile.type_id == type_id, (profile.type_id, profile.evidence)
    assert profile.basis == "type" and profile.confidence >= 0.6
    if noun is not None:
        assert profile.noun == noun
    ptype = load_library().types[type_id]
    assert profile.scenes == ptype.scenes and profile.debates == ptype.debates
    assert profile.evidence and not profile.hints


def test_operator_category_picks_the_type_inside_it():
    assert profile_for("男童连帽羽绒服").type_id == "apparel-down-jacket"
    boosted = profile_for("男童连帽羽绒服", "童装")
    assert boosted.type_id == "kids-wear-down-jacket"
    assert "apparel-down-jacket" in [c.type_id for c in boosted.candidates]
    assert any("童装" in line for line in boosted.evidence)


def test_category_that_names_a_type():
    profile = profile_for("经典五仁味", "月饼")
    assert profile.type_id == "dairy-bakery-mooncake" and profile.category == "乳品烘焙"


def test_category_is_the_fallback_when_no_type_matches():
    profile = profile_for("越南红心火龙果", "水果")
    assert profile.basis == "category" and profile.type_id is None
    assert profile.category == "生鲜水果" and profile.nature == "fresh" and profile.verb == "吃"
    lib = load_library()
    assert profile.scenes == lib.lines_for("fresh").scenes
    assert 0.3 <= profile.confidence < 0.6 and profile.hints  # says what would help


def test_pet_category_uses_pet_lines():
    profile = profile_for("洁齿骨头", "宠物零食")
    assert profile.basis == "category" and profile.users == ["pet"]
    assert profile.scenes == load_library().user_lines["pet"].scenes


def test_unknown_category_is_reported():
    profile = profile_for("遥控车", "火星用品")
    assert profile.type_id == "toys-rc-car"  # the name still decides
    assert any("没认出品类「火星用品」" in h for h in profile.hints)
    assert any("没认出品类「火星用品」" in e for e in profile.evidence)


def test_who_it_is_for_rules_types_out():
    wipes = profile_for("狗狗专用湿巾")
    assert wipes.type_id != "paper-daily-wet-wipes" and "pet" in wipes.users
    course = profile_for("成人英语口语课")
    assert course.type_id != "courses-kids-english" and course.nature == "course"


def test_a_service_word_at_the_head_makes_it_a_service():
    profile = profile_for("客厅窗帘上门安装")
    assert profile.type_id == "home-textiles-curtains" and profile.nature == "service"
    assert (profile.verb, profile.unit) == ("约", "次")


def test_points_given_and_written_in_the_name():
    profile = profile_for("加绒防滑雪地靴", points=["一脚蹬，穿脱方便", "今年新色"])
    given = [m for m in profile.points if m.source == "given"]
    assert [m.entry.phrase if m.entry else None for m in given] == ["一脚蹬", None]
    assert [m.entry.phrase for m in profile.points if m.source == "name" and m.entry] == ["加绒", "防滑"]


@pytest.mark.parametrize("nonsense", ["asdf", "12345", "！！！", "噗" * 3 + "x9" * 40, "乱码" + "qz#8" * 125])
def test_nonsense_gets_an_honest_low_confidence_profile(nonsense):
    profile = profile_for(nonsense)
    assert profile.basis == "name" and profile.type_id is None and profile.confidence <= 0.2
    assert profile.scenes == load_library().lines_for(None).scenes
    assert profile.hints and len(profile.name) <= 200 and profile.noun


@pytest.mark.parametrize("empty", ["", "   ", None])
def test_empty_name_is_an_input_error(empty):
    with pytest.raises(InputError) as info:
        profile_for(empty)
    assert info.value.field == "product" and "产品名不能为空" in info.value.message


def test_catalogue_entry_overrides_the_inferred_type():
    from assistant.knowledge import find_product

    product = find_product("亮白牙膏")
    assert product is not None
    profile = profile_for("亮白牙膏", product=product)
    assert profile.basis == "catalogue" and profile.type_id == "personal-care-toothpaste"
    assert profile.scenes == product.scenarios and profile.noun == "牙膏"
    assert (profile.verb, profile.unit) == (product.verb, product.unit)
    assert [m.point for m in profile.points] == product.selling_points
    assert {m.source for m in profile.points} == {"catalogue"}
    assert profile.confidence >= 0.9 and not profile.hints
    assert "teeth" in profile.themes  # its tie-ins
    # The same without passing the product: the catalogue is found by name.
    assert profile_for("亮白牙膏") == profile


def test_ad_hoc_product_lends_its_category_and_points():
    from assistant.knowledge import resolve_product

    ad_hoc = resolve_product("男童连帽羽绒服", category="童装", points=["防风"])
    profile = profile_for(ad_hoc.name, product=ad_hoc)
    assert profile.basis == "type" and profile.type_id == "kids-wear-down-jacket"
    assert [m.point for m in profile.points if m.source == "given"] == ["防风"]


def test_same_inputs_same_profile():
    for title, category, _t, _n in HEAD_NOUNS[:6]:
        assert profile_for(title, category) == profile_for(title, category)
    assert profile_for("asdf") == profile_for("asdf")


def test_semantic_fallback_only_when_nothing_is_named(monkeypatch):
    import assistant.products.semantic as semantic

    calls: list[str] = []

    def nearest(text, lib, settings=None, within=(), k=3):
        calls.append(text)
        # 自动眉笔 (a word of the eyebrow pencil) shares 自动 with the title
        return [("makeup-skincare-eyebrow-pencil", 0.82), ("makeup-skincare-lipstick", 0.7)]

    monkeypatch.setattr(semantic, "nearest_types", nearest)
    named = profile_for("加厚防滑儿童雨靴")
    assert calls == [] and named.type_id == "kids-wear-rain-boots"
    guessed = infer("自动睫毛卷")
    assert calls == ["自动睫毛卷"]
    profile = guessed.profile
    assert profile.type_id == "makeup-skincare-eyebrow-pencil" and profile.basis == "type"
    assert profile.confidence <= 0.35 and profile.noun in "自动睫毛卷" and profile.noun != "眉笔"
    assert any("相似度" in e for e in profile.evidence) and profile.hints
    assert "makeup-skincare-lipstick" in [c.type_id for c in profile.candidates]


def test_semantic_needs_a_shared_character(monkeypatch):
    import assistant.products.semantic as semantic

    monkeypatch.setattr(semantic, "nearest_types", lambda *a, **k: [("local-specialties-dried-bamboo", 0.94)])
    profile = profile_for("噗噗噗")
    assert profile.basis == "name" and profile.type_id is None
    # Two characters in a row shared (肩颈), but a service for a title that names a device.
    monkeypatch.setattr(semantic, "nearest_types", lambda *a, **k: [("health-services-home-massage", 0.9)])
    assert profile_for("肩颈理疗仪").type_id is None


def test_semantic_below_threshold_stays_with_the_name(monkeypatch):
    import assistant.products.semantic as semantic

    monkeypatch.setattr(semantic, "nearest_types", lambda *a, **k: [("toys-rc-car", 0.41)])
    profile = profile_for("奇奇怪怪的东西")
    assert profile.basis == "name" and profile.type_id is None
    assert [c.type_id for c in profile.candidates] == ["toys-rc-car"]


def test_embedding_failure_is_said_not_raised(monkeypatch):
    import assistant.products.semantic as semantic
    from assistant.errors import ProviderError

    def broken(*args, **kwargs):
        raise ProviderError("连不上向量服务 example")

    monkeypatch.setattr(semantic, "nearest_types", broken)
    profile = profile_for("奇奇怪怪的东西")
    assert profile.basis == "name" and any("向量模型暂时用不了" in e for e in profile.evidence)
