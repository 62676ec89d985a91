"""Untrusted YAML front matter and JSON bodies: refused cleanly, quickly, with Chinese messages."""

from __future__ import annotations

import asyncio
import json
import time

import anyio.to_thread
import pytest
import yaml
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from fastapi.testclient import TestClient
from pydantic import BaseModel, ConfigDict

from api.routing import AuthFirstRoute, read_json_body
from assistant.knowledge.safe_yaml import load_yaml, parse_front_matter
from assistant.knowledge.untrusted import (
    DEFAULT_LIMITS,
    Limits,
    UntrustedInputError,
    parse_json,
    parse_json_body,
    parse_json_lines,
)

# ~350 bytes; expanding it fully would make 9^9 (387 million) strings.
BOMB = 'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n' + "".join(
    f"{chr(98 + i)}: &{chr(98 + i)} [" + ",".join(["*" + chr(97 + i)] * 9) + "]\n" for i in range(8)
)

CASE = """---
id: 冬至团购复盘
title: 冬至饺子团购
kind: case
source: 群运营笔记
audience: [宝妈群, 银发群]
---
正文第一行
"""


# --------------------------------------------------------------------------- YAML


def test_alias_bomb_is_refused_in_microseconds() -> None:
    assert len(BOMB) < 400
    load_yaml("warm: up")
    best = float("inf")
    for _ in range(20):
        started = time.perf_counter()
        with pytest.raises(UntrustedInputError) as info:
            load_yaml(BOMB)
        best = min(best, time.perf_counter() - started)
    assert "锚点" in info.value.message and info.value.line == 1
    assert best < 0.002, f"{best * 1e6:.0f} µs"  # measured ≈ 100 µs here


def test_alias_bomb_is_refused_inside_front_matter() -> None:
    text = "---\nid: x\n" + BOMB + "---\nbody\n"
    with pytest.raises(UntrustedInputError) as info:
        parse_front_matter(text)
    assert info.value.line == 3  # the anchor's line in the file


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("a: *nothing", "别名"),
        ("a: &x 1\nb: 2", "锚点"),
        ("base: &b {x: 1}\nother:\n  <<: *b", "锚点"),
        ("a: !!python/object/apply:os.system ['id']", "标签"),
        ("a: !!binary aGk=", "标签"),
        ("a: !!set {x, y}", "标签"),
        ("a: !custom 1", "标签"),
        ("id: 1\nid: 2", "不止一次"),
        ("a: " + "[" * 9 + "]" * 9, "嵌套太深"),
        ("n: " + "1" * 5001, "数字太长"),
        ("n: 0x" + "f" * 100, "数字太长"),
        ("x: 1.5e+" + "9" * 100, "数字太长"),
        ("a: [1, 2", "格式错误"),
    ],
)
def test_yaml_refusals(text: str, words: str) -> None:
    with pytest.raises(UntrustedInputError) as info:
        load_yaml(text)
    assert words in info.value.message


def test_core_tags_and_plain_values_still_work() -> None:
    data = load_yaml("a: !!str 123\nb: 2026-12-22\nc: [1, 2.5, true, null]\nd: {x: 'y'}\n")
    assert data["a"] == "123" and str(data["b"]) == "2026-12-22" and data["c"] == [1, 2.5, True, None]


def test_yaml_size_and_node_limits() -> None:
    with pytest.raises(UntrustedInputError, match="太大"):
        load_yaml("a: " + "x" * 70_000)
    with pytest.raises(UntrustedInputError, match="内容太多"):
        load_yaml("[" + ",".join(["1"] * 6000) + "]")


