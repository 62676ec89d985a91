"""Hostile input, documents side: alias bombs, deep nesting, lone surrogates, giant numbers, oversized pushes and
colliding case ids are refused with a 4xx problem+json (never a 500, never an overwrite), and heavy parsing runs
off the event loop."""

from __future__ import annotations

import asyncio
import json
import re
import time

import pytest

JSON = {"Content-Type": "application/json"}
MARKDOWN = {"Content-Type": "text/markdown"}
# ~340 bytes of YAML; expanded it would be 9^9 strings.
BOMB = 'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n' + "".join(
    f"{chr(98 + i)}: &{chr(98 + i)} [" + ",".join(["*" + chr(97 + i)] * 9) + "]\n" for i in range(8)
)


def case(case_id: str, title: str = "冬至饺子团购", extra: str = "") -> str:
    return f"---\nid: {case_id}\ntitle: {title}\nkind: case\nsource: 群运营笔记\n{extra}---\n## 背景\n冬至前一周在群里聊饺子馅。\n"


def assert_problem(r, status: int = 422) -> dict:
    assert r.status_code == status, r.text
    assert r.headers["content-type"].startswith("application/problem+json")
    body = r.json()
    assert body["status"] == status and body["detail"]
    return body


# --------------------------------------------------------------------------- YAML front matter


@pytest.mark.parametrize(
    ("extra", "words"),
    [
        (BOMB, "锚点"),
        ("tags: *nothing\n", "别名"),
        ("base: &b {x: 1}\nother:\n  <<: *b\n", "锚点"),
        ("x: !!python/object/apply:os.system ['id']\n", "标签"),
        ("x: !!binary aGk=\n", "标签"),
        ("title: 重复\n", "不止一次"),
        ("deep: " + "[" * 12 + "]" * 12 + "\n", "嵌套太深"),
        ("n: " + "1" * 5001 + "\n", "数字太长"),
    ],
    ids=["bomb", "alias", "merge-key", "python-tag", "binary-tag", "duplicate", "deep", "long-number"],
)
def test_hostile_front_matter_is_refused_quickly(client, extra, words):
    started = time.perf_counter()
    r = client.post("/v1/cases", content=case("bomb", extra=extra).encode(), headers=MARKDOWN)
    assert time.perf_counter() - started < 2.0
    body = assert_problem(r)
    assert words in body["detail"] and re.search(r"\.md:\d+: ", body["detail"])  # path:line: reason
    as_json = client.post("/v1/cases", json={"markdown": case("bomb", extra=extra)})
    assert words in assert_problem(as_json)["detail"]
    assert client.get("/v1/search", params={"q": "lol", "kind": "cases"}).status_code in (200, 503)


def test_alias_bomb_costs_nothing_and_stalls_nobody(client):
    bigger = BOMB + "".join(f"z{i}: &z{i} [" + ",".join(["*i"] * 9) + "]\n" for i in range(3))
    timings = []
    for _ in range(5):
        started = time.perf_counter()
        assert_problem(client.post("/v1/cases", content=case("x", extra=bigger).encode(), headers=MARKDOWN))
        timings.append(time.perf_counter() - started)
    assert min(timings) < 0.2, timings  # the server refuses at the first anchor; it never expands anything


# --------------------------------------------------------------------------- case ids and file names


def test_non_ascii_ids_get_their_own_files_and_a_clash_is_409(client, huati_env):
    first = client.post("/v1/cases", content=case("案例一", "第一个").encode(), headers=MARKDOWN)
    second = client.post("/v1/cases", content=case("案例二", "第二个").encode(), headers=MARKDOWN)
    assert first.status_code == second.status_code == 201
    assert first.json()["file"] != second.json()["file"]
    files = sorted(p.name for p in (huati_env.home / "cases").glob("*.md"))
    assert len(files) == 2 and all(f.startswith("case-") for f in files)
    clash = assert_problem(
        client.post("/v1/cases", content=case("案例一", "想覆盖").encode(), headers=MARKDOWN), 409
    )
    assert clash["field"] == "id" and "已存在" in clash["detail"]
    kept = (huati_env.home / "cases" / first.json()["file"]).read_text(encoding="utf-8")
    assert "第一个" in kept and "想覆盖" not in kept
    for other in ("Case-A", "case-a", "A/B", "A-B", "案例 一"):  # differ only in case / dropped characters
        assert client.post("/v1/cases", content=case(other).encode(), headers=MARKDOWN).status_code == 201
    assert len(list((huati_env.home / "cases").glob("*.md"))) == 7


