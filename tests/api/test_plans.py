from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

BODY = {"product": "亮白牙膏", "date": "2026-11-24", "audience": "宝妈群", "n": 2}


def test_create_and_read_plan(client):
    r = client.post("/v1/plans", json=BODY)
    assert r.status_code == 201, r.text
    plan = r.json()
    assert plan["engine"] == "offline" and plan["model"] == "api-test-double"
    assert [t["text"] for t in plan["topics"]] == ["你用过亮白牙膏吗？（1）", "你用过亮白牙膏吗？（2）"]
    assert r.headers["location"] == f"/v1/plans/{plan['id']}"
    again = client.get(f"/v1/plans/{plan['id']}")
    assert again.status_code == 200 and again.json() == plan


def test_unknown_plan_is_problem_404(client):
    r = client.get("/v1/plans/nope")
    assert r.status_code == 404
    assert r.headers["content-type"].startswith("application/problem+json")
    assert "nope" in r.json()["detail"]


def test_idempotency_same_body_same_plan(client, drafting, store):
    headers = {"Idempotency-Key": "k-1"}
    first = client.post("/v1/plans", json=BODY, headers=headers)
    second = client.post("/v1/plans", json=BODY, headers=headers)
    assert first.status_code == 201 and second.status_code == 200
    assert second.headers["idempotent-replayed"] == "true"
    assert first.json()["id"] == second.json()["id"]
    assert drafting.calls == 1 and store.list_plans()[1] == 1


def test_idempotency_other_body_conflicts(client):
    headers = {"Idempotency-Key": "k-2"}
    assert client.post("/v1/plans", json=BODY, headers=headers).status_code == 201
    r = client.post("/v1/plans", json={**BODY, "n": 3}, headers=headers)
    assert r.status_code == 409
    assert "Idempotency-Key" in r.json()["detail"]


def test_idempotency_keys_are_per_api_key(client, huati_env):
    from assistant.service.keys import create_key

    other = create_key("other", huati_env)[1]
    a = client.post("/v1/plans", json=BODY, headers={"Idempotency-Key": "shared"})
    b = client.post(
        "/v1/plans", json=BODY, headers={"Idempotency-Key": "shared", "Authorization": f"Bearer {other}"}
    )
    assert a.status_code == b.status_code == 201 and a.json()["id"] != b.json()["id"]


def test_failed_request_releases_idempotency_key(client, drafting):
    drafting.fail_for.add("坏商品")
    headers = {"Idempotency-Key": "k-fail"}
    r = client.post("/v1/plans", json={**BODY, "product": "坏商品"}, headers=headers)
    assert r.status_code == 422 and r.json()["field"] == "product"
    drafting.fail_for.clear()
    assert client.post("/v1/plans", json={**BODY, "product": "坏商品"}, headers=headers).status_code == 201


def test_concurrent_identical_requests_make_exactly_one_plan(client, drafting, store):
    drafting.delay = 0.3  # the first request is still drafting while the others arrive
    barrier = threading.Barrier(12)

    def post(_):
        barrier.wait()
        return client.post("/v1/plans", json=BODY, headers={"Idempotency-Key": "race"})

    with ThreadPoolExecutor(12) as pool:
        responses = list(pool.map(post, range(12)))
    assert sorted(r.status_code for r in responses) == [200] * 11 + [201]
    assert len({r.json()["id"] for r in responses}) == 1
    assert drafting.calls == 1 and store.list_plans()[1] == 1


def test_list_filters_and_paginates(client):
    for day in ("2026-11-24", "2026-11-25", "2026-11-26"):
        assert client.post("/v1/plans", json={**BODY, "date": day}).status_code == 201
    assert client.post("/v1/plans", json={**BODY, "product": "保温杯"}).status_code == 201
    page = client.get("/v1/plans", params={"product": "亮白牙膏", "limit": 2}).json()
    assert page["total"] == 3 and page["limit"] == 2 and page["offset"] == 0 and len(page["items"]) == 2
    rest = client.get("/v1/plans", params={"product": "亮白牙膏", "limit": 2, "offset": 2}).json()
    assert len(rest["items"]) == 1
    assert {p["id"] for p in page["items"]}.isdisjoint({p["id"] for p in rest["items"]})
    day = client.get("/v1/plans", params={"date": "2026-11-25"}).json()
    assert day["total"] == 1 and day["items"][0]["date"] == "2026-11-25"
    one = client.get(f"/v1/plans/{day['items'][0]['id']}").json()
    # The list shows each topic with who wrote it, the same as reading the plan.
    assert [(t["engine"], t["model"]) for t in day["items"][0]["topics"]] == [
        (t["engine"], t["model"]) for t in one["topics"]
    ]
    assert all(t["engine"] == one["engine"] for t in one["topics"])
    bad = client.get("/v1/plans", params={"limit": 0})
    assert bad.status_code == 422 and bad.json()["field"] == "limit"
    huge = client.get("/v1/plans", params={"offset": 2**63})  # beyond SQLite's INTEGER: a 500 before
    assert huge.status_code == 422 and huge.json()["field"] == "offset"


