"""Client-server Chroma: /readyz and /v1/search against a `chroma run` on 127.0.0.1 started here."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

pytestmark = pytest.mark.slow

CASE = """---
id: chroma-case
title: 冬至那天问群友吃饺子还是汤圆
kind: case
source: 运营笔记
---
冬至当天抛出“你家冬至吃饺子还是汤圆”，南北方群友争了一晚上，顺势放出速冻水饺链接。
"""


def test_readyz_and_search_with_chroma_server(chroma_server, huati_env, tmp_path, monkeypatch):
    from api.main import create_app
    from assistant.retrieval.index import forget_clients
    from assistant.retrieval.ingest import ingest
    from assistant.service.keys import create_key
    from assistant.settings import Settings

    port, proc = chroma_server
    kb = tmp_path / "kb" / "cases"
    kb.mkdir(parents=True)
    (kb / "winter.md").write_text(CASE, encoding="utf-8")
    monkeypatch.setenv("HUATI_CHROMA_HOST", "127.0.0.1")
    monkeypatch.setenv("HUATI_CHROMA_PORT", str(port))
    forget_clients()
    settings = Settings()
    assert ingest(paths=[kb], settings=settings, progress=False).added == 1
    assert not (settings.home / "index" / "chroma").exists()  # vectors live in the server
    secret = create_key("chroma", settings)[1]
    with TestClient(create_app(settings)) as c:
        ready = c.get("/readyz")
        assert ready.status_code == 200, ready.json()
        hits = c.get(
            "/v1/search",
            params={"q": "冬至 饺子 汤圆", "kind": "cases"},
            headers={"Authorization": f"Bearer {secret}"},
        ).json()
        assert hits and hits[0]["metadata"]["case_id"] == "chroma-case"
        proc.terminate()
        proc.wait(timeout=10)
        forget_clients()
        down = c.get("/readyz")
        assert down.status_code == 503 and down.json()["checks"]["store"] == "ok"
        assert down.json()["checks"]["index"] != "ok"
    forget_clients()