def test_an_id_of_the_knowledge_base_or_a_taken_name_is_409(client, huati_env):
    from assistant.knowledge import load_cases

    shipped = load_cases(huati_env)[0].id
    assert_problem(client.post("/v1/cases", content=case(shipped).encode(), headers=MARKDOWN), 409)
    assert client.post("/v1/cases", json={"markdown": case("甲"), "name": "mine"}).status_code == 201
    taken = assert_problem(client.post("/v1/cases", json={"markdown": case("乙"), "name": "mine"}), 409)
    assert "mine.md" in taken["detail"]


# --------------------------------------------------------------------------- JSON bodies


DEEP = "[" * 2000 + "]" * 2000
DEEP_OBJECT = '{"a":' * 2000 + "1" + "}" * 2000


@pytest.mark.parametrize(
    "body",
    [DEEP, DEEP_OBJECT, "[" * 100_000 + "]" * 100_000],
    ids=["arrays-2000", "objects-2000", "arrays-100000"],
)
@pytest.mark.parametrize("path", ["/v1/trends", "/v1/cases", "/v1/plans", "/v1/checks", "/v1/plans:batch"])
def test_deep_nesting_is_422(client, path, body):
    assert "嵌套太深" in assert_problem(client.post(path, content=body.encode(), headers=JSON))["detail"]


@pytest.mark.parametrize(
    ("path", "body", "field"),
    [
        ("/v1/trends", '[{"title": "\\ud800 abc", "platform": "微博", "date": "2026-11-20"}]', "0.title"),
        ("/v1/trends", '{"items": [{"title": "x\\udfff"}], "date": "2026-11-20"}', "items.0.title"),
        ("/v1/plans", '{"product": "\\ud800"}', "product"),
        ("/v1/checks", '{"text": "\\udc00", "product": "保温杯"}', "text"),
        ("/v1/cases", '{"markdown": "---\\nid: \\ud800\\n---\\nx"}', "markdown"),
    ],
)
def test_lone_surrogates_are_422_naming_the_field(client, path, body, field):
    problem = assert_problem(client.post(path, content=body.encode(), headers=JSON))
    assert problem["field"] == field and "代理字符" in problem["detail"]
    assert "\\ud" in problem["detail"] or "代理字符" in problem["detail"]


@pytest.mark.parametrize(
    "body",
    [
        '[{"title": "热搜", "platform": "微博", "date": "2026-11-20", "heat": ' + "9" * 5001 + "}]",
        '[{"title": "热搜", "platform": "微博", "date": "2026-11-20", "heat": 1e999}]',
        '[{"title": "热搜", "platform": "微博", "date": "2026-11-20", "heat": NaN}]',
        '{"product": "保温杯", "n": ' + "3" * 5001 + "}",
        '{"product": "保温杯", "product": "牙膏"}',
    ],
    ids=["heat-5001-digits", "heat-1e999", "heat-NaN", "n-5001-digits", "duplicate-key"],
)
def test_giant_or_odd_numbers_and_duplicate_keys_are_422(client, body):
    path = "/v1/plans" if "product" in body else "/v1/trends"
    assert_problem(client.post(path, content=body.encode(), headers=JSON))


def test_giant_heat_in_csv_and_jsonl_is_a_row_error_not_a_crash(client, huati_env):
    csv_body = (
        "date,platform,title,heat\n2026-11-20,微博,好热搜,100\n2026-11-20,微博,坏热搜," + "9" * 5001 + "\n"
    )
    r = client.post("/v1/trends", content=csv_body.encode(), headers={"Content-Type": "text/csv"})
    assert r.status_code == 200 and r.json()["saved"] == 1 and "热度" in r.json()["errors"][0]
    jsonl = '{"title": "行一", "platform": "微博", "date": "2026-11-21"}\n{"title": "\\ud800", "heat": 1}\n'
    r = client.post("/v1/trends", content=jsonl.encode(), headers={"Content-Type": "application/jsonl"})
    assert r.status_code == 200 and r.json()["saved"] == 1 and "代理字符" in r.json()["errors"][0]
    stored = (huati_env.home / "trends" / "2026-11-20.jsonl").read_text(encoding="utf-8")
    assert "坏热搜" not in stored and "Infinity" not in stored