def test_list_filters_take_id_name_or_alias(client):
    assert client.post("/v1/plans", json=BODY).status_code == 201  # 亮白牙膏 for 宝妈群
    assert client.post("/v1/plans", json={**BODY, "audience": "大学生群"}).status_code == 201
    assert client.post("/v1/plans", json={"product": "自制辣酱", "n": 1}).status_code == 201  # ad hoc
    for audience in ("宝妈群", "moms", "宝妈"):
        listed = client.get("/v1/plans", params={"audience": audience}).json()
        assert listed["total"] == 1 and listed["items"][0]["audience"]["name"] == "宝妈群", audience
    for product in ("亮白牙膏", "toothpaste", "美白牙膏"):
        assert client.get("/v1/plans", params={"product": product}).json()["total"] == 2, product
    assert client.get("/v1/plans", params={"product": "自制辣酱"}).json()["total"] == 1
    assert client.get("/v1/plans", params={"audience": "不存在的群"}).json()["total"] == 0


def test_edge_dates_are_422_naming_the_field(client):
    for day in ("0001-01-01", "9999-12-31", "2026-2-30", "1900-12-31"):
        r = client.post("/v1/plans", json={**BODY, "date": day})
        assert r.status_code == 422 and r.json()["field"] == "date", (day, r.text)
        listed = client.get("/v1/plans", params={"date": day})
        assert listed.status_code == 422 and listed.json()["field"] == "date"
        batch = client.post("/v1/plans:batch", json={"items": [BODY, {**BODY, "date": day}]})
        assert batch.status_code == 422 and batch.json()["field"] == "items.1.date"
    assert "2099-12-31" in client.get("/v1/plans", params={"date": "0001-01-01"}).json()["detail"]
    assert client.post("/v1/plans", json={**BODY, "date": "2099-12-31"}).status_code == 201


def test_feedback(client, store):
    plan = client.post("/v1/plans", json=BODY).json()
    r = client.post(f"/v1/plans/{plan['id']}/feedback", json={"topic": 2, "verdict": "accepted"})
    assert r.status_code == 201 and r.json()["topic_id"] == plan["topics"][1]["id"]
    by_id = client.post(
        f"/v1/plans/{plan['id']}/feedback",
        json={"topic": plan["topics"][0]["id"], "verdict": "edited", "text": "你家牙膏用多久换一次？"},
    )
    assert by_id.status_code == 201 and by_id.json()["topic_index"] == 1
    saved = store.feedback_for(plan["id"])
    assert [f["verdict"] for f in saved] == ["accepted", "edited"]
    assert saved[1]["edited_text"] == "你家牙膏用多久换一次？"
    missing_text = client.post(f"/v1/plans/{plan['id']}/feedback", json={"topic": 1, "verdict": "edited"})
    assert missing_text.status_code == 422 and missing_text.json()["field"] == "text"
    out_of_range = client.post(f"/v1/plans/{plan['id']}/feedback", json={"topic": 9, "verdict": "rejected"})
    assert out_of_range.status_code == 422
    assert client.post("/v1/plans/nope/feedback", json={"topic": 0, "verdict": "rejected"}).status_code == 404


def test_concurrent_plans_wait_together_not_in_line(app, secret, drafting, store):
    """50 requests whose drafting awaits a slow model are all in flight at once (none queues behind another)."""
    import asyncio

    import httpx

    drafting.delay = 0.5

    async def burst():
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(
            transport=transport, base_url="http://api", headers={"Authorization": f"Bearer {secret}"}
        ) as c:
            bodies = [{**BODY, "product": f"商品{i}"} for i in range(50)]
            return await asyncio.gather(*(c.post("/v1/plans", json=b) for b in bodies))

    responses = asyncio.run(burst())
    assert [r.status_code for r in responses] == [201] * 50
    assert drafting.peak == 50
    assert store.list_plans()[1] == 50
