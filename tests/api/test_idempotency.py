"""Idempotency-Key reservations survive their owner's death: a stale lease is taken over, a live one is not."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import insert, select

from assistant.errors import ConflictError
from assistant.service import idempotency

REPO = Path(__file__).resolve().parents[2]
RESERVE = """
import sys
from assistant.service import idempotency
r = idempotency.reserve("key_x", sys.argv[1], "hash-1")
print(r.state, r.owner, flush=True)
"""  # exits without completing or releasing, like a worker killed mid-request


@pytest.fixture(autouse=True)
def _forget_leases():
    """Reservations a test leaves pending must not be renewed after its database is gone."""
    yield
    for name in idempotency.leases.keeper.held():
        if name.startswith("idem:"):
            idempotency.leases.keeper.drop(name)


def _reserve_in_dead_process(home: Path, idem: str) -> str:
    out = subprocess.run(
        [sys.executable, "-c", RESERVE, idem],
        env={**os.environ, "HUATI_HOME": str(home)},
        cwd=REPO,
        capture_output=True,
        text=True,
        check=True,
    )
    state, owner = out.stdout.split()
    assert state == "new"
    return owner


def _row(settings, idem):
    from assistant.storage.db import get_engine

    with get_engine(settings).connect() as conn:
        return conn.execute(
            select(idempotency.idempotency).where(idempotency.idempotency.c.idem_key == idem)
        ).first()


def test_live_owner_keeps_its_reservation(huati_env):
    first = idempotency.reserve("key_x", "live", "hash-1", huati_env)
    assert first.state == "new" and first.owner.startswith(idempotency.leases.worker_id() + "/")
    assert idempotency.reserve("key_x", "live", "hash-1", huati_env).state == "pending"
    with pytest.raises(ConflictError):
        idempotency.reserve("key_x", "live", "hash-2", huati_env)
    assert idempotency.complete("key_x", "live", first.owner, "plan-1", huati_env)
    replay = idempotency.reserve("key_x", "live", "hash-1", huati_env)
    assert (replay.state, replay.plan_id) == ("done", "plan-1")


def test_reservation_of_a_dead_process_is_taken_over(huati_env):
    dead_owner = _reserve_in_dead_process(huati_env.home, "crash-1")
    assert _row(huati_env, "crash-1").owner == dead_owner
    with pytest.raises(ConflictError):  # another body under the key is still a conflict
        idempotency.reserve("key_x", "crash-1", "hash-2", huati_env)
    taken = idempotency.reserve("key_x", "crash-1", "hash-1", huati_env)
    assert taken.state == "new" and taken.taken_over and taken.owner != dead_owner
    assert idempotency.reserve("key_x", "crash-1", "hash-1", huati_env).state == "pending"  # now ours, alive
    assert not idempotency.complete(
        "key_x", "crash-1", dead_owner, "plan-old", huati_env
    )  # the old owner lost it
    assert idempotency.complete("key_x", "crash-1", taken.owner, "plan-new", huati_env)
    assert _row(huati_env, "crash-1").plan_id == "plan-new"


def test_request_gone_from_this_process_is_taken_over(huati_env):
    first = idempotency.reserve("key_x", "gone", "hash-1", huati_env)
    idempotency.drop_lease(first.owner)  # e.g. its task vanished without releasing
    assert idempotency.reserve("key_x", "gone", "hash-1", huati_env).taken_over


def _insert(settings, idem, owner, lease_until):
    from assistant.storage.db import get_engine

    idempotency.reserve("key_x", "warm-up", "h", settings)  # creates tables and columns
    with get_engine(settings).begin() as conn:
        conn.execute(
            insert(idempotency.idempotency).values(
                key_id="key_x",
                idem_key=idem,
                body_hash="hash-1",
                state="pending",
                created_at=datetime.now(UTC),
                owner=owner,
                lease_until=lease_until,
            )
        )


def test_remote_owner_waits_for_its_lease_to_expire(huati_env):
    now = datetime.now(UTC)
    _insert(huati_env, "remote-fresh", "elsewhere:12/abc", now + timedelta(seconds=20))
    _insert(huati_env, "remote-stale", "elsewhere:12/def", now - timedelta(seconds=1))
    assert idempotency.reserve("key_x", "remote-fresh", "hash-1", huati_env).state == "pending"
    assert idempotency.reserve("key_x", "remote-stale", "hash-1", huati_env).taken_over


def test_lease_is_renewed_while_the_request_runs(huati_env, monkeypatch):
    monkeypatch.setattr(idempotency.leases.keeper, "every", 0.05)
    idempotency.leases.keeper.poke()
    first = idempotency.reserve("key_x", "renewed", "hash-1", huati_env)
    before = idempotency.leases.aware(_row(huati_env, "renewed").lease_until)
    deadline = time.time() + 5
    while (
        idempotency.leases.aware(_row(huati_env, "renewed").lease_until) <= before and time.time() < deadline
    ):
        time.sleep(0.05)
    assert idempotency.leases.aware(_row(huati_env, "renewed").lease_until) > before
    idempotency.release("key_x", "renewed", first.owner, huati_env)
    assert _row(huati_env, "renewed") is None


def test_api_retry_after_a_crash_makes_the_plan(client, huati_env, drafting):
    """The audit's repro: the worker died mid-request; the retry must not wait 120 s and then 409 forever."""
    from assistant.service.keys import list_keys

    key = next(k for k in list_keys(huati_env) if k.name == "tests")
    body = {"product": "保温杯", "date": "2026-12-01", "n": 1}
    from api.routes.plans import PlanCreate, body_hash

    out = subprocess.run(
        [
            sys.executable,
            "-c",
            """
import sys
from assistant.service import idempotency
print(idempotency.reserve(sys.argv[1], "crash-api", sys.argv[2]).state)
""",
            key.id,
            body_hash(PlanCreate.model_validate(body)),
        ],
        env={**os.environ, "HUATI_HOME": str(huati_env.home)},
        cwd=REPO,
        capture_output=True,
        text=True,
        check=True,
    )
    assert out.stdout.strip() == "new"
    started = time.perf_counter()
    r = client.post("/v1/plans", json=body, headers={"Idempotency-Key": "crash-api"})
    assert r.status_code == 201, r.text
    assert time.perf_counter() - started < 10
    again = client.post("/v1/plans", json=body, headers={"Idempotency-Key": "crash-api"})
    assert again.status_code == 200 and again.json()["id"] == r.json()["id"] and drafting.calls == 1


