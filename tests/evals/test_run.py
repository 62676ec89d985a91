"""Eval runs with a drafting double, reports, thresholds, compare; and the real offline engine when present."""

from __future__ import annotations

import asyncio
import json
import re
from datetime import UTC, datetime

import pytest
from typer.testing import CliRunner

from assistant.knowledge import resolve_product
from assistant.models import DailyPlan, PlanRequest, Topic, TopicType
from evals import runner
from evals.compare import compare

TOPICS = {
    "亮白牙膏": ["你用过美白类牙膏吗?", "你家牙膏是挤中间还是从尾巴挤？", "全网最低价的牙膏你见过吗？"],
    "手工水饺": ["你吃饺子蘸醋还是蘸酱油？", "冬至你家吃饺子吗？", "你最爱吃什么馅的饺子？"],
}


def fake_draft(calls: list[str]):
    active = {"now": 0, "max": 0}

    async def draft(request: PlanRequest) -> DailyPlan:
        active["now"] += 1
        active["max"] = max(active["max"], active["now"])
        await asyncio.sleep(0.01)
        active["now"] -= 1
        calls.append(request.product)
        product = resolve_product(request.product)
        topics = [Topic(type=TopicType.experience, question=q) for q in TOPICS[product.name]]
        return DailyPlan(
            date=request.date,
            product=product,
            topics=topics,
            engine="offline",
            model="fake-offline",
            prompt_versions={"draft": "t1"},
            created_at=datetime.now(UTC),
        )

    draft.active = active  # type: ignore[attr-defined]
    return draft


@pytest.fixture
def requests_file(tmp_path):
    rows = [
        {"id": "a", "product": "亮白牙膏", "audience": "宝妈群", "date": "2026-11-24"},
        {"id": "b", "product": "手工水饺", "audience": "社区团购群", "date": "2026-12-22", "trend": "冬至"},
        {"id": "c", "product": "手工水饺", "date": "2027-02-01"},
    ]
    path = tmp_path / "req.jsonl"
    path.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in rows), encoding="utf-8")
    return path


def test_run_writes_results_and_reports(tmp_path, requests_file):
    calls: list[str] = []
    draft = fake_draft(calls)
    out = tmp_path / "run"
    run = runner.run_eval(requests_file, engine="offline", out_dir=out, concurrency=2, draft=draft)
    assert len(calls) == 3 and draft.active["max"] == 2  # concurrent, bounded
    data = json.loads((out / "results.json").read_text(encoding="utf-8"))
    assert data["schema_version"] == 1 and data["models"] == ["fake-offline"]
    assert data["prompt_versions"] == {"draft": "t1"} and "compliance_lexicon" in data["check_versions"]
    m = data["metrics"]
    assert m["topics"] == 9 and m["compliance_pass_rate"] == pytest.approx(8 / 9)
    assert m["all_checks_pass_rate"] == pytest.approx(8 / 9)
    failed = {g["metric"] for g in data["thresholds"] if not g["passed"]}
    assert "compliance_pass_rate" in failed and run["passed"] is False
    html = (out / "report.html").read_text(encoding="utf-8")
    assert "<mark>全网最低价</mark>" in html and "<svg" in html and "fake-offline" in html
    assert "<script" not in html and not re.search(r'(src|href)="https?:', html)  # self-contained
    assert "全网最低价" in (out / "report.md").read_text(encoding="utf-8")


def test_draft_errors_are_recorded_not_raised(tmp_path, requests_file):
    from assistant.errors import ProviderError

    async def broken(request: PlanRequest) -> DailyPlan:
        raise ProviderError("超时")

    run = runner.run_eval(requests_file, draft=broken, out_dir=tmp_path / "x")
    assert run["metrics"]["case_success_rate"] == 0 and not run["passed"]
    assert all("超时" in c["error"] for c in run["cases"])


def test_cli_run_exit_codes_and_compare(tmp_path, requests_file, monkeypatch):
    from assistant.cli.main import app

    monkeypatch.setattr(runner, "default_draft_fn", lambda chat_model=None: fake_draft([]))
    cli = CliRunner()
    strict = cli.invoke(app, ["eval", "run", "--dataset", str(requests_file), "--out", str(tmp_path / "a")])
    assert strict.exit_code == 1 and "compliance_pass_rate" in strict.output
    lenient = tmp_path / "t.yaml"
    lenient.write_text("offline:\n  all_checks_pass_rate: {min: 0.5}\n", encoding="utf-8")
    ok = cli.invoke(
        app,
        [
            "eval",
            "run",
            "--dataset",
            str(requests_file),
            "--out",
            str(tmp_path / "b"),
            "--thresholds",
            str(lenient),
        ],
    )
    assert ok.exit_code == 0, ok.output
    diff = cli.invoke(app, ["eval", "compare", str(tmp_path / "a"), str(tmp_path / "b"), "--json"])
    assert diff.exit_code == 0
    rows = {r["metric"]: r for r in json.loads(diff.stdout)["metrics"]}
    assert rows["all_checks_pass_rate"]["delta"] == 0
    bad = cli.invoke(app, ["eval", "compare", str(tmp_path / "a"), str(tmp_path / "nope")])
    assert bad.exit_code == 2 and "找不到" in bad.output
    badset = tmp_path / "bad.jsonl"
    badset.write_text('{"id": "x", "product": "牙膏"}\n', encoding="utf-8")
    res = cli.invoke(app, ["eval", "run", "--dataset", str(badset)])
    assert res.exit_code == 2 and f"{badset}:1:" in res.output.replace("\n", "")


