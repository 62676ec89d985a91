"""Chat revisions land in the stored plan (what /plan, GET /v1/plans/{id} and the page show), keep the
replaced text as revision history, differ from the plan's other topics, and are honest when impossible."""

from __future__ import annotations

import re

from typer.testing import CliRunner

from assistant import chat
from assistant.cli.main import app
from assistant.drafting.ranking import is_near_duplicate
from assistant.models import TrendItem
from assistant.storage import Store


def _plan(text: str = "明天卖空气炸锅，宝妈群，给我三个话题"):
    s = chat.new_session()
    reply = chat.respond(s.id, text)
    assert reply.tools == ["draft"], reply.message.content
    return s, Store().get_plan(reply.plan_id)


def _hot_today(*titles: str) -> None:
    from assistant.retrieval import today
    from assistant.retrieval.trend_store import save_trends

    save_trends(
        [TrendItem(date=today(), platform="微博热搜", title=t, heat=1e6) for t in titles], index=False
    )


def test_revision_is_saved_into_the_plan_with_its_history(chat_env):
    s, before = _plan()
    reply = chat.respond(s.id, "第二个换个角度")
    assert reply.tools == ["revise"] and "改好了" in reply.message.content
    after = Store().get_plan(before.id)
    new_text = reply.message.data["steps"][0]["topic"]["text"]
    assert after.topics[1].text == new_text != before.topics[1].text
    assert [t.text for i, t in enumerate(after.topics) if i != 1] == [
        t.text for i, t in enumerate(before.topics) if i != 1
    ]
    public = after.public_dict()  # what GET /v1/plans/{id} returns
    assert public["topics"][1]["text"] == new_text
    history = Store().revisions_for(before.id)
    assert [(r["topic_index"], r["before_text"], r["after_text"]) for r in history] == [
        (2, before.topics[1].text, new_text)
    ]
    assert history[0]["source"] == f"chat:{s.id}" and history[0]["engine"] == "offline"


def test_the_api_plan_shows_the_current_text(chat_env):
    from chat_apps import browser_client, make_app
    from fastapi.testclient import TestClient

    with TestClient(make_app()) as c:
        client = browser_client(c)
        sid = client.post("/v1/chat/sessions", json={}).json()["id"]
        plan_id = client.post(
            f"/v1/chat/sessions/{sid}/messages", json={"message": "明天卖电热毯，给我两个话题"}
        ).json()["plan_id"]
        original = client.get(f"/v1/plans/{plan_id}").json()["topics"][0]["text"]
        turn = client.post(f"/v1/chat/sessions/{sid}/messages", json={"message": "第一个换个角度"}).json()
        assert turn["tools"] == ["revise"], turn["reply"]
        current = client.get(f"/v1/plans/{plan_id}").json()
        assert current["topics"][0]["text"] != original
        assert current["topics"][0]["text"] in turn["reply"]
        launch = [step for step in current["timeline"] if step["stage"] == "launch"]
        assert launch[0]["text"] == current["topics"][0]["text"]  # the timeline follows the new lead


def test_repl_plan_shows_the_revised_text(chat_env):
    r = CliRunner().invoke(
        app, ["chat"], input="明天卖空气炸锅，给我两个话题\n第一个换个角度\n/plan\n/quit\n"
    )
    assert r.exit_code == 0, r.output
    revised = re.search(r"改好了[^\n]*\n([^\n]+)\n", r.output)[1]
    shown = r.output.split("你> ")[3]  # the /plan output
    assert f"① {revised}" in shown and "改过" in shown


def test_revisions_differ_from_the_original_and_the_other_topics(chat_env):
    s, plan = _plan()
    texts = {t.text for t in plan.topics}
    for ask in ("第一个换个角度", "第一个更短", "第三个换个角度", "第三个换个角度"):
        reply = chat.respond(s.id, ask)
        step = reply.message.data["steps"][0]
        if "error" in step:  # an honest refusal is allowed, a fake change is not
            assert "改好了" not in reply.message.content and "没有改动" in reply.message.content
            continue
        current = Store().get_plan(plan.id)
        index = step["index"]
        new = current.topics[index - 1].text
        others = [t.text for i, t in enumerate(current.topics, 1) if i != index]
        assert new not in texts and not is_near_duplicate(new, others), (ask, new, others)
        texts.add(new)


