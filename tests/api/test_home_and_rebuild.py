"""What the service keeps on disk: a rebuild keeps every source (API-pushed cases too), responses name files only
relatively, and the home directory and database files are the owner's alone."""

from __future__ import annotations

import stat

from typer.testing import CliRunner

CASE = """---
id: api-pushed-thermos
title: 保温杯里泡什么
kind: case
source: 群运营笔记
---
## 背景
冬天群里聊保温杯里泡的是枸杞还是咖啡，接话的人很多。
"""


def _mode(path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_rebuild_keeps_cases_and_trends_pushed_through_the_api(client, huati_env):
    from assistant.cli.main import app

    r = client.post("/v1/cases", content=CASE.encode(), headers={"Content-Type": "text/markdown"})
    assert r.status_code == 201, r.text
    trend = [{"title": "保温杯泡枸杞", "platform": "微博", "date": "2026-11-20"}]
    assert client.post("/v1/trends", json=trend).status_code == 200
    result = CliRunner().invoke(app, ["ingest", "--rebuild", "-q"])
    assert result.exit_code == 0, result.output

    def found(kind: str, query: str, want: str) -> list[dict]:
        params = {"q": query, "kind": kind, "k": 20, "date": "2026-11-20"}
        hits = client.get("/v1/search", params=params).json()
        return [h for h in hits if want in (h["metadata"].get("case_id", "") + h["title"])]

    cases = found("cases", "保温杯里泡什么", "api-pushed-thermos")
    trends = found("trends", "保温杯泡枸杞", "保温杯泡枸杞")
    assert cases and trends  # still in the index after the rebuild
    everything = {"q": "保温杯", "kind": "all", "k": 20, "date": "2026-11-20"}
    for hit in client.get("/v1/search", params=everything).json():
        assert not hit["source"].startswith("/"), hit["source"]  # no absolute server paths
    assert cases[0]["source"].startswith("cases/") and trends[0]["source"].startswith("trends/")


def test_home_and_database_are_owner_only(huati_env):
    from sqlalchemy import text

    from assistant.storage.db import get_engine

    home = huati_env.home
    assert not home.exists()
    engine = get_engine(huati_env)
    with engine.connect() as conn:  # WAL mode: the -wal and -shm files exist while a connection is open
        conn.execute(text("select 1"))
        db = home / "huati.db"
        assert _mode(home) == 0o700 and _mode(db) == 0o600
        for extra in ("huati.db-wal", "huati.db-shm"):
            if (home / extra).exists():
                assert _mode(home / extra) == 0o600, extra

    from assistant.service.queue import get_queue

    assert get_queue(huati_env).huey.pending_count() == 0  # the batch queue's own SQLite file, opened
    for name in ("queue.db", "queue.db-wal", "queue.db-shm"):
        if name == "queue.db" or (home / name).exists():
            assert _mode(home / name) == 0o600, name
