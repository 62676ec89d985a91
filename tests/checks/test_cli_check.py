"""`huati check` through the Typer app: JSON shape, exit codes, JSONL batches, Chinese errors."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from assistant.cli.main import app

runner = CliRunner()


def test_check_json_shape_and_exit_zero_on_fail():
    ok = runner.invoke(app, ["check", "你用过美白类牙膏吗?", "--product", "亮白牙膏", "--json"])
    assert ok.exit_code == 0, ok.output
    data = json.loads(ok.stdout)
    assert data["pass"] is True
    assert set(data["checks"]) == {"compliance", "low_barrier", "relevance", "tone"}
    for check in data["checks"].values():
        assert {"pass", "score", "reasons"} <= set(check)
    assert data["engine"] == "offline"
    bad = runner.invoke(app, ["check", "全网最低价！立即下单", "-p", "空气炸锅", "--json"])
    assert bad.exit_code == 0
    assert json.loads(bad.stdout)["pass"] is False


def test_check_ad_hoc_product_and_options():
    result = runner.invoke(
        app,
        [
            "check",
            "你在家喝手冲咖啡吗？",
            "--product",
            "手冲咖啡壶",
            "--category",
            "厨房",
            "--audience",
            "职场白领群",
            "--date",
            "2026-11-24",
            "--trend",
            "咖啡",
            "--json",
        ],
    )
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["product"]["ad_hoc"] is True and data["checks"]["relevance"]["pass"] is True


def test_check_rich_output():
    result = runner.invoke(app, ["check", "全网最低价的牙膏你见过吗？", "-p", "牙膏"])
    assert result.exit_code == 0
    assert "不通过" in result.stdout and "全网最低价" in result.stdout


def test_check_file_in_order(tmp_path):
    rows = [
        {"topic": "你用过美白类牙膏吗?", "product": "亮白牙膏"},
        {"topic": "立即下单！", "product": "空气炸锅", "audience": "宝妈群"},
        {"topic": "冬至你家吃饺子吗？", "product": "手工水饺", "date": "2026-12-22", "trend": ["冬至"]},
    ]
    path = tmp_path / "topics.jsonl"
    path.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in rows) + "\n\n", encoding="utf-8")
    result = runner.invoke(app, ["check", "--file", str(path), "--json"])
    assert result.exit_code == 0, result.output
    lines = [json.loads(x) for x in result.stdout.splitlines()]
    assert [x["topic"] for x in lines] == [r["topic"] for r in rows]
    assert [x["pass"] for x in lines] == [True, False, True]


def test_check_bad_inputs(tmp_path):
    broken = tmp_path / "t.jsonl"
    broken.write_text('{"topic": "你刷牙吗？", "product": "牙膏"}\n{"topic": oops\n', encoding="utf-8")
    result = runner.invoke(app, ["check", "--file", str(broken), "--json"])
    assert result.exit_code == 2
    assert f"{broken}:2:" in result.output and "JSON" in result.output
    missing = tmp_path / "m.jsonl"
    missing.write_text('{"topic": "你刷牙吗？"}\n', encoding="utf-8")
    result = runner.invoke(app, ["check", "--file", str(missing)])
    assert result.exit_code == 2 and "product" in result.output
    unknown = tmp_path / "u.jsonl"
    unknown.write_text('{"topic": "你刷牙吗？", "product": "牙膏", "audience": "火星群"}\n', encoding="utf-8")
    result = runner.invoke(app, ["check", "--file", str(unknown)])
    assert result.exit_code == 2 and f"{unknown}:1:" in result.output
    assert runner.invoke(app, ["check", "你刷牙吗？"]).exit_code == 2
    assert runner.invoke(app, ["check", "--product", "牙膏"]).exit_code == 2
    result = runner.invoke(app, ["check", "你刷牙吗？", "-p", "牙膏", "--date", "2026-02-30"])
    assert result.exit_code == 2 and "日期" in result.output
    assert runner.invoke(app, ["check", "--file", str(tmp_path / "nope.jsonl")]).exit_code == 2
    assert "Traceback" not in result.output


def test_check_file_validates_types_and_dates(tmp_path):
    cases = [
        ({"topic": "x", "product": "电热毯", "audience": ["a"]}, "audience"),
        ({"topic": "你冷吗？", "product": "电热毯", "category": 5}, "category"),
        ({"topic": "你冷吗？", "product": "电热毯", "trend": [1, {"a": 2}]}, "trend"),
        ({"topic": "你冷吗？", "product": "电热毯", "date": 20261222}, "date"),
        ({"topic": "你冷吗？", "product": "电热毯", "date": "2026-2-1"}, "YYYY-MM-DD"),
        ({"topic": "你冷吗？", "product": "电热毯", "date": "2100-01-01"}, "2099"),
        ({"topic": "你冷吗？", "product": "电热毯", "audeince": "宝妈群"}, "audeince"),
        ({"topic": 3, "product": "电热毯"}, "topic"),
    ]
    for i, (row, word) in enumerate(cases):
        path = tmp_path / f"bad{i}.jsonl"
        good = json.dumps({"topic": "你冷吗？", "product": "电热毯"}, ensure_ascii=False)
        path.write_text(good + "\n" + json.dumps(row, ensure_ascii=False) + "\n", encoding="utf-8")
        result = runner.invoke(app, ["check", "--file", str(path), "--json"])
        assert result.exit_code == 2, (row, result.output)
        message = result.output.replace("\n", "")
        assert f"{path}:2:" in message and word in message, message
        assert result.stdout.strip() == "" or "{" not in result.stdout  # nothing printed before validation
        assert "Traceback" not in result.output


def test_check_file_echoes_ids(tmp_path):
    path = tmp_path / "ids.jsonl"
    path.write_text('{"id": "mon-1", "topic": "你冷吗？", "product": "电热毯"}\n', encoding="utf-8")
    result = runner.invoke(app, ["check", "--file", str(path), "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["id"] == "mon-1"


def _configure_llm(monkeypatch, replies):
    from assistant.llm import choice
    from assistant.llm.fake import FakeChatModel
    from assistant.settings import reset_settings

    monkeypatch.setenv("HUATI_LLM_BASE_URL", "http://127.0.0.1:9/v1")
    monkeypatch.setenv("HUATI_LLM_API_KEY", "test")
    monkeypatch.setenv("HUATI_LLM_MODEL", "fake-judge")
    reset_settings()
    model = FakeChatModel(model_name="fake-judge", purpose="judge", responses=replies)
    monkeypatch.setattr(choice, "get_chat_model", lambda settings=None, purpose="draft": model)
    return model


def test_check_uses_the_judge_when_an_llm_is_configured(huati_env, monkeypatch):
    from assistant.settings import reset_settings

    ok = '{"pass": true, "score": 0.9, "reasons": ["好"], "spans": []}'
    _configure_llm(monkeypatch, [ok, "不是 JSON", ok, ok])  # one malformed reply
    try:
        result = runner.invoke(app, ["check", "你刷牙吗？", "-p", "亮白牙膏", "--json"])
        assert result.exit_code == 0, result.output
        data = json.loads(result.stdout)
        assert data["engine"] == "offline" and data["model"] == "huati-rules"
        judge = data["judge"]
        assert judge["model"] == "fake-judge" and judge["engine"] == "llm"
        assert judge["prompt_versions"]["judge_tone"].startswith("judge_tone/")
        assert len(judge["checks"]) == 3 and len(judge["errors"]) == 1  # recorded, not fatal
        off = runner.invoke(app, ["check", "你刷牙吗？", "-p", "亮白牙膏", "--json", "--no-judge"])
        assert json.loads(off.stdout)["judge"] is None
        rich = runner.invoke(app, ["check", "你刷牙吗？", "-p", "亮白牙膏"])
        assert "LLM 评判（fake-judge）" in rich.stdout
    finally:
        reset_settings()


def test_check_judge_requested_without_llm_is_a_config_error(huati_env):
    result = runner.invoke(app, ["check", "你刷牙吗？", "-p", "亮白牙膏", "--judge"])
    assert result.exit_code == 5 and "HUATI_LLM" in result.output
    assert (
        json.loads(runner.invoke(app, ["check", "你刷牙吗？", "-p", "牙膏", "--json"]).stdout)["judge"]
        is None
    )


def test_check_file_takes_the_topic_as_topic_or_text(tmp_path):
    path = tmp_path / "mixed.jsonl"
    rows = [
        {"topic": "你用过美白类牙膏吗？", "product": "亮白牙膏"},
        {"text": "你用过美白类牙膏吗？", "product": "亮白牙膏", "id": "t2"},
    ]
    path.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in rows), encoding="utf-8")
    result = runner.invoke(app, ["check", "--file", str(path), "--json"])
    assert result.exit_code == 0, result.output
    first, second = (json.loads(line) for line in result.stdout.strip().splitlines())
    assert first["topic"] == second["topic"] == "你用过美白类牙膏吗？"
    assert first["checks"] == second["checks"] and second["id"] == "t2"
    both = tmp_path / "both.jsonl"
    both.write_text(
        json.dumps({"topic": "你刷牙吗？", "text": "你洗脸吗？", "product": "亮白牙膏"}), encoding="utf-8"
    )
    bad = runner.invoke(app, ["check", "--file", str(both), "--json"])
    assert bad.exit_code == 2 and f"{both}:1:" in bad.output.replace("\n", "")
    none = tmp_path / "none.jsonl"
    none.write_text(json.dumps({"product": "亮白牙膏"}), encoding="utf-8")
    missing = runner.invoke(app, ["check", "--file", str(none)])
    assert missing.exit_code == 2 and "text" in missing.output