def test_a_new_reservation_is_held_before_another_thread_can_read_it(huati_env):
    # Concurrent identical requests in one process: the moment our row is written, a request that reads it
    # must find its owner alive (the keeper holds its lease), or it would take over and draft a second plan.
    from sqlalchemy import event

    from assistant.storage.db import get_engine

    seen: list[bool] = []

    def on_insert(conn, cursor, statement, params, context, executemany):
        if statement.lstrip().upper().startswith("INSERT INTO IDEMPOTENCY_KEYS"):
            owner = next(
                p
                for p in (params.values() if isinstance(params, dict) else params)
                if isinstance(p, str) and "/" in p and ":" in p
            )
            seen.append(idempotency.leases.owner_alive(owner, None, idempotency.LEASE, f"idem:{owner}"))

    engine = get_engine(huati_env)
    event.listen(engine, "before_cursor_execute", on_insert)
    try:
        first = idempotency.reserve("key_x", "race", "hash-1", huati_env)
    finally:
        event.remove(engine, "before_cursor_execute", on_insert)
    assert first.state == "new" and seen == [True]
    # A losing INSERT (the key is taken) leaves no lease of its own behind.
    held = set(idempotency.leases.keeper.held())
    assert idempotency.reserve("key_x", "race", "hash-1", huati_env).state == "pending"
    assert set(idempotency.leases.keeper.held()) == held


def test_the_owner_stays_alive_until_its_plan_is_recorded(huati_env):
    # complete() used to drop the lease first: a request reading the still-pending row in that gap took over.
    from sqlalchemy import event

    from assistant.storage.db import get_engine

    first = idempotency.reserve("key_x", "finish", "hash-1", huati_env)
    seen: list[bool] = []

    def on_update(conn, cursor, statement, params, context, executemany):
        if statement.lstrip().upper().startswith("UPDATE IDEMPOTENCY_KEYS") and "plan-1" in str(params):
            seen.append(
                idempotency.leases.owner_alive(first.owner, None, idempotency.LEASE, f"idem:{first.owner}")
            )

    engine = get_engine(huati_env)
    event.listen(engine, "before_cursor_execute", on_update)
    try:
        assert idempotency.complete("key_x", "finish", first.owner, "plan-1", huati_env)
    finally:
        event.remove(engine, "before_cursor_execute", on_update)
    assert seen == [True]
    assert f"idem:{first.owner}" not in idempotency.leases.keeper.held()  # and dropped afterwards
