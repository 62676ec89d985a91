from __future__ import annotations

import json

from typer.testing import CliRunner


def test_checks_same_as_cli(client):
    from assistant.cli.main import app

    topic, product = "你用过美白类牙膏吗？", "亮白牙膏"
    api = client.post(
        "/v1/checks", json={"text": topic, "product": product, "audience": "宝妈群", "date": "2026-11-24"}
    )
    assert api.status_code == 200, api.text
    cli = CliRunner().invoke(
        app, ["check", topic, "-p", product, "-a", "宝妈群", "-d", "2026-11-24", "--json"]
    )
    assert cli.exit_code == 0, cli.output
    assert api.json() == json.loads(cli.output)
    assert set(api.json()["checks"]) == {"compliance", "low_barrier", "relevance", "tone"}


def test_checks_flag_a_quiz_and_absolute_claims(client):
    r = client.post(
        "/v1/checks", json={"text": "牙膏里哪种成分能美白？最有效的是哪种？", "product": "亮白牙膏"}
    ).json()
    assert r["pass"] is False
    assert r["checks"]["low_barrier"]["pass"] is False or r["checks"]["compliance"]["pass"] is False


def test_checks_bad_audience_is_422(client):
    r = client.post(
        "/v1/checks", json={"text": "你用过保温杯吗？", "product": "保温杯", "audience": "火星群"}
    )
    assert r.status_code == 422 and r.headers["content-type"].startswith("application/problem+json")


TRENDS_JSONL = "\n".join(
    json.dumps(x, ensure_ascii=False)
    for x in [
        {"title": "降温了大家都穿秋裤了吗", "date": "2026-11-24", "platform": "weibo", "heat": 900000},
        {"title": "冬天早上起不来", "date": "2026-11-24", "platform": "weibo", "heat": 500000},
    ]
)


def test_push_trends_formats_then_search(client):
    r = client.post(
        "/v1/trends", content=TRENDS_JSONL.encode(), headers={"Content-Type": "application/jsonl"}
    )
    assert r.status_code == 200, r.text
    assert r.json() == {"parsed": 2, "saved": 2, "duplicates": 0, "errors": []}
    again = client.post(
        "/v1/trends", content=TRENDS_JSONL.encode(), headers={"Content-Type": "application/jsonl"}
    )
    assert again.json()["duplicates"] == 2 and again.json()["saved"] == 0
    csv = "title,date,platform,heat\n热水袋回来了,2026-11-24,douyin,12000\n"
    assert (
        client.post("/v1/trends", content=csv.encode(), headers={"Content-Type": "text/csv"}).json()["saved"]
        == 1
    )
    dailyhot = {
        "code": 200,
        "name": "zhihu",
        "title": "知乎",
        "updateTime": "2026-11-24T08:00:00Z",
        "data": [{"title": "第一场雪你那里下了吗", "hot": 3000}],
    }
    assert client.post("/v1/trends", json=dailyhot).json()["saved"] == 1
    items = [{"title": "暖气来了", "platform": "baidu"}]
    assert client.post("/v1/trends", json={"items": items, "date": "2026-11-24"}).json()["saved"] == 1
    assert (
        client.post(
            "/v1/trends", json=[{"title": "羽绒服怎么洗", "date": "2026-11-24", "platform": "weibo"}]
        ).json()["saved"]
        == 1
    )
    hits = client.get("/v1/search", params={"q": "秋裤 降温", "kind": "trends", "date": "2026-11-24"})
    assert hits.status_code == 200, hits.text
    assert hits.json()[0]["title"] == "降温了大家都穿秋裤了吗" and hits.json()[0]["kind"] == "trends"


def test_push_trends_bad_input(client):
    r = client.post(
        "/v1/trends", content="title,date\n热点,2026-13-45\n".encode(), headers={"Content-Type": "text/csv"}
    )
    assert r.status_code == 422 and r.json()["errors"]
    assert client.post("/v1/trends", content=b"x", headers={"Content-Type": "image/png"}).status_code == 415
    assert client.post("/v1/trends", json=5).status_code == 422
    assert client.post("/v1/trends", json={"items": "nope"}).json()["field"] == "items"


CASE = """---
id: api-case-thermos
title: 保温杯群聊：你的杯子里装的是什么
kind: case
source: 运营笔记
industry: 日用
---
一个宝妈群在降温那天问“你今天杯子里泡的是什么”，两小时回复一百多条，随后发保温杯链接，转化很好。
"""


