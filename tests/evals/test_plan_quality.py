"""Plan-level metrics of `huati eval run` (evals/plan_quality.py) and the uncatalogued dataset's splits."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from assistant.drafting import draft_plan
from assistant.models import PlanRequest
from evals import runner
from evals.datasets import UNCATALOGUED, load_requests
from evals.plan_quality import TOP_K, pattern_violations, plan_facts, plan_metrics

PLAN_KEYS = {
    "plan_all_checks_pass_rate",
    "pattern_fit_violations",
    "selling_point_use_rate",
    "fitting_hook_use_rate",
    "within_plan_distinct_rate",
}


def _rows(path, picks):
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in picks), encoding="utf-8")
    return path


def test_uncatalogued_dataset_loads_with_points_and_splits():
    cases = load_requests(UNCATALOGUED)
    assert len(cases) >= 150 and {c.split for c in cases} == {"dev", "holdout"}
    assert any(c.points for c in cases) and any(c.trend for c in cases)
    assert all(t.strip() for c in cases for t in c.trend)  # an empty trend is no trend


def test_run_reports_plan_metrics_per_split(tmp_path, huati_env):
    rows = [json.loads(line) for line in UNCATALOGUED.read_text(encoding="utf-8").splitlines()]
    picks = [r for r in rows if r["split"] == "dev"][:2] + [r for r in rows if r["split"] == "holdout"][:1]
    path = _rows(tmp_path / "few.jsonl", picks)
    run = runner.run_eval(path, engine="offline", out_dir=tmp_path / "run", concurrency=1)
    assert set(run["splits"]) == {"dev", "holdout"}
    assert run["splits"]["dev"]["plans"] == 2 and run["splits"]["holdout"]["plans"] == 1
    for values in (run["metrics"], *run["splits"].values()):
        assert PLAN_KEYS <= set(values) and values["pattern_fit_violations"] == 0
    md = (tmp_path / "run" / "report.md").read_text(encoding="utf-8")
    assert "方案层面" in md and "| dev |" in md and "| holdout |" in md


def test_cli_prints_the_splits(tmp_path, huati_env):
    from assistant.cli.main import app

    rows = [json.loads(line) for line in UNCATALOGUED.read_text(encoding="utf-8").splitlines()]
    picks = [r for r in rows if r["split"] == "dev"][:1] + [r for r in rows if r["split"] == "holdout"][:1]
    path = _rows(tmp_path / "two.jsonl", picks)
    out = CliRunner().invoke(app, ["eval", "run", "--dataset", str(path), "--out", str(tmp_path / "r")])
    assert out.exit_code == 0, out.output
    text = out.output.replace("\n", "")
    assert "dev：1 份方案" in text and "holdout：1 份方案" in text and "卖点用上" in text


def _plan(**kw):
    req = PlanRequest(n=3, engine="offline", **kw)
    return req, draft_plan(req, save=False)


def test_a_pattern_filled_for_an_excluded_nature_is_a_violation(huati_env):
    _req, plan = _plan(product="钢琴陪练课", category="教育课程", date="2027-05-26")
    assert plan.product_profile.nature == "course" and pattern_violations(plan) == []
    table = {"years": ["durable", "wearable"]}
    plan.topics[0].pattern = "years"  # 「用了几年了」 on a course
    assert pattern_violations(plan, table) == ["years（course）"]


def test_facts_see_points_hooks_and_repeats(huati_env):
    req, plan = _plan(product="鲜花月卡", points=["每周一束"], audience="职场白领群", date="2027-02-14")
    request = req.model_dump(mode="json")
    facts = plan_facts(request, plan)
    assert facts["has_points"] and facts["fitting"] and facts["distinct"]
    said = " ".join(f"{t.text} {t.bridge}" for t in plan.topics[:TOP_K])
    assert facts["points_used"] == ("每周一束" in said)
    plan.topics[1] = plan.topics[0].model_copy()
    assert plan_facts(request, plan)["distinct"] is False
    for t in plan.topics:
        t.bridge = ""
        t.question = t.question.replace("每周一束", "")
    m = plan_metrics([{"plan": facts}, {"plan": plan_facts(request, plan)}, {"plan": None}])
    assert m["plans"] == 2 and m["within_plan_distinct_rate"] == 0.5