def test_no_number_revises_the_topic_being_discussed(chat_env):
    s, plan = _plan()
    chat.respond(s.id, "第二个更口语一点")
    reply = chat.respond(s.id, "换个角度")
    assert reply.message.data["steps"][0]["index"] == 2 and "第 2 个" in reply.message.content
    assert Store().get_plan(plan.id).topics[0].text == plan.topics[0].text  # the first one untouched


def test_trend_revision_names_a_real_trend(chat_env):
    _hot_today("空气炸锅烤红薯挑战", "全国大范围降温")
    s, plan = _plan()
    reply = chat.respond(s.id, "第二个结合今天的热搜改一下")
    assert reply.tools == ["revise"]
    step = reply.message.data["steps"][0]
    if "error" in step:
        assert "没有改动" in reply.message.content and "改好了" not in reply.message.content
        return
    new = step["topic"]
    assert new["hook"]["kind"] == "trend" and new["hook"]["title"] in ("空气炸锅烤红薯挑战", "全国大范围降温")
    assert new["hook"]["title"] in reply.message.content


def test_impossible_revision_is_an_honest_reply_and_changes_nothing(chat_env):
    s, plan = _plan()  # no trend data at all in this home
    reply = chat.respond(s.id, "第二个结合今天的热搜改一下")
    content = reply.message.content
    assert "改好了" not in content and "没有改动" in content
    assert Store().get_plan(plan.id).topics[1].text == plan.topics[1].text
    assert Store().revisions_for(plan.id) == []


def test_new_batch_skips_texts_replaced_by_revisions(chat_env):
    s, plan = _plan("明天卖电热毯，银发群，给我两个话题")
    chat.respond(s.id, "第一个换个角度")
    replaced = Store().revisions_for(plan.id)[0]["before_text"]
    again = chat.respond(s.id, "换一批")
    assert again.tools == ["draft"]
    assert replaced not in again.message.data["steps"][0]["topics"]
    assert replaced in Store().recent_topic_texts("银发群")  # dedup of later plans sees it too


def test_offline_fallback_revision_is_not_labelled_llm(chat_env, monkeypatch):
    from assistant.settings import reset_settings

    monkeypatch.setenv("HUATI_LLM_BASE_URL", "http://127.0.0.1:9/v1")  # nothing listens on port 9
    monkeypatch.setenv("HUATI_LLM_API_KEY", "test")
    monkeypatch.setenv("HUATI_LLM_MODEL", "some-model")
    monkeypatch.setenv("HUATI_LLM_MAX_RETRIES", "0")
    reset_settings()
    s, plan = _plan("明天卖空气炸锅，给我两个话题")
    reply = chat.respond(s.id, "第一个换个角度")
    assert reply.tools == ["revise"] and "改好了" in reply.message.content, reply.message.content
    record = Store().revisions_for(plan.id)[0]
    assert (record["engine"], record["model"]) == ("offline", "huati-offline-patterns")
    assert "离线规则改写" in reply.message.content and "some-model" not in reply.message.content


def test_a_revised_topic_names_the_engine_that_rewrote_it(chat_env):
    _s, plan = _plan("明天卖空气炸锅，给我两个话题")
    new = plan.topics[1].model_copy(
        update={"id": "t-rewritten", "question": "你家空气炸锅最常做的是哪道菜？"}
    )
    Store().save_revision(plan.id, 1, new, instruction="换个角度", engine="llm", model="qwen-plus")
    topics = Store().get_plan(plan.id).public_dict()["topics"]
    assert [(t["engine"], t["model"]) for t in topics] == [
        ("llm", "qwen-plus"),
        (plan.engine, plan.model),
    ]
