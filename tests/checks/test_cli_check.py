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
        ["check", "你在家喝手冲咖啡吗？", "--product", "手冲咖啡壶", "--category", "厨房",
         "--audience", "职场白领群", "--date", "2026-11-24", "--trend", "咖啡", "--json"],
    )  # fmt: skip
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
