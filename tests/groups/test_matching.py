"""Matching a plan's topics to the messages that posted them, and counting their replies."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from assistant.drafting import draft_plan
from assistant.drafting.ranking import bigrams, question_core
from assistant.groups.importer import import_export
from assistant.groups.matching import PostedTopic, TopicMatcher, similarity
from assistant.groups.replies import count_after
from assistant.models import PlanRequest

DAY = date(2026, 12, 4)
GROUP = "阳光宝妈群"


def _write_chat(path, entries):
    lines = []
    for at, who, text in entries:
        lines += [f"{at:%Y-%m-%d %H:%M:%S} {who}", text, ""]
    path.write_text("\n".join(lines), encoding="utf-8")


def test_similarity_tolerates_what_operators_add():
    topic = bigrams(question_core("宝妈们，你家的牙膏是一次备好几支，还是用完再买？"))
    pasted = bigrams(question_core("🤔 晚上好呀\n你家的牙膏是一次备好几支，还是用完再买？"))
    unrelated = bigrams(question_core("今天幼儿园要带水杯吗？"))
    assert similarity(pasted, topic) >= 0.8 and similarity(unrelated, topic) < 0.2


def test_matcher_needs_less_wording_near_the_time_the_operator_gave():
    t = PostedTopic(
        "p", 1, "t", DAY, "vote", "none", "x", [bigrams(question_core("投个票：你家牙膏多久用完一支？"))]
    )
    hinted = PostedTopic(
        "p", 2, "u", DAY, "vote", "none", "x", [bigrams("你家孩子刷牙要催吗")], datetime(2026, 12, 4, 21)
    )
    matcher = TopicMatcher([t, hinted])
    matcher.see(datetime(2026, 12, 3, 21), "a", "投个票：你家牙膏多久用完一支？")  # the day before: not it
    matcher.see(datetime(2026, 12, 4, 20, 58), "op", "你家孩子刷牙要不要催？")
    matcher.see(datetime(2026, 12, 4, 22), "op", "投个票：你家牙膏多久用完一支？")
    assert t.best and t.best[1] == datetime(2026, 12, 4, 22) and t.best[2] == "op"
    assert hinted.best and hinted.best[1] == datetime(2026, 12, 4, 20, 58)


def test_count_after_excludes_the_poster_system_and_what_follows_the_next_topic():
    at = datetime(2026, 12, 4, 21)
    rows = [
        (at + timedelta(minutes=m), who, kind)
        for m, who, kind in [
            (1, "op", "text"),
            (5, "a", "text"),
            (20, "b", "image"),
            (31, "a", "text"),
            (45, "", "system"),
            (50, "c", "system"),
            (70, "d", "text"),
            (100, "b", "text"),
            (130, "e", "text"),
        ]
    ]
    assert count_after(rows, at, "op") == {
        "replies_30": 2,
        "replies_60": 3,
        "replies_120": 5,
        "repliers_120": 3,
    }
    cut = count_after(rows, at, "op", cut=at + timedelta(minutes=60))
    assert cut == {"replies_30": 2, "replies_60": 3, "replies_120": 3, "repliers_120": 2}


def test_import_finds_posted_topics_and_counts_their_replies(huati_env, store, tmp_path):
    plan = draft_plan(
        PlanRequest(product="亮白牙膏", audience="宝妈群", date=DAY, group=GROUP),
        settings=huati_env,
        store=store,
    )
    first, second = plan.topics[0].text, plan.topics[1].text
    t0 = datetime(2026, 12, 4, 21, 0, 5)
    entries = [(datetime(2026, 12, 4, 20, 50), "小鹿老师", "晚上好～"), (t0, "小鹿老师", "🤔\n" + first)]
    for i, m in enumerate((2, 8, 15, 25, 33, 38)):
        entries.append((t0 + timedelta(minutes=m), ["豆豆妈", "糖糖妈妈", "一一妈"][i % 3], "我家是这样的"))
    entries.append((t0 + timedelta(minutes=40), "小鹿老师", "哈哈都好有意思"))
    t1 = t0 + timedelta(minutes=45)
    entries.append((t1, "小鹿老师", second))
    for m in (3, 50, 100, 130):
        entries.append((t1 + timedelta(minutes=m), "乐乐爸", "我也来说说"))
    entries.append(
        (datetime(2026, 12, 5, 9), "豆豆妈", first)
    )  # a member quoting it the next day: not the post
    path = tmp_path / "chat.txt"
    _write_chat(path, entries)
    report = import_export(path, GROUP, settings=huati_env, store=store)
    assert report.topics_found == 2
    measured = {m["topic_index"]: m for m in store.measured_for(plan.id)}
    one, two = measured[1], measured[2]
    assert one["posted_at"] == "2026-12-04T21:00"
    assert (one["replies_30"], one["replies_60"], one["replies_120"], one["repliers_120"]) == (4, 6, 6, 3)
    assert (two["replies_30"], two["replies_60"], two["replies_120"], two["repliers_120"]) == (1, 2, 3, 1)
    # what the learning reads: the chat's first hour
    outcomes = {o.index: o.replies for o in store.groups.outcomes(group=GROUP)}
    assert outcomes == {1: 6, 2: 2}


def test_feedback_with_a_time_counts_from_an_imported_chat(huati_env, store, tmp_path):
    from typer.testing import CliRunner

    from assistant.cli.main import app

    plan = draft_plan(
        PlanRequest(product="空气炸锅", audience="宝妈群", date=DAY, group=GROUP),
        settings=huati_env,
        store=store,
    )
    t0 = datetime(2026, 12, 4, 21, 2)
    entries = [(t0, "小鹿老师", "（改得面目全非的一句话）")]
    entries += [(t0 + timedelta(minutes=m), "豆豆妈", "好") for m in (4, 9, 70)]
    path = tmp_path / "chat.txt"
    _write_chat(path, entries)
    assert (
        import_export(path, GROUP, settings=huati_env, store=store).topics_found == 0
    )  # the text gives nothing
    result = CliRunner().invoke(
        app, ["feedback", plan.id, "3", "posted", "--at", "21:02", "--replies", "3", "--orders", "1"]
    )
    assert result.exit_code == 0, result.output
    assert "发了（12-04 21:02）｜回复 3 条、成交 1 单" in result.output
    assert "30 分钟 2 条、60 分钟 2 条、120 分钟 3 条回复，1 人接话" in result.output
    export = CliRunner().invoke(app, ["export", plan.id, "--format", "json"])
    data = __import__("json").loads(export.output)
    assert data["feedback"][0]["replies"] == 3 and data["measured"][0]["replies_120"] == 3


def test_feedback_errors_are_one_chinese_line(huati_env, store):
    from typer.testing import CliRunner

    from assistant.cli.main import app

    plan = draft_plan(
        PlanRequest(product="亮白牙膏", audience="宝妈群", date=DAY), settings=huati_env, store=store
    )
    runner = CliRunner()
    for args, words in (
        (["1", "rejected", "--replies", "3"], "没有发出去"),
        (["1", "posted", "--replies", "3", "--repliers", "5"], "不能比回复条数"),
        (["1", "posted", "--at", "明天晚上"], "时间格式不对"),
        (["1", "posted", "--replies", "-1"], "replies"),
        (["1", "liked"], "accepted / rejected / edited / posted"),
        (["9", "posted"], "没有第 9 个"),
    ):
        result = runner.invoke(app, ["feedback", plan.id, *args])
        assert result.exit_code == 2, (args, result.output)
        assert words in result.output and "Traceback" not in result.output
    assert store.feedback_for(plan.id) == []  # nothing half-written
