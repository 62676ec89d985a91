"""Chat API: sessions, JSON replies, SSE framing (the stream is parsed), errors as problem+json."""

from __future__ import annotations

import json

import pytest
from chat_apps import browser_client, make_app
from fastapi.testclient import TestClient


def parse_sse(raw: str) -> list[tuple[str, dict]]:
    """Split a text/event-stream body into (event, data) frames, strictly."""
    assert raw.endswith("\n\n"), "stream must end with a blank line"
    frames = []
    for block in raw.split("\n\n")[:-1]:
        event, data = "message", []
        for line in block.split("\n"):
            field, sep, value = line.partition(":")
            assert sep, f"malformed SSE line: {line!r}"
            value = value[1:] if value.startswith(" ") else value
            if field == "event":
                event = value
            elif field == "data":
                data.append(value)
            else:
                assert field in ("id", "retry", ""), f"unexpected field {field!r}"
        frames.append((event, json.loads("\n".join(data))))
    return frames


@pytest.fixture
def client(chat_env):
    with TestClient(make_app()) as c:
        yield browser_client(c)


def test_session_create_message_json_and_read_back(client):
    r = client.post("/v1/chat/sessions", json={})
    assert r.status_code == 201, r.text
    sid = r.json()["id"]
    r = client.post(
        f"/v1/chat/sessions/{sid}/messages", json={"message": "明天卖空气炸锅，宝妈群，给我两个话题"}
    )
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["engine"] == "offline" and body["model"] == "huati-offline-patterns"
    assert body["tools"] == ["draft"] and body["plan_id"]
    assert "空气炸锅" in body["reply"] and body["reply"].endswith("（规则路由，未调用大模型）")
    session = client.get(f"/v1/chat/sessions/{sid}").json()
    assert session["plan_id"] == body["plan_id"]
    assert [m["role"] for m in session["messages"]] == ["user", "assistant"]


def test_sse_stream_frames(client):
    sid = client.post("/v1/chat/sessions", json={"title": "测试"}).json()["id"]
    with client.stream(
        "POST",
        f"/v1/chat/sessions/{sid}/messages",
        json={"message": "明天卖空气炸锅，给我三个话题"},
        headers={"Accept": "text/event-stream"},
    ) as r:
        assert r.status_code == 200
        assert r.headers["content-type"].startswith("text/event-stream")
        raw = "".join(r.iter_text())
    frames = parse_sse(raw)
    events = [e for e, _ in frames]
    assert events[-1] == "done" and set(events[:-1]) == {"token"} and len(events) > 3
    streamed = "".join(d["text"] for e, d in frames if e == "token")
    done = frames[-1][1]
    assert streamed == done["reply"] == done["message"]["content"]
    assert "\n" in streamed  # multi-line text survives the framing
    assert done["tools"] == ["draft"]
    stored = client.get(f"/v1/chat/sessions/{sid}").json()["messages"][-1]["content"]
    assert stored == streamed


def test_errors_are_problem_json_before_streaming(client):
    r = client.post(
        "/v1/chat/sessions/nope/messages", json={"message": "你好"}, headers={"Accept": "text/event-stream"}
    )
    assert r.status_code == 404
    assert r.headers["content-type"].startswith("application/problem+json")
    assert "找不到对话" in r.json()["detail"]
    assert client.get("/v1/chat/sessions/nope").status_code == 404
    sid = client.post("/v1/chat/sessions", json={}).json()["id"]
    for bad in ({"message": ""}, {"message": "   "}, {}, {"message": "字" * 2001}):
        r = client.post(f"/v1/chat/sessions/{sid}/messages", json=bad)
        assert r.status_code == 422, (bad, r.text)
    assert client.get(f"/v1/chat/sessions/{sid}").json()["messages"] == []


def test_stream_error_event(client, monkeypatch):
    from assistant import chat
    from assistant.errors import ProviderError

    async def boom(*args, **kwargs):
        yield "半句"
        raise ProviderError("模型服务超时")

    monkeypatch.setattr(chat, "astream", boom)
    sid = client.post("/v1/chat/sessions", json={}).json()["id"]
    r = client.post(
        f"/v1/chat/sessions/{sid}/messages", json={"message": "你好"}, headers={"Accept": "text/event-stream"}
    )
    frames = parse_sse(r.text)
    assert frames[0] == ("token", {"text": "半句"})
    assert (
        frames[-1][0] == "error"
        and frames[-1][1]["detail"] == "模型服务超时"
        and frames[-1][1]["status"] == 502
    )


def test_writes_need_auth(chat_env):
    with TestClient(make_app()) as anonymous:
        assert anonymous.post("/v1/chat/sessions", json={}).status_code == 401
        assert anonymous.post("/v1/chat/sessions/x/messages", json={"message": "你好"}).status_code == 401


def test_page_renders_catalogue_and_static_files(client):
    r = client.get("/")
    assert r.status_code == 200 and "text/html" in r.headers["content-type"]
    html = r.text
    assert '<option value="空气炸锅">' in html and '<option value="宝妈群">' in html
    assert 'id="plan-form"' in html and 'id="chat-form"' in html
    assert client.get("/static/huati.js").headers["content-type"].startswith("text/javascript")
    assert client.get("/static/huati.css").status_code == 200
    assert client.get("/static/../routes/web.py").status_code == 404
    assert client.get("/static/nope.js").status_code == 404


def test_page_escapes_untrusted_plan_text(client):
    r = client.post("/v1/plans", json={"product": "<img src=x onerror=alert(1)>牙膏", "n": 1})
    assert r.status_code in (200, 201), r.text
    html = client.get("/").text
    assert "<img src=x" not in html
    assert "&lt;img src=x onerror=alert(1)&gt;牙膏" in html  # shown in the history list, as text


def test_reply_is_stored_when_the_client_disconnects_mid_stream(chat_env):
    import asyncio
    from concurrent.futures import ThreadPoolExecutor

    from api.routes import chat as routes
    from assistant import chat
    from assistant.chat import sessions

    sid = chat.new_session().id

    async def disconnect_after_first_frame() -> str:
        stream = routes._events(sid, "明天卖空气炸锅，给我三个话题")
        first = await stream.__anext__()
        await stream.aclose()  # what Starlette does when the browser goes away
        await asyncio.gather(*routes._RUNNING)
        return first

    with ThreadPoolExecutor(max_workers=1) as pool:  # a fresh event loop, whatever the caller runs
        first = pool.submit(asyncio.run, disconnect_after_first_frame()).result()
    assert first.startswith("event: token\n")
    messages = sessions.get_session(sid).messages
    assert [m.role for m in messages] == ["user", "assistant"]
    assert "空气炸锅" in messages[1].content and sessions.get_session(sid).plan_id


def test_undecodable_text_is_a_422_not_a_500(client):
    sid = client.post("/v1/chat/sessions", json={}).json()["id"]
    body = b'{"message": "\\udcff\\udcfe"}'  # lone surrogates: what undecodable bytes become
    r = client.post(
        f"/v1/chat/sessions/{sid}/messages", content=body, headers={"Content-Type": "application/json"}
    )
    assert r.status_code == 422 and r.headers["content-type"].startswith("application/problem+json")
    assert "message" in r.json()["detail"]
    assert client.get(f"/v1/chat/sessions/{sid}").json()["messages"] == []
