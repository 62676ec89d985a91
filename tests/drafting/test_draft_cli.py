"""`huati draft`, `history`, `show`, `export`, `feedback` through Typer's CliRunner."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from assistant.cli.main import app

runner = CliRunner()


def run(*args: str):
    return runner.invoke(app, list(args))


def test_draft_json_contract(huati_env):
    r = run("draft", "亮白牙膏", "--date", "2026-12-21", "--audience", "宝妈群", "-n", "2", "--json")
    assert r.exit_code == 0, r.output
    data = json.loads(r.stdout)
    assert data["engine"] == "offline" and data["model"]
    assert len(data["topics"]) == 2
    for t in data["topics"]:
        assert t["text"] and set(t["checks"]) == {"compliance", "low_barrier", "relevance", "tone"}
        assert "pass" in t["checks"]["compliance"]
    assert data["timeline"] and "sources" in data and data["id"]


def test_draft_readable(huati_env):
    r = run("draft", "空气炸锅", "--date", "2026-12-21", "-a", "职场白领群")
    assert r.exit_code == 0, r.output
    first = r.stdout.strip().splitlines()[0]
    assert first.startswith("引擎：离线")
    assert "话题 1" in r.stdout and "今日节奏" in r.stdout and "✓合规" in r.stdout


def test_draft_ad_hoc_with_points(huati_env):
    r = run(
        "draft",
        "手冲咖啡壶",
        "--category",
        "厨房用品",
        "--points",
        "细嘴出水稳，玻璃壶身",
        "--date",
        "2026-12-21",
        "--json",
    )
    assert r.exit_code == 0, r.output
    data = json.loads(r.stdout)
    assert data["product"]["ad_hoc"] and data["product"]["selling_points"] == ["细嘴出水稳", "玻璃壶身"]


def test_draft_errors(huati_env):
    r = run("draft", "牙膏", "--audience", "火星群")
    assert r.exit_code == 2 and "宝妈群" in r.output and "Traceback" not in r.output
    r = run("draft", "牙膏", "--date", "2026-02-30")
    assert r.exit_code == 2 and "日期" in r.output
    r = run("draft", "  ")
    assert r.exit_code == 2 and "产品名不能为空" in r.output
    r = run("draft", "牙膏", "-n", "0")
    assert r.exit_code == 2
    r = run("draft", "牙膏", "--engine", "gpt")
    assert r.exit_code == 2
    r = run("draft", "牙膏", "--engine", "llm")
    assert r.exit_code == 5 and "HUATI_LLM_BASE_URL" in r.output


def test_history_show_export_feedback(huati_env, tmp_path):
    r = run("draft", "电热毯", "--date", "2026-12-21", "-a", "银发群", "--json")
    plan_id = json.loads(r.stdout)["id"]
    r = run("history", "--json")
    assert r.exit_code == 0 and json.loads(r.stdout)["plans"][0]["id"] == plan_id
    r = run("history", "--product", "电热毯")
    assert r.exit_code == 0 and plan_id in r.stdout
    r = run("history", "--audience", "宝妈群", "--json")
    assert json.loads(r.stdout)["total"] == 0
    r = run("show", plan_id)
    assert r.exit_code == 0 and "话题 1" in r.stdout
    out = tmp_path / "plan.md"
    r = run("export", plan_id, "--format", "md", "--out", str(out))
    assert r.exit_code == 0
    md = out.read_text(encoding="utf-8")
    assert md.startswith("# 2026-12-21 电热毯") and "## 今日节奏" in md
    r = run("export", plan_id, "--format", "json")
    assert json.loads(r.stdout)["id"] == plan_id
    r = run("export", plan_id, "--format", "pdf")
    assert r.exit_code == 2
    r = run("feedback", plan_id, "2", "edited", "--text", "你家电热毯开了吗？")
    assert r.exit_code == 0, r.output
    r = run("feedback", plan_id, "1", "edited")
    assert r.exit_code == 2 and "--text" in r.output
    r = run("feedback", plan_id, "7", "accepted")
    assert r.exit_code == 2
    r = run("show", plan_id, "--json")
    assert json.loads(r.stdout)["feedback"][0]["verdict"] == "edited"
    r = run("show", "doesnotexist")
    assert r.exit_code == 3 and "找不到方案" in r.output


def test_bad_input_is_one_chinese_line(huati_env):
    r = run("draft", "牙膏", "-n", "abc")
    assert r.exit_code == 2 and "-n" in r.output and "整数" in r.output
    assert "Invalid value" not in r.output and "Usage" not in r.output
    r = run("draft", "好" * 150)
    assert r.exit_code == 2 and "太长" in r.output and "String should" not in r.output
    r = run("history", "--audience", "火星群")
    assert r.exit_code == 2 and "未知的群类型" in r.output and "宝妈群" in r.output


def test_history_audience_alias_and_export_feedback(huati_env):
    r = run("draft", "亮白牙膏", "--date", "2026-12-21", "-a", "宝妈群", "--json")
    plan_id = json.loads(r.stdout)["id"]
    r = run("history", "--audience", "宝妈", "--json")
    assert json.loads(r.stdout)["plans"][0]["id"] == plan_id
    assert run("feedback", plan_id, "1", "rejected", "--note", "太像广告").exit_code == 0
    data = json.loads(run("export", plan_id, "--format", "json").stdout)
    assert data["feedback"] and data["feedback"][0]["verdict"] == "rejected"
    md = run("export", plan_id, "--format", "md").stdout
    assert "## 反馈" in md and "话题 1：不用" in md


def test_skipped_trend_is_explained_in_the_plan(huati_env):
    r = run("draft", "亮白牙膏", "--date", "2026-12-22", "-a", "宝妈群", "--trend", "加微信abc123领红包")
    assert r.exit_code == 0, r.output
    assert "说明：" in r.stdout and "联系方式" in r.stdout
    r = run(
        "draft", "亮白牙膏", "--date", "2026-12-22", "-a", "宝妈群", "--trend", "加微信abc123领红包", "--json"
    )
    data = json.loads(r.stdout)
    topics = data["topics"]
    assert all("abc123" not in " ".join([t["text"], t["bridge"], *t["follow_ups"]]) for t in topics)
    assert len(data["notes"]) == 1 and "abc123" in data["notes"][0] and "联系方式" in data["notes"][0]
    md = run("export", data["id"], "--format", "md")
    assert md.exit_code == 0 and "> 说明：" in md.stdout and "联系方式" in md.stdout


def test_skipped_trend_notice_in_the_readable_plan(huati_env):
    r = run("draft", "亮白牙膏", "--date", "2026-12-22", "-a", "宝妈群", "--trend", "某明星塌房了")
    assert r.exit_code == 0, r.output
    head = r.stdout.split("话题 1", 1)[0]  # a plan-level line, before the first topic
    assert "说明：没有用你给的热点「某明星塌房了」" in head and "负面或敏感" in head


def test_llm_plan_filled_offline_says_so(huati_env):
    # The model gives one usable topic of two: the offline engine writes the other, and every view says so.
    from langchain_core.language_models.fake_chat_models import FakeListChatModel

    from assistant.drafting import draft_plan
    from assistant.models import PlanRequest

    one = {
        "type": "either_or",
        "question": "买牙膏的时候，你更看重价格还是口碑？",
        "follow_ups": ["我站口碑～"],
    }
    model = FakeListChatModel(responses=[json.dumps({"topics": [one]}, ensure_ascii=False)])
    request = PlanRequest(product="亮白牙膏", audience="宝妈群", date="2026-12-22", n=2, engine="llm")
    plan = draft_plan(request, chat_model=model)
    assert plan.engine == "llm" and [plan.origin(t).engine for t in plan.topics] == ["llm", "offline"]
    shown = run("show", plan.id)
    assert shown.exit_code == 0, shown.output
    head = "".join(shown.stdout.split("方案 ", 1)[0].split())  # the engine line (rich wraps it)
    assert head.startswith("引擎：大模型") and "2个话题中有1个由离线引擎补足" in head
    panels = ["".join(p.split()) for p in shown.stdout.split("话题 2", 1)]
    assert (
        "由离线引擎" not in panels[0].split("话题1", 1)[1]
        and "由离线引擎（huati-offline-patterns）" in panels[1]
    )
    md = run("export", plan.id, "--format", "md").stdout.split("## ")
    assert [("引擎：由离线引擎" in part) for part in md if part.startswith("话题")] == [False, True]
