"""Hostile request shapes: loose types, oversized lists, wrong methods; and /openapi.json states what is enforced."""

from __future__ import annotations

import pytest

BODY = {"product": "亮白牙膏", "date": "2026-11-24", "n": 2}


@pytest.mark.parametrize("n", ["3", True, False, 3.0, 3.5, "true", None, [3], {"n": 3}])
def test_n_must_be_a_json_integer(client, drafting, n):
    r = client.post("/v1/plans", json={"product": "保温杯", "n": n})
    assert r.status_code == 422 and r.json()["field"] == "n", r.text
    assert drafting.calls == 0


@pytest.mark.parametrize("path", ["/v1/plans", "/v1/plans:batch"])
def test_delivery_topic_must_be_a_json_integer(client, path):
    target = {"wecom": {"key": "k", "topic": "1"}}
    body = {**BODY, "delivery": target}
    r = client.post(path, json=body if path == "/v1/plans" else {"items": [body]})
    assert r.status_code == 422 and r.json()["field"].endswith("delivery.wecom.topic"), r.text


@pytest.mark.parametrize(
    ("extra", "field"),
    [
        ({"trend": ["热点"] * 21}, "trend"),
        ({"trend": ["长" * 101]}, "trend.0"),
        ({"points": ["卖点"] * 21}, "points"),
        ({"audience": "群" * 51}, "audience"),
        ({"category": "类" * 51}, "category"),
        ({"date": "2100-01-01"}, "date"),
        ({"date": "2026-13-01"}, "date"),
    ],
)
def test_declared_bounds_are_enforced(client, extra, field):
    r = client.post("/v1/plans", json={**BODY, **extra})
    assert r.status_code == 422 and r.json()["field"] == field, r.text


def test_what_is_enforced_is_in_openapi(client):
    spec = client.get("/openapi.json").json()
    schemas = spec["components"]["schemas"]
    plan = schemas["PlanCreate"]["properties"]
    assert plan["n"]["type"] == "integer" and (plan["n"]["minimum"], plan["n"]["maximum"]) == (1, 10)
    assert plan["trend"]["maxItems"] == 20 and plan["trend"]["items"]["maxLength"] == 100
    assert plan["points"]["maxItems"] == 20 and plan["points"]["items"]["maxLength"] == 100
    assert plan["audience"]["anyOf"][0]["maxLength"] == 50 and plan["category"]["anyOf"][0]["maxLength"] == 50
    day = plan["date"]["anyOf"][0]
    assert day["format"] == "date" and (day["x-minimum"], day["x-maximum"]) == ("1901-01-01", "2099-12-31")
    assert "HUATI_OUTBOUND_ALLOW" in plan["delivery"]["description"]
    assert "不能大于" in schemas["WecomTarget"]["properties"]["topic"]["description"]
    assert (
        "2048" in schemas["WecomTarget"]["description"] and "__type" in schemas["PostizTarget"]["description"]
    )
    assert "HUATI_WEBHOOK_SECRET" in schemas["BatchCreate"]["properties"]["callback_url"]["description"]
    assert schemas["TrendsPush"]["properties"]["items"]["anyOf"][0]["maxItems"] == 5000
    assert "锚点" in schemas["CaseCreate"]["properties"]["markdown"]["description"]
    assert "409" in spec["paths"]["/v1/cases"]["post"]["responses"]
    assert "5000" in spec["paths"]["/v1/trends"]["post"]["summary"]
    search = {p["name"]: p["schema"] for p in spec["paths"]["/v1/search"]["get"]["parameters"]}
    assert (search["k"]["minimum"], search["k"]["maximum"]) == (1, 50) and search["q"]["maxLength"] == 200


@pytest.mark.parametrize(
    ("method", "path", "allowed"),
    [
        ("PUT", "/v1/plans", "GET, POST"),
        ("DELETE", "/v1/plans", "GET, POST"),
        ("PATCH", "/v1/plans/abc", "GET"),
        ("GET", "/v1/plans:batch", "POST"),
        ("PUT", "/v1/checks", "POST"),
        ("DELETE", "/logout", "POST"),
        ("PUT", "/login", "GET, POST"),
    ],
)
def test_405_names_every_allowed_method(client, method, path, allowed):
    r = client.request(method, path)
    assert r.status_code == 405 and r.headers["allow"] == allowed
    assert r.headers["content-type"].startswith("application/problem+json")


def test_404_has_no_allow(client):
    r = client.put("/v2/nothing")
    assert r.status_code == 404 and "allow" not in r.headers
