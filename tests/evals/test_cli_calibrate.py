"""`huati eval calibrate` through the CLI: tables, report files, bad datasets."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from assistant.cli.main import app

runner = CliRunner()


def test_calibrate_writes_reports(tmp_path):
    result = runner.invoke(app, ["eval", "calibrate", "--out", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert "合规" in result.stdout and "留出集" in result.stdout and "达标" in result.stdout
    md = (tmp_path / "calibration.md").read_text(encoding="utf-8")
    assert "Cohen's κ" in md and "| 合规 |" in md
    html = (tmp_path / "calibration.html").read_text(encoding="utf-8")
    assert "<table>" in html and "held_out" in html
    data = json.loads((tmp_path / "calibration.json").read_text(encoding="utf-8"))
    assert data["n"] >= 150 and data["meets_targets"] is True and data["gate"]["passed"] is True
    # the outside split is reported separately: κ, precision and recall per check and split, list coverage
    outside = data["outside"]
    assert set(outside["checks"]) == {"tune", "held_out", "all"}
    assert {"kappa", "precision", "recall"} <= set(outside["checks"]["all"]["compliance"])
    assert len(outside["coverage"]) == 5 and all(e["positions"] for e in outside["coverage"].values())
    assert "外部集" in result.stdout and "词表覆盖率" in result.stdout
    assert "## 外部集" in md and "### 词表覆盖率" in md and "精确率" in md
    assert "外部集 · 留出集" in html


def test_calibrate_small_dataset_and_errors(tmp_path):
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
    result = runner.invoke(
        app, ["eval", "calibrate", "--dataset", str(path), "--out", str(tmp_path / "r"), "--json"]
    )
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout.strip().splitlines()[-1])
    assert data["checks"]["all"]["compliance"]["kappa"] == 1.0
    broken = tmp_path / "broken.jsonl"
    broken.write_text(
        json.dumps(rows[0], ensure_ascii=False) + '\n{"id": "x", "topic": "t"}\n', encoding="utf-8"
    )
    result = runner.invoke(app, ["eval", "calibrate", "--dataset", str(broken), "--out", str(tmp_path / "r")])
    assert result.exit_code == 2 and f"{broken}:2:" in result.output.replace("\n", "")