def test_push_case_then_search(client):
    r = client.post("/v1/cases", content=CASE.encode(), headers={"Content-Type": "text/markdown"})
    assert r.status_code == 201, r.text
    assert r.json()["id"] == "api-case-thermos" and r.json()["index"]["added"] == 1
    hits = client.get("/v1/search", params={"q": "杯子里泡的是什么", "kind": "cases"}).json()
    assert any(
        h["metadata"].get("case_id", h["id"]).startswith("api-case-thermos") or "保温杯" in h["title"]
        for h in hits
    )
    again = client.post("/v1/cases", json={"markdown": CASE, "name": "thermos"})  # same id: never overwritten
    assert again.status_code == 409 and again.json()["field"] == "id" and "已存在" in again.json()["detail"]
    other = CASE.replace("id: api-case-thermos", "id: api-case-thermos-2")
    as_json = client.post("/v1/cases", json={"markdown": other, "name": "thermos"})
    assert as_json.status_code == 201 and as_json.json()["file"] == "thermos.md"


def test_push_bad_case_names_line(client):
    r = client.post(
        "/v1/cases", content=b"---\ntitle: x\n---\nbody", headers={"Content-Type": "text/markdown"}
    )
    assert r.status_code == 422 and "缺少必填字段" in r.json()["detail"]


def test_search_validation(client):
    assert client.get("/v1/search").json()["field"] == "q"
    assert client.get("/v1/search", params={"q": "x", "kind": "nope"}).status_code == 422
    assert (
        client.get("/v1/search", params={"q": "冬至", "kind": "calendar", "date": "2026-12-10"}).status_code
        == 200
    )


def test_push_trends_body_is_never_a_server_path(client, tmp_path):
    secret_file = tmp_path / "secret.csv"
    secret_file.write_text("title,date,platform\n服务器上的文件,2026-11-24,weibo\n", encoding="utf-8")
    r = client.post("/v1/trends", content=str(secret_file).encode(), headers={"Content-Type": "text/csv"})
    assert r.status_code == 422 and "服务器上的文件" not in r.text
    long_json = [{"t" * 300: 1}]  # once made parse_trends stat() a too-long "path" (found by schemathesis)
    assert client.post("/v1/trends", json=long_json).status_code == 422


def test_edge_dates_are_422_naming_the_field_everywhere(client):
    for day in ("0001-01-01", "9999-12-31", "2026-02-30"):
        search = client.get("/v1/search", params={"q": "冬至", "date": day})
        assert search.status_code == 422 and search.json()["field"] == "date", search.text
        check = client.post("/v1/checks", json={"text": "你用过保温杯吗？", "product": "保温杯", "date": day})
        assert check.status_code == 422 and check.json()["field"] == "date"
        pushed = client.post(
            "/v1/trends",
            params={"date": day},
            content=TRENDS_JSONL.encode(),
            headers={"Content-Type": "application/jsonl"},
        )
        assert pushed.status_code == 422 and pushed.json()["field"] == "date"
        in_body = client.post("/v1/trends", json={"items": [{"title": "降温了"}], "date": day})
        assert in_body.status_code == 422 and in_body.json()["field"] == "date"
    assert (
        "1901-01-01" in client.get("/v1/search", params={"q": "冬至", "date": "0001-01-01"}).json()["detail"]
    )


def test_push_trends_with_old_mac_line_ends(client):
    """A lone CR once crashed the CSV reader (500, found by schemathesis)."""
    csv_cr = "title,date,platform\r暖宝宝安排上了,2026-11-24,weibo\r"
    r = client.post("/v1/trends", content=csv_cr.encode(), headers={"Content-Type": "text/csv"})
    assert r.status_code == 200 and r.json()["saved"] == 1, r.text
    r = client.post("/v1/trends", content=b'"a\rb', headers={"Content-Type": "text/csv"})
    assert r.status_code == 422 and r.json()["field"] == "body"


def test_checks_take_the_topic_as_text_or_topic(client):
    by_text = client.post("/v1/checks", json={"text": "你用过美白类牙膏吗？", "product": "亮白牙膏"})
    by_topic = client.post("/v1/checks", json={"topic": "你用过美白类牙膏吗？", "product": "亮白牙膏"})
    assert by_text.status_code == by_topic.status_code == 200
    assert by_text.json() == by_topic.json()
    for body in (
        {"product": "亮白牙膏"},
        {"text": "你刷牙吗？", "topic": "你洗脸吗？", "product": "亮白牙膏"},
    ):
        r = client.post("/v1/checks", json=body)
        assert r.status_code == 422 and r.headers["content-type"].startswith("application/problem+json")
        assert "text" in r.text and "topic" in r.text
