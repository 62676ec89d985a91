"""Conversations persist in SQLite with their plan; a new engine (a restart) resumes them by id."""

from __future__ import annotations

import pytest

from assistant import chat
from assistant.chat import sessions
from assistant.errors import InputError, NotFoundError
from assistant.settings import reset_settings
from assistant.storage.db import dispose_engines


def test_session_survives_restart_with_its_plan(chat_env):
    s = chat.new_session()
    first = chat.respond(s.id, "明天卖空气炸锅，宝妈群，给我两个话题")
    assert first.tools == ["draft"] and first.plan_id
    # "Restart": drop every engine and cached setting; the next call opens the database again.
    dispose_engines()
    reset_settings()
    again = sessions.get_session(s.id)
    assert again.plan_id == first.plan_id
    assert [m.role for m in again.messages] == ["user", "assistant"]
    assert again.messages[0].content == "明天卖空气炸锅，宝妈群，给我两个话题"
    assert again.title.startswith("明天卖空气炸锅")
    # The resumed conversation still knows its plan: a revision works without drafting again.
    revised = chat.respond(s.id, "第二个更口语一点")
    assert revised.tools == ["revise"] and revised.plan_id == first.plan_id
    assert len(sessions.get_session(s.id).messages) == 4


def test_revisions_build_on_the_previous_revision(chat_env):
    s = chat.new_session()
    chat.respond(s.id, "明天卖空气炸锅，给我两个话题")
    one = chat.respond(s.id, "第二个换个角度")
    two = chat.respond(s.id, "第二个改成投票")
    step_one = one.message.data["steps"][0]["topic"]["text"]
    step_two = two.message.data["steps"][0]["topic"]["text"]
    assert step_one != step_two
    assert f"改前：{step_one}" in two.message.content  # revised the revised topic, not the original


def test_unknown_session_and_bad_messages(chat_env):
    with pytest.raises(NotFoundError):
        chat.respond("nope", "你好")
    s = chat.new_session()
    with pytest.raises(InputError):
        chat.respond(s.id, "   ")
    with pytest.raises(InputError):
        chat.respond(s.id, "长" * (sessions.MAX_MESSAGE_CHARS + 1))
    assert sessions.get_session(s.id).messages == []  # nothing half-stored


def test_every_reply_names_its_engine(chat_env):
    s = chat.new_session()
    reply = chat.respond(s.id, "你好")
    assert reply.engine == "offline" and reply.model == "huati-offline-patterns"
    assert "离线引擎" in reply.message.content.splitlines()[-1]
    assert "出话题" in reply.message.content


def test_tool_errors_become_chinese_replies(chat_env):
    s = chat.new_session()
    reply = chat.respond(s.id, "第二个更口语一点")  # no plan yet: says so, no crash
    assert reply.engine == "offline" and "还没有正在讨论的方案" in reply.message.content
    s2 = chat.new_session()
    chat.respond(s2.id, "明天卖空气炸锅，给我两个话题")
    bad = chat.respond(s2.id, "第九个更短")
    assert "没有第 9 个" in bad.message.content and "改好了" not in bad.message.content
    assert bad.message.data["steps"][0]["error"]


def test_list_sessions_newest_first(chat_env):
    a = chat.new_session("甲")
    b = chat.new_session("乙")
    chat.respond(a.id, "你好")
    assert [s.id for s in sessions.list_sessions()][:2] == [a.id, b.id]


def test_history_reports_feedback(chat_env):
    from assistant.storage import Store

    s = chat.new_session()
    plan_id = chat.respond(s.id, "今天卖儿童保温杯，宝妈群，给我两个话题").plan_id
    store = Store()
    plan = store.get_plan(plan_id)
    store.add_feedback(plan_id, 1, "accepted", note="回复 40 多条")
    store.add_feedback(plan_id, 2, "edited", edited_text="你家娃的保温杯是什么颜色的？")
    reply = chat.respond(s.id, "上周那个保温杯的话题效果怎样?")
    assert reply.tools == ["history"]
    content = reply.message.content
    assert plan_id in content
    assert (
        f"第 1 个「{plan.topics[0].text}」：采用，备注：回复 40 多条" in content
    )  # which topic, and the note
    assert f"第 2 个「{plan.topics[1].text}」：改后采用，改成「你家娃的保温杯是什么颜色的？」" in content


def test_search_and_check_through_chat(indexed_home):
    s = chat.new_session()
    found = chat.respond(s.id, "搜一下防晒案例")
    assert found.tools == ["search"] and "[案例]" in found.message.content
    checked = chat.respond(s.id, "这句有没有违规？「这款防晒霜是全网效果最好的」")
    assert checked.tools == ["check"] and "建议修改" in checked.message.content
    assert chat.respond(s.id, "“你平时出门会涂防晒吗？”").message.content.count("通过") >= 3


def test_new_batch_keeps_product_group_and_date(chat_env):
    s = chat.new_session()
    first = chat.respond(s.id, "后天卖电热毯，银发群，给我两个话题")
    again = chat.respond(s.id, "换一批")
    assert again.tools == ["draft"] and again.plan_id != first.plan_id
    assert sessions.get_session(s.id).plan_id == again.plan_id
    old, new = first.message.data["steps"][0]["topics"], again.message.data["steps"][0]["topics"]
    assert len(new) == 2 and set(new) != set(old)
    assert "电热毯" in again.message.content and "银发群" in again.message.content
    from assistant.storage import Store

    plan = Store().get_plan(again.plan_id)
    launch = [step for step in plan.timeline if step.stage == "launch"]
    assert launch and launch[0].text == plan.topics[0].text  # the timeline follows the new lead topic


def test_whats_hot_lists_trends(chat_env):
    s = chat.new_session()
    reply = chat.respond(s.id, "最近有什么热搜")
    assert reply.tools == ["search"]
    assert "热搜" in reply.message.content


def test_chat_check_lists_every_finding_like_huati_check(chat_env):
    import json

    from typer.testing import CliRunner

    from assistant.cli.main import app

    sentence = "这款空气炸锅是全网最低价，用了以后再也不上火，医生推荐！"
    cli = CliRunner().invoke(app, ["check", sentence, "-p", "空气炸锅", "--no-judge", "--json"])
    findings = [
        f["text"]
        for f in json.loads(cli.stdout)["checks"]["compliance"]["details"]["findings"]
        if f["tier"] == "fail"
    ]
    assert {"全网最低价", "医生推荐"} <= set(findings) and len(findings) >= 3
    s = chat.new_session()
    reply = chat.respond(s.id, f"卖空气炸锅，这句合规吗：「{sentence}」")
    assert reply.tools == ["check"]
    for text in findings:
        assert f"「{text}」" in reply.message.content, text
    assert "贴合产品：通过" in reply.message.content  # the product named around the sentence was used
