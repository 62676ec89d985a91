"""Occasions: which themes an event, a title or a date window carries, and which of a day's occasions fit a
product's profile (never because of the product's name: because of its themes, users, nature, season)."""

from __future__ import annotations

from datetime import date

import pytest

from assistant.errors import DataError
from assistant.products.library import load_library
from assistant.products.occasions import fitting, themes_of_event, themes_of_text, windows_on
from assistant.products.profile import ProductProfile


def profile_of(type_id: str, noun: str | None = None) -> ProductProfile:
    """A profile made straight from one library type (no inference involved)."""
    t = load_library().types[type_id]
    return ProductProfile(
        name=t.name,
        noun=noun or t.name,
        type_id=t.id,
        type_name=t.name,
        nature=t.nature,
        users=t.users,
        verb=t.verb,
        unit=t.unit,
        scenes=t.scenes,
        themes=t.themes,
        seasons=t.seasons,
        months=t.months,
        facets=t.facets,
        claim_risk=t.claim_risk,
        confidence=0.9,
        basis="type",
    )


def names(fits) -> set[str]:
    return {f.occasion.name for f in fits}


UNRELATED = "pet-supplies-cat-litter"  # themes: pets, shopping


def test_events_and_titles_carry_themes():
    assert themes_of_event("情人节") == ["romance", "gift"]  # the more specific theme first
    assert themes_of_event("不存在的节日") == []
    assert "cold" in themes_of_text("降温了大家都穿秋裤了吗")
    assert "festive_food" in themes_of_text("冬至吃什么")  # the event named in the title
    assert themes_of_text("今天股市收盘") == []


def test_windows_on_a_day_with_days_into_and_left():
    on = {o.name: o for o in windows_on(date(2027, 4, 5))}
    assert "rain" in on["回南天"].themes and (on["回南天"].days_into, on["回南天"].days_left) == (63, 10)
    assert "tea" in on["新茶上市"].themes
    assert "开学季" not in on
    # A window across the new year, and one counted back from 春节 (2027-02-06).
    assert windows_on(date(2027, 1, 3))[0].date is not None
    plan = {o.name: o for o in windows_on(date(2027, 1, 3))}["新年计划"]
    assert plan.days_into == 6 and {"fitness", "new_start"} <= set(plan.themes)
    assert "年前大扫除" in {o.name for o in windows_on(date(2027, 1, 20))}
    assert "年前大扫除" not in {o.name for o in windows_on(date(2027, 1, 10))}
    assert "开学季" in {o.name for o in windows_on(date(2027, 9, 1))}


def test_valentines_day_fits_flowers_and_lipstick_not_cat_litter():
    day = date(2027, 2, 12)  # 情人节 in two days
    for type_id in ("flowers-garden-bouquet", "makeup-skincare-lipstick"):
        fits = [f for f in fitting(profile_of(type_id), day) if f.occasion.name == "情人节"]
        assert fits and fits[0].theme in ("romance", "gift"), type_id
    bouquet = next(
        f for f in fitting(profile_of("flowers-garden-bouquet", noun="鲜花"), day) if f.theme == "romance"
    )
    assert bouquet.why.startswith("情人节前两天，") and "鲜花" in bouquet.why
    assert "情人节" not in names(fitting(profile_of(UNRELATED), day))


def test_qingming_rain_fits_rain_boots():
    fits = fitting(profile_of("kids-wear-rain-boots"), date(2027, 4, 5))
    rain = [f for f in fits if f.theme == "rain"]
    assert {"清明", "回南天"} <= {f.occasion.name for f in rain}
    assert fits[0].theme == "rain"  # the best fit of the day
    assert not [f for f in fitting(profile_of(UNRELATED), date(2027, 4, 5)) if f.theme == "rain"]


def test_school_start_fits_copybooks():
    fits = fitting(profile_of("books-stationery-copybook"), date(2027, 9, 1))
    assert any(f.occasion.name == "开学季" and f.theme == "school_start" for f in fits)
    assert "开学季" not in names(fitting(profile_of(UNRELATED), date(2027, 9, 1)))


def test_new_year_fits_fitness():
    for type_id in ("fitness-yoga-mat", "fitness-gym-card"):
        fits = fitting(profile_of(type_id), date(2027, 1, 1))
        assert any(f.occasion.name == "元旦节" and f.theme in ("fitness", "new_start") for f in fits), type_id
    assert not {"元旦节", "元旦假期", "新年计划"} & names(fitting(profile_of(UNRELATED), date(2027, 1, 1)))


def test_heavy_snow_fits_down_jackets():
    fits = fitting(profile_of("apparel-down-jacket"), date(2027, 12, 7))
    snow = next(f for f in fits if f.occasion.name == "大雪")
    assert snow.theme == "cold" and snow.why.startswith("今天大雪，")
    assert "大雪" not in names(fitting(profile_of(UNRELATED), date(2027, 12, 7)))


def test_shopping_festivals_fit_consumables_through_their_nature():
    tissue = fitting(profile_of("paper-daily-facial-tissue"), date(2027, 12, 12))
    assert any(f.occasion.name == "双12" for f in tissue)
    noodles = profile_of("grain-oil-noodles").model_copy(update={"themes": []})
    fit = next(f for f in fitting(noodles, date(2027, 12, 12)) if f.occasion.name == "双12")
    assert fit.via == "nature" and fit.score < 1.0  # weaker than a theme the type lists itself
    drill = profile_of("tools-electric-drill")
    assert "双12" not in names(fitting(drill, date(2027, 12, 12)))


def test_children_things_fit_childrens_day_through_their_users():
    shoes = profile_of("kids-wear-toddler-shoes").model_copy(update={"themes": []})
    fit = next(f for f in fitting(shoes, date(2027, 6, 1)) if f.occasion.name == "儿童节")
    assert fit.via == "users" and fit.theme == "kids"


def test_harvest_only_in_the_months_it_is_in_season():
    strawberry = profile_of("fruit-strawberry")
    winter = fitting(strawberry, date(2027, 1, 15))
    assert any(f.occasion.kind == "season" and f.theme == "harvest" for f in winter)
    assert not [f for f in fitting(strawberry, date(2027, 10, 10)) if f.theme == "harvest"]


def test_a_trend_naming_the_product_and_a_trend_of_its_theme():
    fits = fitting(
        profile_of("kids-wear-rain-boots", noun="雨靴"), date(2027, 5, 10), trends=["雨靴怎么挑", "暴雨预警"]
    )
    by_name = {f.occasion.name: f for f in fits}
    assert by_name["雨靴怎么挑"].via == "name" and by_name["暴雨预警"].theme == "rain"


def test_fitting_is_deterministic():
    profile = profile_of("makeup-skincare-lipstick")
    assert fitting(profile, date(2027, 8, 5)) == fitting(profile, date(2027, 8, 5))


def test_broken_window_is_reported(kb_copy):
    from assistant.products.occasions import load_occasions

    path = kb_copy.kb_dir / "occasions.yaml"
    text = path.read_text(encoding="utf-8")
    line = text[: text.index('{from: "06-10"')].count("\n") + 1
    path.write_text(
        text.replace('{from: "06-10", to: "07-15", name: 梅雨季}', '{from: "06-10", name: 梅雨季}'),
        encoding="utf-8",
    )
    with pytest.raises(DataError) as info:
        load_occasions(kb_copy)
    assert f"occasions.yaml:{line}: " in info.value.message and "from 和 to" in info.value.message
