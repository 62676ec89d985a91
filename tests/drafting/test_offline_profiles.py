"""The offline engine for products outside the catalogue: patterns fit the product's nature and facets, hooks
come from occasions that fit, selling points are used, topics are distinct, typed trends are used or noted.
The issue's four examples are checked by property, never by text."""

from __future__ import annotations

import re

import pytest

from assistant.drafting import draft_plan
from assistant.drafting.offline.library import library
from assistant.drafting.product_view import suits
from assistant.models import DailyPlan, PlanRequest

OBJECT_SHAPES = re.compile(r"用着顺手|推荐给身边的人|晒一晒|同款|补货|用了几年|第几(台|个|盒)")
SLOT_LEFTOVER = re.compile(r"\{|\}|吃出来/用出来|/用|/吃")


def _plan(**kw) -> DailyPlan:
    return draft_plan(PlanRequest(n=3, engine="offline", **kw), save=False)


def _said(plan: DailyPlan) -> str:
    return " ".join(f"{t.text} {t.bridge} {' '.join(t.follow_ups)}" for t in plan.topics)


def _natures() -> dict[str, list[str]]:
    return {str(p["id"]): list(p.get("natures") or []) for p in library()["patterns"]}


def _no_two_share_a_shape(plan: DailyPlan) -> None:
    from assistant.drafting.offline.engine import family
    from assistant.drafting.ranking import question_core

    fams = [family(t.pattern or "") for t in plan.topics if t.pattern and t.pattern != "own"]
    assert len(fams) == len(set(fams)), [t.pattern for t in plan.topics]
    cores = [question_core(t.text) for t in plan.topics]
    assert len(cores) == len(set(cores))


def test_a_course_gets_no_object_templates(huati_env):
    plan = _plan(product="钢琴陪练课", category="教育课程", points=["一对一", "可回放"], date="2027-03-03")
    assert plan.product_profile.nature == "course"
    assert not OBJECT_SHAPES.search(" ".join(t.text for t in plan.topics))
    assert "一对一" in _said(plan) or "可回放" in _said(plan)
    _no_two_share_a_shape(plan)


def test_flowers_on_valentines_day_take_the_day_as_hook(huati_env):
    plan = _plan(product="鲜花月卡", date="2027-02-14")
    hooked = [t for t in plan.topics if t.hook and t.hook.title == "情人节"]
    assert hooked and hooked[0].hook.why  # the plan says why the day fits
    assert "鲜花月卡" not in " ".join(t.question for t in plan.topics)  # the word people say, not the title


def test_rain_boots_on_qingming_take_the_rain(huati_env):
    plan = _plan(product="儿童雨靴", date="2027-04-05")
    hooks = [t.hook for t in plan.topics if t.hook]
    assert any(h.title.startswith("清明") or "雨" in (h.why or "") for h in hooks), hooks
    assert not re.search(r"帮了你大忙", " ".join(t.text for t in plan.topics))


def test_gaming_chair_for_students_on_double_12(huati_env):
    points = ["可躺135度", "头枕腰托"]
    plan = _plan(product="电竞椅", date="2027-12-12", audience="大学生群", points=points)
    assert any(p in _said(plan) for p in points)
    _no_two_share_a_shape(plan)
    assert not re.search(r"自己挑的还是别人推荐的|省事的小习惯", " ".join(t.text for t in plan.topics))
    assert not any("你家" in t.text for t in plan.topics)  # a student lives in a dorm


@pytest.mark.parametrize(
    ("product", "category", "date", "audience"),
    [
        ("钢琴陪练课", "教育课程", "2027-05-26", "宝妈群"),
        ("温泉周末套票", None, "2026-12-19", "职场白领群"),
        ("窗帘上门安装", None, "2027-09-22", "社区团购群"),
        ("亲子乐园年卡", None, "2027-06-01", "宝妈群"),
        ("盲盒", "潮玩", "2027-07-31", "大学生群"),
        ("无糖气泡水", "饮品", "2027-06-24", "大学生群"),
        ("父母体检套餐", None, "2027-09-01", None),
    ],
)
def test_no_pattern_is_filled_for_a_nature_or_facet_it_excludes(huati_env, product, category, date, audience):
    plan = _plan(product=product, category=category, date=date, audience=audience)
    table = {str(p["id"]): p for p in library()["patterns"]}
    profile = plan.product_profile
    for t in plan.topics:
        spec = table.get(t.pattern or "")
        if spec is None:
            continue
        assert suits(spec.get("natures"), profile.nature), (t.pattern, profile.nature)
        assert not set(spec.get("skip_facets") or []) & set(_facets(product, category))