def test_compare_reports_deltas(tmp_path, requests_file):
    a = runner.run_eval(requests_file, draft=fake_draft([]), out_dir=tmp_path / "a")
    TOPICS["亮白牙膏"][2] = "早上刷牙你用几分钟？"
    try:
        b = runner.run_eval(requests_file, draft=fake_draft([]), out_dir=tmp_path / "b")
    finally:
        TOPICS["亮白牙膏"][2] = "全网最低价的牙膏你见过吗？"
    diff = compare(tmp_path / "a", tmp_path / "b" / "results.json")
    rows = {r["metric"]: r for r in diff["metrics"]}
    assert rows["compliance_pass_rate"]["delta"] == pytest.approx(1 - 8 / 9)
    assert diff["changed_cases"] == [{"id": "a", "a_passing": 2, "b_passing": 3}]
    assert a["run_id"] != b["run_id"]


def test_offline_engine_meets_thresholds(tmp_path, huati_env):
    """The real offline drafting engine on a few requests must pass the offline gates."""
    path = tmp_path / "few.jsonl"
    from evals.datasets import REQUESTS

    lines = REQUESTS.read_text(encoding="utf-8").splitlines()
    path.write_text("\n".join(lines[::5]), encoding="utf-8")  # every 5th request: 5 cases
    run = runner.run_eval(path, engine="offline", out_dir=tmp_path / "run", concurrency=2)
    failed = [g for g in run["thresholds"] if not g["passed"]]
    assert not failed, (failed, [t["text"] for c in run["cases"] for t in c["topics"] if not t["pass"]])
    assert run["engines_used"] == ["offline"]


def test_run_with_fake_judge(tmp_path, requests_file, huati_env):
    from langchain_core.language_models.fake_chat_models import FakeListChatModel

    judge = FakeListChatModel(responses=['{"pass": false, "score": 0.2, "reasons": ["不合格"], "spans": []}'])
    run = runner.run_eval(requests_file, draft=fake_draft([]), judge_model=judge, out_dir=tmp_path / "j")
    topic = run["cases"][0]["topics"][0]
    assert set(topic["judge"]) == {"compliance", "low_barrier", "relevance", "tone"}
    assert topic["judge"]["tone"]["pass"] is False
    assert run["metrics"]["judge_compliance_pass_rate"] == 0.0
    assert run["metrics"]["judge_compliance_agreement"] == pytest.approx(1 / 9)
    assert run["judge"]["prompt_versions"]["judge_tone"].startswith("judge_tone/")


def test_llm_engine_needs_configuration(requests_file, huati_env):
    from assistant.cli.main import app

    result = CliRunner().invoke(app, ["eval", "run", "--dataset", str(requests_file), "--engine", "llm"])
    assert result.exit_code == 5 and "HUATI_LLM" in result.output
    bad = CliRunner().invoke(app, ["eval", "run", "--dataset", str(requests_file), "--engine", "gpt"])
    assert bad.exit_code == 2 and "引擎" in bad.output


@pytest.mark.parametrize(
    "content, where, word",
    [
        ("offline:\n  all_checks_pass_rate: {min: 0.5}\n  top1_pass_rat: {min: 0.9}\n", 3, "top1_pass_rat"),
        ("offline:\n  all_checks_pass_rate: {mni: 0.5}\n", 2, "mni"),
        ("offline:\n  all_checks_pass_rate: {min: high}\n", 2, "数值"),
        ("offline:\n  all_checks_pass_rate: {min: 90}\n", 2, "0 到 1"),
        ("offline: [1, 2]\n", 1, "offline"),
        ("ofline:\n  all_checks_pass_rate: {min: 0.5}\n", 1, "ofline"),
        ("offline:\n  all_checks_pass_rate: {min: 0.5\n", 3, "YAML"),
        ("- 1\n- 2\n", 1, "键值对"),
    ],
)
def test_bad_thresholds_are_exit_2_before_drafting(
    tmp_path, requests_file, monkeypatch, content, where, word
):
    from assistant.cli.main import app

    calls: list[str] = []
    monkeypatch.setattr(runner, "default_draft_fn", lambda chat_model=None: fake_draft(calls))
    path = tmp_path / "th.yaml"
    path.write_text(content, encoding="utf-8")
    result = CliRunner().invoke(
        app,
        [
            "eval",
            "run",
            "--dataset",
            str(requests_file),
            "--thresholds",
            str(path),
            "--out",
            str(tmp_path / "o"),
        ],
    )
    message = result.output.replace("\n", "")
    assert result.exit_code == 2, result.output
    assert f"{path}:{where}:" in message and word in message, message
    assert calls == [] and not (tmp_path / "o").exists()  # validated up front: nothing was drafted
    missing = CliRunner().invoke(
        app, ["eval", "run", "--dataset", str(requests_file), "--thresholds", str(tmp_path / "none.yaml")]
    )
    assert missing.exit_code == 2 and "找不到阈值文件" in missing.output and calls == []


