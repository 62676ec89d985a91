from __future__ import annotations

import json

import pytest
from servers import Recorder

BODY = {"product": "亮白牙膏", "date": "2026-11-24", "n": 2}
pytestmark = pytest.mark.usefixtures("allow_loopback")  # the receivers below listen on 127.0.0.1


@pytest.fixture
def postiz():
    def respond(path, headers, body):
        if headers.get("authorization") != "pz-key":
            return 401, {"message": "Unauthorized"}
        return 201, [{"postId": "post-1", "integration": json.loads(body)["posts"][0]["integration"]["id"]}]

    server = Recorder(respond)
    yield server
    server.close()


@pytest.fixture
def wecom():
    def respond(path, headers, body):  # the documented shapes: text or markdown, each with its content
        data = json.loads(body)
        kind = data.get("msgtype")
        if kind not in ("text", "markdown") or not isinstance((data.get(kind) or {}).get("content"), str):
            return 200, {"errcode": 40008, "errmsg": "invalid message type"}
        if kind == "markdown" and set(data["markdown"]) != {"content"}:
            return 200, {"errcode": 40058, "errmsg": "invalid markdown field"}
        if "key=good" not in path:
            return 200, {"errcode": 93000, "errmsg": "invalid webhook url"}
        return 200, {"errcode": 0, "errmsg": "ok"}

    server = Recorder(respond)
    yield server
    server.close()


def test_postiz_draft_and_wecom_text(client, postiz, wecom):
    delivery = {
        "postiz": {
            "api_key": "pz-key",
            "integration_id": "wx-group-1",
            "base_url": postiz.url,
            "time": "20:30",
            "topic": 2,
            "provider": "telegram",
        },
        "wecom": {"webhook_url": f"{wecom.url}/cgi-bin/webhook/send?key=good", "mentioned_list": ["@all"]},
    }
    r = client.post("/v1/plans", json={**BODY, "delivery": delivery})
    assert r.status_code == 201, r.text
    plan = r.json()
    assert [d["ok"] for d in plan["delivery"]] == [True, True]
    sent = postiz.requests[0]
    assert sent["path"] == "/public/v1/posts" and sent["headers"]["authorization"] == "pz-key"
    body = json.loads(sent["body"])
    assert body["type"] == "draft" and body["shortLink"] is False and body["tags"] == []
    assert body["date"] == "2026-11-24T12:30:00.000Z"  # 20:30 in China
    post = body["posts"][0]
    assert post["integration"] == {"id": "wx-group-1"} and post["settings"] == {"__type": "telegram"}
    assert post["value"][0]["content"] == plan["topics"][1]["text"]
    robot = json.loads(wecom.requests[0]["body"])
    assert robot == {
        "msgtype": "text",
        "text": {"content": plan["topics"][0]["text"], "mentioned_list": ["@all"]},
    }


def test_delivery_failure_is_reported_and_plan_kept(client, postiz, wecom):
    delivery = {
        "postiz": {"api_key": "wrong", "integration_id": "x", "base_url": postiz.url, "provider": "x"},
        "wecom": {"webhook_url": f"{wecom.url}/cgi-bin/webhook/send?key=bad"},
    }
    r = client.post("/v1/plans", json={**BODY, "delivery": delivery})
    assert r.status_code == 201
    postiz_result, wecom_result = r.json()["delivery"]
    assert postiz_result["ok"] is False and "401" in postiz_result["error"]
    assert wecom_result["ok"] is False and "93000" in wecom_result["error"]
    assert (
        wecom_result["reason"] == "invalid webhook url"
    )  # the robot's own words, kept apart from the detail
    assert client.get(f"/v1/plans/{r.json()['id']}").status_code == 200


def test_unreachable_target_is_reported(client):
    from servers import free_port

    delivery = {"wecom": {"webhook_url": f"http://127.0.0.1:{free_port()}/send?key=x"}}
    r = client.post("/v1/plans", json={**BODY, "delivery": delivery})
    result = r.json()["delivery"][0]
    assert r.status_code == 201 and result["ok"] is False
    assert result["error"].startswith("发送失败：无法连接") and result["error"].isascii() is False
    assert "ConnectError" not in result["error"] and "ConnectError" in result["reason"]


@pytest.mark.parametrize(
    ("delivery", "field"),
    [
        ({"wecom": {}}, "delivery.wecom"),
        ({}, "delivery"),
        ({"wecom": {"key": "k", "topic": 9}}, "delivery.wecom.topic"),  # n=2: there is no topic 9
        (
            {"postiz": {"api_key": "k", "integration_id": "i", "topic": 3, "provider": "x"}},
            "delivery.postiz.topic",
        ),
        ({"postiz": {"api_key": "k", "integration_id": "i"}}, "delivery.postiz"),  # no __type for Postiz
        (
            {"postiz": {"api_key": "k", "integration_id": "i", "provider": "x", "time": "25:00"}},
            "delivery.postiz.time",
        ),
        ({"wecom": {"key": "k", "msgtype": "markdown", "mentioned_list": ["@all"]}}, "delivery.wecom"),
        ({"wecom": {"key": "k", "mention": ["@all"]}}, "delivery.wecom.mention"),
    ],
)
def test_bad_delivery_is_422_naming_the_field(client, store, delivery, field):
    r = client.post("/v1/plans", json={**BODY, "delivery": delivery})
    assert r.status_code == 422, r.text
    assert r.json()["field"] == field
    assert store.list_plans()[1] == 0  # refused before drafting


def test_wecom_markdown_and_results_are_stored(client, wecom):
    delivery = {
        "wecom": {
            "webhook_url": f"{wecom.url}/send?key=good",
            "msgtype": "markdown",
            "topic": 2,
            "mentioned_list": ["zhangsan"],
        }
    }
    headers = {"Idempotency-Key": "md-1"}
    r = client.post("/v1/plans", json={**BODY, "delivery": delivery}, headers=headers)
    assert r.status_code == 201 and r.json()["delivery"][0]["ok"] is True
    plan = r.json()
    robot = json.loads(wecom.requests[0]["body"])
    assert robot == {
        "msgtype": "markdown",
        "markdown": {"content": plan["topics"][1]["text"] + "\n<@zhangsan>"},
    }
    stored = client.get(f"/v1/plans/{plan['id']}").json()["delivery"]
    assert stored == plan["delivery"] and stored[0]["topic"] == 2
    replay = client.post("/v1/plans", json={**BODY, "delivery": delivery}, headers=headers)
    assert replay.status_code == 200 and replay.json()["delivery"] == plan["delivery"]
    assert len(wecom.requests) == 1  # a replay shows what was sent; it does not send again
    listed = client.get("/v1/plans").json()["items"]
    assert [p["delivery"] for p in listed if p["id"] == plan["id"]] == [plan["delivery"]]
    assert client.post("/v1/plans", json=BODY).json()["delivery"] is None
