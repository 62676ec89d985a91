"""The chat reads a product's category and selling points from what the operator says, and drafts with them."""

from __future__ import annotations

from datetime import date

import pytest

from assistant import chat
from assistant.chat.product_words import category_in, points_in
from assistant.chat.router import route
from assistant.chat.sessions import get_session
from assistant.storage import Store

TODAY = date(2026, 12, 18)


@pytest.mark.parametrize(
    ("text", "product", "category", "points"),
    [
        ("明天卖钢琴陪练课，教育课程，卖点一对一、可回放", "钢琴陪练课", "教育课程", ["一对一", "可回放"]),
        ("明天卖儿童雨靴，品类是童装童鞋，亮点：防滑、反光条", "儿童雨靴", "童装童鞋", ["防滑", "反光条"]),
        ("后天推电竞椅，大学生群，卖点可躺135度和头枕腰托", "电竞椅", None, ["可躺135度", "头枕腰托"]),
        ("明天卖空气炸锅, 宝妈群, 给我三个话题", "空气炸锅", None, []),
    ],
)
def test_category_and_points_in_a_draft_request(text, product, category, points):
    intent = route(text, has_plan=False, today=TODAY)
    assert intent.tool == "draft"
    assert intent.args["product"] == product
    assert intent.args["category"] == category and intent.args["points"] == points


def test_points_are_few_and_unique():
    said = "卖点：防滑、防滑、可机洗、反光、轻便、加绒、耐磨、大码"
    assert points_in(said) == ["防滑", "可机洗", "反光", "轻便", "加绒", "耐磨"]
    assert points_in("明天卖雨靴") == []


def test_the_product_name_is_not_its_category():
    # 教育 is a category word inside the name: the name alone names no category
    assert category_in("明天卖少儿编程课", product="少儿编程课") is None


def test_the_chat_drafts_with_category_and_points(chat_env):
    session = chat.new_session()
    reply = chat.respond(session.id, "明天卖钢琴陪练课，教育课程，卖点一对一、可回放，宝妈群")
    plan_id = reply.plan_id
    assert plan_id and get_session(session.id).plan_id == plan_id and "钢琴陪练" in reply.message.content
    plan = Store().get_plan(plan_id)
    assert plan.request.category == "教育课程" and plan.request.points == ["一对一", "可回放"]
    assert plan.product_profile is not None and plan.product_profile.nature == "course"
    said = " ".join(f"{t.text} {t.bridge}" for t in plan.topics)
    assert "一对一" in said or "可回放" in said


def test_the_rest_of_the_request_is_not_a_point():
    text = "明天卖钢琴陪练课，卖点一对一、可回放，宝妈群，给我三个话题"
    assert points_in(text) == ["一对一", "可回放"]
    assert route(text, has_plan=False, today=TODAY).args["audience"] == "宝妈群"