def test_unknown_audience_in_requests_is_exit_2_up_front(tmp_path, monkeypatch):
    from assistant.cli.main import app

    calls: list[str] = []
    monkeypatch.setattr(runner, "default_draft_fn", lambda chat_model=None: fake_draft(calls))
    path = tmp_path / "req.jsonl"
    rows = [
        {"id": "a", "product": "亮白牙膏", "audience": "宝妈群", "date": "2026-11-24"},
        {"id": "b", "product": "手工水饺", "audience": "火星群", "date": "2026-12-22"},
    ]
    path.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in rows), encoding="utf-8")
    result = CliRunner().invoke(app, ["eval", "run", "--dataset", str(path)])
    assert (
        result.exit_code == 2
        and f"{path}:2:" in result.output.replace("\n", "")
        and "火星群" in result.output
    )
    assert calls == []


def test_judge_section_in_report_and_failed_replies_counted(tmp_path, requests_file, huati_env):
    from langchain_core.language_models.fake_chat_models import FakeListChatModel

    good = '{"pass": true, "score": 0.9, "reasons": ["好"], "spans": []}'
    judge = FakeListChatModel(responses=[good, good, "这不是 JSON"])  # every third reply is malformed
    run = runner.run_eval(requests_file, draft=fake_draft([]), judge_model=judge, out_dir=tmp_path / "j")
    errors = run["metrics"]["judge_errors"]
    judged = sum(len(t.get("judge", {})) for c in run["cases"] for t in c["topics"])
    assert errors >= 1 and judged + errors == 36  # 9 topics x 4 dimensions; failures recorded, run goes on
    assert all(msg for c in run["cases"] for t in c["topics"] for msg in t.get("judge_errors", {}).values())
    html = (tmp_path / "j" / "report.html").read_text(encoding="utf-8")
    assert "评判模型：<b>FakeListChatModel</b>" in html
    assert "judge_tone=" in html and "评判失败" in html
    md = (tmp_path / "j" / "report.md").read_text(encoding="utf-8")
    assert "## LLM 评判" in md and "judge_compliance=" in md
    plain = runner.run_eval(requests_file, draft=fake_draft([]), out_dir=tmp_path / "p")
    assert "没有使用 LLM 评判" in (tmp_path / "p" / "report.html").read_text(encoding="utf-8")
    assert "judge_errors" not in plain["metrics"]


def test_failed_relevance_highlights_the_other_product(tmp_path, requests_file):
    TOPICS["亮白牙膏"][1] = "吃饺子你蘸醋吗？刷牙"
    try:
        run = runner.run_eval(requests_file, draft=fake_draft([]), out_dir=tmp_path / "h")
    finally:
        TOPICS["亮白牙膏"][1] = "你家牙膏是挤中间还是从尾巴挤？"
    topic = run["cases"][0]["topics"][1]
    assert not topic["checks"]["relevance"]["pass"]
    marked = [topic["text"][a:b] for a, b in topic["checks"]["relevance"]["spans"]]
    assert "饺子" in marked and "刷牙" not in marked  # what is wrong, not the product words that matched


def test_compare_colours_by_direction(tmp_path, requests_file):
    from assistant.cli.main import app
    from evals.cli import delta_cell
    from evals.compare import better

    assert better("draft_seconds_p95") == "lower" and better("all_checks_pass_rate") == "higher"
    assert better("topics") is None
    a = runner.run_eval(requests_file, draft=fake_draft([]), out_dir=tmp_path / "a")
    b = runner.run_eval(requests_file, draft=fake_draft([]))
    b["metrics"]["draft_seconds_p95"] = a["metrics"]["draft_seconds_p95"] + 1.0
    b["metrics"]["all_checks_pass_rate"] = a["metrics"]["all_checks_pass_rate"] + 0.1
    runner.write_run(b, tmp_path / "b")
    rows = {r["metric"]: r for r in compare(tmp_path / "a", tmp_path / "b")["metrics"]}
    assert (
        rows["draft_seconds_p95"]["change"] == "worse" and rows["all_checks_pass_rate"]["change"] == "better"
    )
    assert delta_cell(rows["draft_seconds_p95"]).startswith("[red]")  # slower is worse
    assert delta_cell(rows["all_checks_pass_rate"]).startswith("[green]")
    out = CliRunner().invoke(app, ["eval", "compare", str(tmp_path / "a"), str(tmp_path / "b")])
    line = next(x for x in out.output.splitlines() if "draft_seconds_p95" in x)
    assert out.exit_code == 0 and "越低越好" in line
