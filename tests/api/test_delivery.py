from __future__ import annotations

import json

import pytest
from servers import Recorder

BODY = {"product": "亮白牙膏", "date": "2026-11-24", "n": 2}


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
    def respond(path, headers, body):
        data = json.loads(body)
        if data.get("msgtype") != "text" or not data.get("text", {}).get("content"):
            return 200, {"errcode": 40008, "errmsg": "invalid message type"}
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
    assert post["integration"] == {"id": "wx-group-1"}
    assert post["value"][0]["content"] == plan["topics"][1]["text"]
    robot = json.loads(wecom.requests[0]["body"])
    assert robot == {
        "msgtype": "text",
        "text": {"content": plan["topics"][0]["text"], "mentioned_list": ["@all"]},
    }


def test_delivery_failure_is_reported_and_plan_kept(client, postiz, wecom):
    delivery = {
        "postiz": {"api_key": "wrong", "integration_id": "x", "base_url": postiz.url},
        "wecom": {"webhook_url": f"{wecom.url}/cgi-bin/webhook/send?key=bad"},
    }
    r = client.post("/v1/plans", json={**BODY, "delivery": delivery})
    assert r.status_code == 201
    postiz_result, wecom_result = r.json()["delivery"]
    assert postiz_result["ok"] is False and "401" in postiz_result["error"]
    assert wecom_result["ok"] is False and "93000" in wecom_result["error"]
    assert client.get(f"/v1/plans/{r.json()['id']}").status_code == 200


def test_unreachable_target_is_reported(client):
    from servers import free_port

    delivery = {"wecom": {"webhook_url": f"http://127.0.0.1:{free_port()}/send?key=x"}}
    r = client.post("/v1/plans", json={**BODY, "delivery": delivery})
    assert r.status_code == 201 and r.json()["delivery"][0]["ok"] is False
    assert "发送失败" in r.json()["delivery"][0]["error"]


def test_wecom_needs_url_or_key(client):
    r = client.post("/v1/plans", json={**BODY, "delivery": {"wecom": {}}})
    assert r.json()["delivery"][0] == {
        "target": "wecom",
        "ok": False,
        "error": "企业微信需要 webhook_url 或 key",
    }
