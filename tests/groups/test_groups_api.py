"""The HTTP side: topic feedback with counts, the activity import, group summary, report and forget."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from assistant.drafting import draft_plan
from assistant.models import PlanRequest

FIX = Path(__file__).resolve().parent / "fixtures"
GROUP = "阳光宝妈群"


@pytest.fixture
def client(huati_env):
    from api.main import create_app
    from assistant.service.keys import create_key

    secret = create_key("tests", huati_env)[1]
    with TestClient(create_app(huati_env)) as c:
        c.headers["Authorization"] = f"Bearer {secret}"
        yield c


@pytest.fixture
def plan(huati_env, store):
    request = PlanRequest(product="亮白牙膏", audience="宝妈群", date=date(2026, 12, 4), group=GROUP)
    return draft_plan(request, settings=huati_env, store=store)


def test_plan_request_takes_a_group(client):
    r = client.post(
        "/v1/plans", json={"product": "亮白牙膏", "audience": "宝妈群", "group": GROUP, "engine": "offline"}
    )
    assert r.status_code == 201, r.text
    assert r.json()["group"] == GROUP and r.json()["audience"]["name"] == "宝妈群"
    listed = client.get("/v1/plans", params={"group": GROUP}).json()
    assert listed["total"] == 1
    bad = client.post("/v1/plans", json={"product": "亮白牙膏", "group": "a b"})
    assert bad.status_code == 422 and bad.json()["field"] == "group"


def test_topic_feedback_with_counts(client, plan):
    r = client.post(
        f"/v1/plans/{plan.id}/topics/2/feedback",
        json={
            "verdict": "posted",
            "posted_at": "21:02",
            "replies": 14,
            "repliers": 9,
            "orders": 3,
            "note": "不错",
        },
    )
    assert r.status_code == 201, r.text
    body = r.json()
    assert (body["topic_index"], body["posted_at"], body["replies"], body["orders"]) == (
        2,
        "2026-12-04T21:02",
        14,
        3,
    )
    old = client.post(f"/v1/plans/{plan.id}/feedback", json={"topic": 1, "verdict": "accepted"})
    assert old.status_code == 201 and old.json()["replies"] is None  # the old endpoint and its keys stay
    for path, payload, field in (
        (f"/v1/plans/{plan.id}/topics/1/feedback", {"verdict": "rejected", "replies": 2}, "verdict"),
        (f"/v1/plans/{plan.id}/topics/1/feedback", {"verdict": "posted", "replies": -1}, "replies"),
        (f"/v1/plans/{plan.id}/topics/1/feedback", {"verdict": "posted", "posted_at": "昨晚"}, "posted_at"),
        (f"/v1/plans/{plan.id}/topics/9/feedback", {"verdict": "posted"}, "topic"),
        (
            f"/v1/plans/{plan.id}/topics/3/feedback",
            {"verdict": "posted", "replies": 2, "repliers": 5},
            "repliers",
        ),
    ):
        bad = client.post(path, json=payload)
        assert bad.status_code == 422, (payload, bad.text)
        assert bad.headers["content-type"].startswith("application/problem+json")
        assert bad.json()["field"] == field
    missing = client.post("/v1/plans/nope/topics/1/feedback", json={"verdict": "posted"})
    assert missing.status_code == 404


def test_activity_import_summary_report_and_forget(client, plan):
    raw = (FIX / "gbk_excel.csv").read_bytes()  # GBK bytes as Excel leaves them
    r = client.post(f"/v1/groups/{GROUP}/activity", content=raw, headers={"Content-Type": "text/csv"})
    assert r.status_code == 201, r.text
    assert r.json()["messages"] == 12 and r.json()["new"] == 12 and r.json()["text_kept"] is False
    broken = client.post(
        f"/v1/groups/{GROUP}/activity",
        params={"filename": "坏的.csv"},
        content=(FIX / "broken_bad_time.csv").read_bytes(),
    )
    assert broken.status_code == 201 and [i["line"] for i in broken.json()["issues"]] == [4, 5]
    assert client.post(f"/v1/groups/{GROUP}/activity", content=b"").status_code == 422
    junk = client.post(f"/v1/groups/{GROUP}/activity", content=(FIX / "not_a_chat.txt").read_bytes())
    assert junk.status_code == 422 and "认不出" in junk.json()["detail"]
    client.post(f"/v1/plans/{plan.id}/topics/1/feedback", json={"verdict": "posted", "replies": 7})
    groups = client.get("/v1/groups").json()
    assert [g["id"] for g in groups] == [GROUP] and groups[0]["posted"] == 1
    summary = client.get(f"/v1/groups/{GROUP}", params={"weeks": 4}).json()
    assert summary["learned"]["posts"] == 1 and len(summary["heat"]) == 7
    html = client.get(f"/v1/groups/{GROUP}/report")
    assert html.status_code == 200 and "text/html" in html.headers["content-type"]
    charts = re.findall(r'<img class="chart-img" alt="[^"]+" src="([^"]+)"', html.text)
    assert len(charts) == 4 and "style=" not in html.text  # the page's content policy allows no inline styles
    for url in charts:
        svg = client.get(url.replace("&amp;", "&"))
        assert svg.status_code == 200 and svg.headers["content-type"].startswith("image/svg+xml")
        assert svg.text.lstrip().startswith(("<?xml", "<svg")) and "<svg" in svg.text
    assert client.get(f"/v1/groups/{GROUP}/report/charts/nope.svg").status_code == 422
    md = client.get(f"/v1/groups/{GROUP}/report", params={"format": "md"})
    assert "![什么时候有人在聊](heatmap.svg)" in md.text
    assert client.get("/v1/groups/没有这个群").status_code == 404
    gone = client.delete(f"/v1/groups/{GROUP}")
    assert gone.status_code == 200 and gone.json()["deleted"]["group_messages"] == 12 + broken.json()["new"]
    assert client.get(f"/v1/groups/{GROUP}").status_code == 404
    assert client.delete(f"/v1/groups/{GROUP}").status_code == 404


def test_report_cli_writes_html_and_markdown(huati_env, store, plan, tmp_path):
    from typer.testing import CliRunner

    from assistant.cli.main import app
    from assistant.groups.importer import import_export

    import_export(FIX / "chatlab.json", GROUP, settings=huati_env, store=store)
    store.add_feedback(plan.id, 1, "posted", replies=9)
    out = tmp_path / "report"
    result = CliRunner().invoke(app, ["report", "--group", GROUP, "--weeks", "4", "--out", str(out)])
    assert result.exit_code == 0, result.output
    html = (out / "report.html").read_text(encoding="utf-8")
    assert html.count("<svg") == 4 and "每周各时段的消息数" in html and "哪类话题回复多" in html
    md = (out / "report.md").read_text(encoding="utf-8")
    for chart in ("heatmap", "hours", "replies", "types"):
        assert f"({chart}.svg)" in md and (out / f"{chart}.svg").read_text().startswith("<svg")
    bad = CliRunner().invoke(app, ["report", "--group", GROUP, "--weeks", "0"])
    assert bad.exit_code == 2 and "--weeks" in bad.output
    none = CliRunner().invoke(app, ["report", "--group", "没有的群"])
    assert none.exit_code == 3