# --------------------------------------------------------------------------- the 5,000-item cap, every format


def _rows(n: int) -> list[dict]:
    return [{"title": f"热点{i}", "platform": "微博", "date": "2026-11-20"} for i in range(n)]


def _csv(n: int) -> str:
    return "date,platform,title\n" + "".join(f"2026-11-20,微博,热点{i}\n" for i in range(n))


def _jsonl(n: int) -> str:
    return "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in _rows(n))


@pytest.mark.parametrize(
    ("make", "headers"),
    [
        (lambda n: json.dumps(_rows(n)), JSON),
        (lambda n: json.dumps({"items": _rows(n)}), JSON),
        (lambda n: json.dumps({"data": _rows(n), "title": "微博"}), JSON),
        (lambda n: json.dumps({"text": _csv(n), "format": "csv"}), JSON),
        (lambda n: json.dumps({"text": _jsonl(n), "format": "jsonl"}), JSON),
        (_csv, {"Content-Type": "text/csv"}),
        (_jsonl, {"Content-Type": "application/jsonl"}),
        (_jsonl, {"Content-Type": "application/x-ndjson"}),
    ],
)
def test_one_item_cap_for_every_trend_format(client, make, headers):
    problem = assert_problem(client.post("/v1/trends", content=make(5001).encode(), headers=headers))
    assert "5000" in problem["detail"]


def test_five_thousand_rows_are_fine_and_parsed_off_the_event_loop(client, monkeypatch):
    import assistant.retrieval.trends as trends

    seen = []
    real = trends.parse_trend_text

    def spy(*args, **kwargs):
        try:
            asyncio.get_running_loop()
            seen.append("on the event loop")
        except RuntimeError:
            seen.append("worker thread")
        return real(*args, **kwargs)

    monkeypatch.setattr(trends, "parse_trend_text", spy)
    r = client.post("/v1/trends", content=_csv(5000).encode(), headers={"Content-Type": "text/csv"})
    assert r.status_code == 200 and r.json()["parsed"] == 5000
    assert seen and set(seen) == {"worker thread"}  # the push, then the file it was saved to


def test_case_parsing_runs_off_the_event_loop(client, monkeypatch):
    import assistant.knowledge as knowledge

    seen = []
    real = knowledge.parse_case

    def spy(*args, **kwargs):
        try:
            asyncio.get_running_loop()
            seen.append("loop")
        except RuntimeError:
            seen.append("thread")
        return real(*args, **kwargs)

    monkeypatch.setattr(knowledge, "parse_case", spy)
    assert client.post("/v1/cases", content=case("off-loop").encode(), headers=MARKDOWN).status_code == 201
    assert seen and set(seen) == {"thread"}  # the push, then indexing the saved file


# --------------------------------------------------------------------------- the CLI import


def test_trends_import_cli_reports_hostile_rows_in_chinese(huati_env, tmp_path):
    from typer.testing import CliRunner

    from assistant.cli.main import app

    path = tmp_path / "weibo-2026-11-20.jsonl"
    path.write_text(
        '{"title": "好的一条"}\n{"title": "\\ud800 坏"}\n{"title": "x", "heat": ' + "1" * 5001 + "}\n",
        encoding="utf-8",
    )
    result = CliRunner().invoke(app, ["trends", "import", str(path)])
    assert result.exit_code == 1 and "内部错误" not in result.output and "Traceback" not in result.output
    assert "代理字符" in result.output and "整数太长" in result.output and "导入 1 条" in result.output
    bad = tmp_path / "dailyhot.json"
    bad.write_text('{"data": [{"title": "\\ud800"}], "title": "微博"}', encoding="utf-8")
    result = CliRunner().invoke(app, ["trends", "import", str(bad), "--date", "2026-11-20"])
    assert result.exit_code != 0 and "内部错误" not in result.output and "代理字符" in result.output