def _facets(product: str, category: str | None) -> list[str]:
    from assistant.products import profile_for

    return list(profile_for(product, category, [], product=None).facets)


def test_shapes_that_do_not_suit_the_thing(huati_env):
    texts = []
    for kw in (
        dict(product="盲盒", category="潮玩", date="2027-07-31", audience="大学生群"),
        dict(
            product="桌游卡牌", category="桌游", points=["多人聚会"], date="2027-10-02", audience="大学生群"
        ),
        dict(product="窗帘上门安装", category="安装服务", date="2027-09-22", audience="社区团购群"),
        dict(
            product="无糖气泡水", category="饮品", points=["0糖0卡"], date="2027-06-24", audience="大学生群"
        ),
        dict(product="亲子乐园年卡", points=["不限次"], date="2027-06-01", audience="宝妈群"),
    ):
        texts += [t.text for t in _plan(**kw).topics]
    joined = " ".join(texts)
    assert not re.search(r"玩了几年|第几盒|第一次安装|早饭会吃气泡水|送得准不准", joined), joined


def test_a_subscription_pass_gets_no_delivery_vote(huati_env):
    from assistant.drafting.context import gather_context
    from assistant.drafting.offline.engine import candidates
    from assistant.settings import get_settings

    req = PlanRequest(product="亲子乐园年卡", date="2027-06-01", audience="宝妈群", n=3, engine="offline")
    ctx = gather_context(req, get_settings())
    texts = [c.topic.text for c in candidates(ctx, library())]
    assert texts and not any("送得准不准" in t for t in texts)
    flowers = gather_context(req.model_copy(update={"product": "鲜花月卡"}), get_settings())
    assert any("送得准不准" in c.topic.text for c in candidates(flowers, library()))  # flowers are delivered


@pytest.mark.parametrize(
    ("product", "category", "date", "audience", "trend"),
    [
        ("血糖仪", None, "2027-11-14", "银发群", "联合国糖尿病日"),
        ("入职体检", "健康服务", "2027-07-06", "大学生群", "毕业季"),
    ],
)
def test_a_typed_trend_that_fits_goes_first(huati_env, product, category, date, audience, trend):
    plan = _plan(product=product, category=category, date=date, audience=audience, trend=[trend])
    first = plan.topics[0]
    assert first.hook and first.hook.title == trend and first.hook.why
    assert not any(f"「{trend}」" in n for n in plan.notes)


def test_every_unused_typed_trend_gets_a_note(huati_env):
    trends = ["世界杯决赛", "冬天刷牙水太冰", "联合国糖尿病日"]
    plan = _plan(product="亮白牙膏", date="2026-12-21", trend=trends)
    used = {t.hook.title for t in plan.topics if t.hook}
    for trend in trends:
        assert trend in used or any(f"「{trend}」" in n for n in plan.notes), (trend, plan.notes)


def test_no_slot_leaks_into_any_text(huati_env):
    for kw in (
        dict(product="五常大米", category="粮油", date="2027-10-28", audience="社区团购群"),
        dict(product="猫条", date="2027-04-10", audience="宠物主群"),
        dict(product="美甲套餐", date="2027-02-11", audience="美妆护肤群"),
    ):
        plan = _plan(**kw)
        assert not SLOT_LEFTOVER.search(_said(plan)), _said(plan)


def test_same_inputs_same_plan(huati_env):
    kw = dict(product="电竞椅", date="2027-12-12", audience="大学生群", points=["可躺135度"])
    a, b = _plan(**kw), _plan(**kw)
    assert [t.text for t in a.topics] == [t.text for t in b.topics]
    assert [t.bridge for t in a.topics] == [t.bridge for t in b.topics] and a.notes == b.notes


@pytest.mark.parametrize("name", ["asdf", "12345"])
def test_nonsense_names_get_an_honest_low_confidence_plan(huati_env, name):
    plan = _plan(product=name, date="2027-03-03")
    assert plan.topics and plan.engine == "offline" and plan.model
    assert plan.product_profile is None or plan.product_profile.confidence < 0.5
    assert any("认得不太准" in n or "没认出" in n for n in plan.notes), plan.notes


def test_a_500_character_name_is_refused_clearly_and_still_profiled(huati_env):
    from pydantic import ValidationError

    from assistant.products import profile_for

    name = "商品" * 250
    with pytest.raises(ValidationError) as err:
        PlanRequest(product=name, n=3)
    assert "product" in str(err.value) and "100" in str(err.value)
    assert profile_for(name, None, [], product=None).confidence < 0.5  # no traceback deeper down either
