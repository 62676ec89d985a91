"""An eval never passes on a broken judge: `huati eval run` and `huati eval calibrate` say so and exit 1."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from types import SimpleNamespace

import pytest
from langchain_core.language_models.fake_chat_models import FakeListChatModel
from typer.testing import CliRunner

from assistant.cli.main import app
from assistant.knowledge import resolve_product
from assistant.models import DailyPlan, PlanRequest, Topic, TopicType
from evals import runner

cli = CliRunner()


def fake_draft(_calls: list[str]):
    async def draft(request: PlanRequest) -> DailyPlan:
        questions = ["你用过美白类牙膏吗?", "你家牙膏是挤中间还是从尾巴挤？"]
        return DailyPlan(
            date=request.date,
            product=resolve_product(request.product),
            topics=[Topic(type=TopicType.experience, question=q) for q in questions],
            engine="offline",
            model="fake-offline",
            created_at=datetime.now(UTC),
        )

    return draft


@pytest.fixture
def requests_file(tmp_path):
    path = tmp_path / "req.jsonl"
    path.write_text(
        json.dumps({"id": "a", "product": "亮白牙膏", "date": "2026-11-24"}, ensure_ascii=False),
        encoding="utf-8",
    )
    return path


def _broken() -> FakeListChatModel:
    return FakeListChatModel(responses=["这不是 JSON"])  # every judge call fails


def test_a_broken_judge_fails_the_run_gate(tmp_path, requests_file, huati_env):
    run = runner.run_eval(requests_file, draft=fake_draft([]), judge_model=_broken(), out_dir=tmp_path / "r")
    assert run["metrics"]["judge_error_rate"] == 1.0
    assert run["metrics"]["judge_errors"] == run["metrics"]["judge_calls"] > 0
    gate = next(g for g in run["thresholds"] if g["metric"] == "judge_error_rate")
    assert gate["passed"] is False and run["passed"] is False
    assert "LLM 评判不可用" in (tmp_path / "r" / "report.md").read_text(encoding="utf-8")
    assert "结论：**未通过**" in (tmp_path / "r" / "report.md").read_text(encoding="utf-8")
    plain = runner.run_eval(requests_file, draft=fake_draft([]), out_dir=tmp_path / "p")
    assert all(g["metric"] != "judge_error_rate" for g in plain["thresholds"])  # no judge, no judge gate


def test_eval_run_exits_1_when_the_judge_is_broken(tmp_path, requests_file, huati_env, monkeypatch):
    import assistant.llm

    monkeypatch.setattr(assistant.llm, "choose_model", lambda *a, **k: SimpleNamespace(model=_broken()))
    monkeypatch.setattr(runner, "default_draft_fn", lambda: fake_draft([]))
    result = cli.invoke(app, ["eval", "run", "--dataset", str(requests_file), "--out", str(tmp_path / "o")])
    assert result.exit_code == 1
    assert "评判不可用" in result.output and "judge_error_rate" in result.output


def test_eval_calibrate_exits_1_when_the_judge_is_broken(tmp_path, huati_env, monkeypatch):
    import assistant.llm

    rows = [
        {
            "id": "a1",
            "topic": "你用过美白类牙膏吗?",
            "product": "亮白牙膏",
            "labels": {
                "relevant": True,
                "low_barrier": True,
                "tone_ok": True,
                "compliant": True,
                "good": True,
            },
        },
        {
            "id": "a2",
            "topic": "全网最低价！",
            "product": "亮白牙膏",
            "labels": {
                "relevant": False,
                "low_barrier": False,
                "tone_ok": False,
                "compliant": False,
                "good": False,
            },
        },
    ]
    path = tmp_path / "small.jsonl"
    path.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in rows), encoding="utf-8")
    args = ["eval", "calibrate", "--dataset", str(path), "--no-outside", "--out", str(tmp_path / "c")]
    assert cli.invoke(app, [*args, "--no-judge"]).exit_code == 0
    monkeypatch.setattr(assistant.llm, "choose_model", lambda *a, **k: SimpleNamespace(model=_broken()))
    result = cli.invoke(app, args)
    assert result.exit_code == 1
    assert "评判不可用" in result.output and "校准门槛未通过" in result.output
    report = json.loads((tmp_path / "c" / "calibration.json").read_text(encoding="utf-8"))
    assert report["judge"]["broken"] is True and report["gate"]["passed"] is False