def test_front_matter_ok_and_errors() -> None:
    doc = parse_front_matter(CASE)
    assert doc.meta["id"] == "冬至团购复盘" and doc.meta["audience"] == ["宝妈群", "银发群"]
    assert doc.body == "正文第一行\n" and doc.body_line == 8
    with pytest.raises(UntrustedInputError, match="第一行应是 ---"):
        parse_front_matter("id: x\n")
    with pytest.raises(UntrustedInputError, match="第二个 ---"):
        parse_front_matter("---\nid: x\n")
    with pytest.raises(UntrustedInputError, match="键值对"):
        parse_front_matter("---\n- a\n---\nbody\n")
    with pytest.raises(UntrustedInputError, match="太大"):
        parse_front_matter("---\nid: x\n---\n" + "正文" * 400_000)


def test_plain_safe_load_would_accept_the_bomb() -> None:
    """Why refusing matters: PyYAML builds the bomb cheaply with shared references, and the cost lands on
    whoever walks it later (pydantic, json.dumps, the index)."""
    data = yaml.safe_load(BOMB)
    assert data["i"][0] is data["h"]  # shared references, not copies: 9 ** 9 strings reachable


# --------------------------------------------------------------------------- JSON


@pytest.mark.parametrize(
    ("body", "words"),
    [
        ("[" + "1" * 5001 + "]", "整数太长：5001 位"),
        ('{"n": -' + "9" * 30 + "}", "整数太长"),
        ("[1e999]", "超出范围"),
        ("[NaN]", "不允许 NaN"),
        ("[-Infinity]", "不允许 -Infinity"),
        ('{"a": 1, "a": 2}', "不止一次"),
        ('{"items": [{"title": "\\ud800"}]}', "items[0].title 含有不成对的代理字符"),
        ('{"\\udc00key": 1}', "代理字符"),
        ("[" * 33 + "]" * 33, "嵌套太深"),
        ("[" * 100_000 + "]" * 100_000, "嵌套太深"),
        ('{"a": [1, 2', "不是合法的 JSON"),
        ("", "不是合法的 JSON"),
    ],
)
def test_json_refusals(body: str, words: str) -> None:
    with pytest.raises(UntrustedInputError) as info:
        parse_json(body)
    assert words in info.value.message
    info.value.message.encode("utf-8")  # the message itself is always encodable


def test_json_within_limits() -> None:
    assert parse_json(b'\xef\xbb\xbf{"a": [1, 2.5, "\xe8\xaf\x9d\xe9\xa2\x98", null, true]}') == {
        "a": [1, 2.5, "话题", None, True]
    }
    assert parse_json("[" * 32 + "]" * 32) is not None
    assert parse_json('["\\ud83d\\ude00"]') == ["😀"]  # a proper surrogate pair is fine


def test_json_surrogates_can_be_replaced() -> None:
    limits = Limits(surrogates="replace")
    assert parse_json('{"a\\ud800": ["x\\udfff"]}', limits) == {"a\ufffd": ["x\ufffd"]}


def test_json_bytes_must_be_utf8_and_bounded() -> None:
    with pytest.raises(UntrustedInputError, match="不是 UTF-8"):
        parse_json(b'{"a": "\xff"}')
    with pytest.raises(UntrustedInputError, match="太大"):
        parse_json(b" " * (DEFAULT_LIMITS.max_bytes + 1))


def test_json_lines_report_each_line() -> None:
    rows = parse_json_lines('{"title": "a"}\n\n// comment\n{"title": ' + "1" * 5001 + "}\n[1]\n")
    assert rows[0] == (1, {"title": "a"})
    assert rows[1][0] == 4 and isinstance(rows[1][1], UntrustedInputError) and rows[1][1].line == 4
    assert rows[2] == (5, [1])


def test_python_itself_raises_a_bare_value_error() -> None:
    """What the service sees today without these checks (Python 3.11, default int_max_str_digits)."""
    with pytest.raises(ValueError, match="4300"):
        json.loads("[" + "1" * 5001 + "]")
    assert json.loads('["\\ud800"]') == ["\ud800"]
    with pytest.raises(UnicodeEncodeError):
        json.loads('["\\ud800"]')[0].encode("utf-8")


# --------------------------------------------------------------------------- FastAPI


class PlanIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    product: str
    n: int = 3


def make_app() -> FastAPI:
    app = FastAPI()
    app.router.route_class = AuthFirstRoute  # no key dependency here: only the JSON guard

    @app.exception_handler(UntrustedInputError)
    async def refused(request: Request, exc: UntrustedInputError) -> JSONResponse:
        return JSONResponse(
            {"status": 422, "detail": f"字段 body：{exc.message}", "field": "body", "reason": exc.reason},
            status_code=422,
            media_type="application/problem+json",
        )

    @app.post("/v1/plans")
    async def create(body: PlanIn) -> dict:
        return body.model_dump()

    @app.post("/v1/trends")
    async def raw(request: Request) -> dict:
        data = await read_json_body(request)  # a route that reads its body itself
        return {"items": len(data)}

    return app


@pytest.mark.parametrize(
    ("body", "words"),
    [
        ('{"product": "x", "n": ' + "1" * 5001 + "}", "整数太长"),
        ('{"product": "\\ud800"}', "product 含有不成对的代理字符"),
        ('{"product": "x", "product": "y"}', "不止一次"),
        ("[" * 5000 + "]" * 5000, "嵌套太深"),
    ],
)
def test_route_class_refuses_before_pydantic(body: str, words: str) -> None:
    client = TestClient(make_app())
    response = client.post("/v1/plans", content=body, headers={"content-type": "application/json"})
    assert response.status_code == 422 and words in response.json()["detail"]
    response = client.post("/v1/trends", content=body, headers={"content-type": "application/json"})
    assert response.status_code == 422 and words in response.json()["detail"]


def test_route_class_lets_good_bodies_through() -> None:
    client = TestClient(make_app())
    assert client.post("/v1/plans", json={"product": "牙膏", "n": 2}).json() == {"product": "牙膏", "n": 2}
    assert client.post("/v1/plans", json={"product": "x", "n": "x"}).status_code == 422  # pydantic's turn
    big = [{"title": f"热点 {i}", "heat": i} for i in range(5000)]  # > 64 KiB: parsed in a worker thread
    assert client.post("/v1/trends", json=big).json() == {"items": 5000}


def test_parse_json_body_refuses_an_empty_body() -> None:
    with pytest.raises(UntrustedInputError, match="为空"):
        parse_json_body(b"  ")


@pytest.mark.anyio
async def test_heavy_parsing_off_the_event_loop() -> None:
    """Parsed inline, a large document stops every other request for its whole duration; in a worker thread
    the loop keeps ticking (the GIL is handed over every few milliseconds while the Python-level walk runs)."""
    doc = json.dumps([{"t": "热点", "h": i, "tags": ["a", "b", {"x": [i]}]} for i in range(60_000)])

    async def measure(parse) -> tuple[int, float]:  # type: ignore[no-untyped-def]
        ticks = 0
        stop = asyncio.Event()

        async def ticker() -> None:
            nonlocal ticks
            while not stop.is_set():
                await asyncio.sleep(0.002)
                ticks += 1

        task = asyncio.create_task(ticker())
        await asyncio.sleep(0.01)
        before = ticks
        started = time.perf_counter()
        await parse()
        took = time.perf_counter() - started
        during = ticks - before  # read before this coroutine yields again
        stop.set()
        await task
        return during, took

    async def inline() -> None:
        parse_json(doc, Limits(max_bytes=10_000_000, max_nodes=10_000_000))

    async def threaded() -> None:
        await anyio.to_thread.run_sync(parse_json, doc, Limits(max_bytes=10_000_000, max_nodes=10_000_000))

    ticks_inline, took_inline = await measure(inline)
    ticks_thread, took_thread = await measure(threaded)
    assert took_inline > 0.05  # big enough to matter
    assert ticks_inline == 0  # nothing else ran while parsing on the loop
    assert ticks_thread >= 3, (ticks_thread, took_thread)
