from __future__ import annotations

from fastapi.testclient import TestClient


def test_validation_error_names_field_in_chinese(client):
    r = client.post("/v1/plans", json={"product": "", "n": 99})
    assert r.status_code == 422
    body = r.json()
    assert r.headers["content-type"].startswith("application/problem+json")
    assert body["title"] == "输入有误" and body["field"] in ("product", "n")
    fields = {e["field"] for e in body["errors"]}
    assert fields == {"product", "n"}
    assert "字段 product" in body["detail"] and "不能大于 10" in body["detail"]


def test_malformed_json_is_422_not_500(client):
    r = client.post("/v1/plans", content=b"{not json", headers={"Content-Type": "application/json"})
    assert r.status_code == 422 and r.json()["status"] == 422


def test_unknown_field_rejected(client):
    r = client.post("/v1/plans", json={"product": "保温杯", "prodcut": "x"})
    assert r.status_code == 422 and r.json()["field"] == "prodcut"


def test_body_over_limit_is_413(huati_env, drafting, secret):
    from api.main import create_app

    app = create_app(huati_env)
    big = "牙" * (huati_env.api_max_body_bytes // 3 + 10)
    with TestClient(app) as c:
        r = c.post("/v1/plans", json={"product": big}, headers={"Authorization": f"Bearer {secret}"})
        assert r.status_code == 413 and "上限" in r.json()["detail"]

        def chunks():  # no Content-Length: counted while streaming
            for _ in range(huati_env.api_max_body_bytes // 1000 + 5):
                yield b"x" * 1000

        r = c.post(
            "/v1/trends",
            content=chunks(),
            headers={"Authorization": f"Bearer {secret}", "Content-Type": "text/csv"},
        )
        assert r.status_code == 413


def test_unexpected_error_has_no_traceback(huati_env, drafting, secret, monkeypatch):
    from api.main import create_app

    async def boom(*args, **kwargs):
        raise RuntimeError("secret internals /path/to/file.py line 42")

    monkeypatch.setattr(drafting, "adraft_plan", boom)
    import sys

    monkeypatch.setattr(sys.modules["assistant.drafting"], "adraft_plan", boom)
    app = create_app(huati_env)
    with TestClient(app, raise_server_exceptions=False) as c:
        r = c.post("/v1/plans", json={"product": "保温杯"}, headers={"Authorization": f"Bearer {secret}"})
    assert r.status_code == 500
    text = r.text
    assert "Traceback" not in text and "secret internals" not in text and "file.py" not in text
    assert r.json()["detail"].startswith("服务器内部错误")


def test_unknown_route_and_method(client):
    r = client.get("/v2/nothing")
    assert r.status_code == 404 and r.json()["detail"] == "没有这个地址"
    assert client.delete("/v1/plans").status_code == 405


def test_openapi_documents_bearer_and_routes(client):
    spec = client.get("/openapi.json").json()
    schemes = spec["components"]["securitySchemes"]
    assert any(s.get("scheme") == "bearer" for s in schemes.values())
    for path in (
        "/v1/plans",
        "/v1/plans/{plan_id}",
        "/v1/plans:batch",
        "/v1/jobs/{job_id}",
        "/v1/checks",
        "/v1/trends",
        "/v1/cases",
        "/v1/search",
        "/healthz",
        "/readyz",
    ):
        assert path in spec["paths"], path
    for name in (
        "PlanCreate",
        "PlanPublic",
        "PlanList",
        "FeedbackCreate",
        "BatchCreate",
        "JobPublic",
        "CheckCreate",
        "TrendsPush",
        "CaseCreate",
        "Problem",
    ):
        assert name in spec["components"]["schemas"], name
    for name in ("HTTPValidationError", "ValidationError"):  # FastAPI's default error shapes are not ours
        assert name not in spec["components"]["schemas"]
    problem = {"$ref": "#/components/schemas/Problem"}
    for path, item in spec["paths"].items():
        for method, operation in item.items():
            for code, response in operation["responses"].items():
                assert not response["description"].isascii(), (path, method, code, response["description"])
                if int(code) >= 400 and path != "/readyz":  # readyz's 503 is its status JSON
                    assert response["content"] == {"application/problem+json": {"schema": problem}}, (
                        path,
                        code,
                    )
    assert "404" in spec["paths"]["/v1/plans/{plan_id}"]["get"]["responses"]
    assert "409" in spec["paths"]["/v1/plans"]["post"]["responses"]


def test_docs_page_needs_no_external_network(client):
    import re

    page = client.get("/docs")
    assert page.status_code == 200 and "swagger" in page.text.lower()
    urls = re.findall(r"(?:src|href)=[\"']([^\"']+)", page.text)
    assert urls and not re.search(r"https?://", page.text)  # no CDN: every asset from this server
    for url in urls:
        asset = client.get(url)
        assert asset.status_code == 200 and len(asset.content) > 100, url
    assert client.get("/redoc").status_code == 200


def test_healthz_and_readyz(client):
    assert client.get("/healthz").json()["status"] == "ok"
    r = client.get("/readyz")  # empty home: the index is not built yet
    assert r.status_code == 503 and r.json()["checks"]["store"] == "ok"
    assert "huati ingest" in r.json()["checks"]["index"]


def test_llm_engine_without_model_is_503_naming_the_setting(huati_env, secret):
    from api.main import create_app

    with TestClient(create_app(huati_env)) as c:  # real drafting, no LLM configured
        r = c.post(
            "/v1/plans",
            json={"product": "保温杯", "engine": "llm"},
            headers={"Authorization": f"Bearer {secret}"},
        )
    assert r.status_code == 503 and r.json()["title"] == "配置错误"
    assert "HUATI_LLM" in r.json()["detail"] or "OPENAI" in r.json()["detail"]


TRUNCATED = '{"product":"亮白牙膏",'.encode()


def test_malformed_json_names_the_body_in_chinese(client):
    r = client.post("/v1/plans", content=TRUNCATED, headers={"Content-Type": "application/json"})
    body = r.json()
    assert r.status_code == 422 and body["field"] == "body"  # not the character offset ("18")
    assert body["detail"].startswith("字段 body：不是合法的 JSON") and "Expecting" not in body["detail"]
    assert "没写完" in body["detail"]
    r = client.post(
        "/v1/plans", content=b'{"product": "x"} trailing', headers={"Content-Type": "application/json"}
    )
    assert "多余的内容" in r.json()["detail"] and "第 1 行第 18 列" in r.json()["detail"]
    assert r.json()["errors"][0]["reason"].startswith("Extra data")  # the technical reason, kept apart
    r = client.post(
        "/v1/plans", content=b'{"product": "\xff\xfe"}', headers={"Content-Type": "application/json"}
    )
    assert r.status_code == 422 and r.json()["field"] == "body" and "UTF-8" in r.json()["detail"]


def test_auth_comes_before_the_body(app, huati_env, monkeypatch):
    from assistant.service.keys import create_key, revoke_key

    good, revoked = create_key("good", huati_env)[1], create_key("revoked", huati_env)[1]
    revoke_key("revoked", huati_env)
    headers = {"Content-Type": "application/json"}
    with TestClient(app) as c:
        assert c.post("/v1/plans", content=TRUNCATED, headers=headers).status_code == 401
        r = c.post("/v1/plans", content=TRUNCATED, headers={**headers, "Authorization": f"Bearer {revoked}"})
        assert r.status_code == 403
        assert c.post("/v1/checks", content=b"\xff", headers=headers).status_code == 401
        assert c.post("/v1/trends", content=b"{", headers=headers).status_code == 401
        assert c.post("/v1/plans:batch", content=b"[", headers=headers).status_code == 401
        assert c.post("/v1/chat/sessions/any/messages", content=b"{", headers=headers).status_code == 401
        r = c.post(
            "/v1/chat/sessions", content=b"{", headers={**headers, "Authorization": f"Bearer {revoked}"}
        )
        assert r.status_code == 403
        monkeypatch.setattr(app.state.settings, "api_rate_limit", 2)
        auth = {**headers, "Authorization": f"Bearer {good}"}
        codes = [c.post("/v1/plans", content=TRUNCATED, headers=auth).status_code for _ in range(3)]
    assert codes == [422, 422, 429]  # malformed requests count against the key's rate limit too


def test_no_english_in_details(client):
    plan = client.post("/v1/plans", json={"product": "保温杯", "n": 1}).json()
    fb = client.post(f"/v1/plans/{plan['id']}/feedback", json={"topic": 1, "verdict": "maybe"}).json()
    assert fb["field"] == "verdict" and "只能是 accepted、rejected、edited、posted 之一" in fb["detail"]
    assert " or " not in fb["detail"]
    as_float = client.post(
        f"/v1/plans/{plan['id']}/feedback", json={"topic": 1.5, "verdict": "accepted"}
    ).json()
    assert as_float["field"] == "topic" and len(as_float["errors"]) == 1
    for content in (b"{", b'[{"title": "x"}] extra', b""):
        r = client.post("/v1/trends", content=content, headers={"Content-Type": "application/json"})
        detail = r.json()["detail"]
        assert r.status_code == 422 and "Expecting" not in detail and "Extra data" not in detail, detail
    r = client.post("/v1/cases", content=b"{", headers={"Content-Type": "application/json"})
    assert r.status_code == 422 and r.json()["detail"].startswith("字段 body：不是合法的 JSON")


def test_readyz_details_are_chinese(huati_env, monkeypatch):
    from api.main import create_app
    from assistant.settings import Settings

    monkeypatch.setenv("HUATI_CHROMA_HOST", "127.0.0.1")
    monkeypatch.setenv("HUATI_CHROMA_PORT", "9")  # nothing listens there
    settings = Settings()
    settings.ensure_home()
    (settings.home / "index").mkdir(parents=True, exist_ok=True)
    (settings.home / "index" / "manifest.json").write_text('{"collection": "huati", "parts": {}}')
    with TestClient(create_app(settings)) as c:
        r = c.get("/readyz")
    body = r.json()
    assert r.status_code == 503 and body["checks"]["store"] == "ok"
    assert "Chroma" in body["checks"]["index"] and "Error" not in body["checks"]["index"]
    assert body["reasons"]["index"]  # the exception type, apart from the Chinese message
