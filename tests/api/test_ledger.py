"""The ledger under the queue: an item run twice (after a crash, by a sweep, by two workers at once) makes one
plan, one result and one delivery record; a plan saved before a crash is reused; the sweep re-sends only what
stalled and is not waiting in the queue; an item cut off too often is recorded as an error."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from servers import Recorder
from sqlalchemy import func, select, update

from assistant.service import batch, ledger
from assistant.storage.db import get_engine
from assistant.storage.schema import job_items, jobs, plan_deliveries, plans

ITEM = {"product": "亮白牙膏", "date": "2026-11-23", "audience": "宝妈群", "n": 1}


def _count(settings, table) -> int:
    with get_engine(settings).connect() as conn:
        return conn.execute(select(func.count()).select_from(table)).scalar_one()


def _job(settings, job_id):
    from assistant.service.jobview import get_job

    return get_job(job_id, settings)


@pytest.fixture
def callbacks():
    return []


def test_running_an_item_twice_changes_nothing(huati_env, drafting, callbacks):
    job_id = ledger.create_job("key_test", [ITEM, ITEM], None, huati_env)
    assert batch.run_item(job_id, 0, huati_env, callbacks.append) == "ok"
    assert batch.run_item(job_id, 0, huati_env, callbacks.append) == "skipped"
    assert drafting.calls == 1 and _count(huati_env, plans) == 1
    assert batch.run_item(job_id, 1, huati_env, callbacks.append) == "ok"
    job = _job(huati_env, job_id)
    assert job["status"] == "done" and job["completed"] == 2 and callbacks == [job_id]  # finished once


def test_two_runs_at_once_make_one_plan(huati_env, drafting, callbacks):
    drafting.delay = 0.3
    job_id = ledger.create_job("key_test", [ITEM], None, huati_env)
    barrier = threading.Barrier(2)
    outcomes = []

    def run():
        barrier.wait()
        outcomes.append(batch.run_item(job_id, 0, huati_env, callbacks.append))

    threads = [threading.Thread(target=run) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    job = _job(huati_env, job_id)
    assert drafting.calls == 2  # both drafted …
    assert _count(huati_env, plans) == 1  # … one plan was kept, no orphan
    assert (
        job["completed"] == 1
        and job["results"][0]["plan_id"] == ledger.get_item(job_id, 0, huati_env).plan_id
    )
    assert callbacks == [job_id]


def test_a_plan_saved_before_a_crash_is_reused_and_delivered_once(
    huati_env, drafting, callbacks, allow_loopback
):
    sent = []
    robot = Recorder(
        lambda path, headers, body: (sent.append(body), (200, {"errcode": 0, "errmsg": "ok"}))[1]
    )
    try:
        item = {**ITEM, "delivery": {"wecom": {"webhook_url": f"{robot.url}/send?key=k"}}}
        job_id = ledger.create_job("key_test", [item], None, huati_env)
        # A worker drafted and saved the plan, then died before delivering:
        found = ledger.start(job_id, 0, huati_env)
        plan = batch._draft(found.input, huati_env)
        plan.id = "pcrashed01"
        assert ledger.save_plan(job_id, 0, plan, huati_env) == ("pcrashed01", False)
        calls = drafting.calls
        assert batch.run_item(job_id, 0, huati_env, callbacks.append) == "ok"
    finally:
        robot.close()
    assert drafting.calls == calls  # not drafted again
    job = _job(huati_env, job_id)
    assert job["results"][0]["plan_id"] == "pcrashed01" and len(sent) == 1
    assert job["results"][0]["plan"]["delivery"][0]["event_id"] == f"{job_id}.0"
    assert _count(huati_env, plans) == 1 and _count(huati_env, plan_deliveries) == 1


def test_a_delivery_claimed_by_a_live_sender_is_not_sent_again(huati_env, drafting, callbacks):
    item = {**ITEM, "delivery": {"wecom": {"webhook_url": "http://127.0.0.1:9/send?key=k"}}}
    job_id = ledger.create_job("key_test", [item], None, huati_env)
    found = ledger.start(job_id, 0, huati_env)
    plan = batch._draft(found.input, huati_env)
    plan.id = "pclaimed01"
    ledger.save_plan(job_id, 0, plan, huati_env)
    assert ledger.claim_delivery(job_id, 0, huati_env) is True  # a sender is at work
    assert batch.run_item(job_id, 0, huati_env, callbacks.append) == "busy"
    with get_engine(huati_env).begin() as conn:  # … and went silent for longer than the stall time
        old = ledger.now() - timedelta(seconds=huati_env.job_stall_seconds + 1)
        conn.execute(update(job_items).values(claimed_at=old, updated_at=old))
    swept: list = []
    assert batch.sweep(huati_env, set(), set(), lambda *a: swept.append(a), swept.append)["items"] == 1
    assert batch.run_item(job_id, 0, huati_env, callbacks.append) == "ok"  # taken over: at-least-once
    assert ledger.get_item(job_id, 0, huati_env).attempts == 2


def test_an_item_cut_off_too_often_is_an_error_and_the_batch_goes_on(huati_env, drafting, callbacks):
    job_id = ledger.create_job("key_test", [ITEM, ITEM], None, huati_env)
    with get_engine(huati_env).begin() as conn:
        conn.execute(update(job_items).where(job_items.c.idx == 0).values(attempts=ledger.MAX_ATTEMPTS))
    assert batch.run_item(job_id, 0, huati_env, callbacks.append) == "error"
    assert batch.run_item(job_id, 1, huati_env, callbacks.append) == "ok"
    job = _job(huati_env, job_id)
    assert job["status"] == "done" and job["failed"] == 1 and "中断" in job["results"][0]["error"]["detail"]


def _age(settings, seconds: float) -> None:
    with get_engine(settings).begin() as conn:
        old = ledger.now() - timedelta(seconds=seconds)
        conn.execute(update(job_items).values(updated_at=old))
        conn.execute(update(jobs).values(updated_at=old))


def test_the_sweep_resends_only_stalled_items_not_waiting_in_the_queue(huati_env):
    job_id = ledger.create_job("key_test", [ITEM, ITEM, ITEM], None, huati_env)
    sent: list = []
    nothing = batch.sweep(huati_env, set(), set(), lambda *a: sent.append(a), sent.append)
    assert nothing == {"items": 0, "callbacks": 0}  # fresh: not stalled
    _age(huati_env, huati_env.job_stall_seconds + 5)
    waiting = {(job_id, 1)}  # item 1 still has its message in the queue
    out = batch.sweep(huati_env, waiting, set(), lambda *a: sent.append(a), sent.append)
    assert out == {"items": 2, "callbacks": 0} and sent == [(job_id, 0), (job_id, 2)]
    again = batch.sweep(huati_env, waiting, set(), lambda *a: sent.append(a), sent.append)
    assert again["items"] == 0  # re-sent items are fresh again
    assert _job(huati_env, job_id)["resumes"] == 1


def test_two_sweepers_at_once_send_each_item_once(huati_env):
    ledger.create_job("key_test", [ITEM] * 20, None, huati_env)
    _age(huati_env, huati_env.job_stall_seconds + 5)
    sent: list = []
    lock = threading.Lock()

    def item(*args):
        with lock:
            sent.append(args)

    threads = [
        threading.Thread(target=batch.sweep, args=(huati_env, set(), set(), item, item)) for _ in range(2)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(sent) == 20 and len(set(sent)) == 20


def test_a_pending_callback_of_a_finished_job_is_sent_by_the_sweep(huati_env, drafting):
    job_id = ledger.create_job("key_test", [ITEM], "http://127.0.0.1:9/hook", huati_env)
    lost: list = []
    batch.run_item(job_id, 0, huati_env, lost.append)  # the worker died before enqueueing the callback
    assert lost == [job_id] and _job(huati_env, job_id)["callback"]["state"] == "pending"
    _age(huati_env, huati_env.job_stall_seconds + 5)
    calls: list = []
    out = batch.sweep(huati_env, set(), set(), lambda *a: None, calls.append)
    assert out["callbacks"] == 1 and calls == [job_id]
    assert batch.sweep(huati_env, set(), set(), lambda *a: None, calls.append)["callbacks"] == 0


def test_the_queue_sweep_reads_what_is_waiting(huati_env):
    from assistant.service.queue import JobQueue

    queue = JobQueue(huati_env)
    job_id = ledger.create_job("key_test", [ITEM, ITEM], None, huati_env)
    queue.run_item(job_id, 0)
    queue.send_callback("job_other")
    items, calls = queue.waiting()
    assert items == {(job_id, 0)} and calls == {"job_other"}
    _age(huati_env, huati_env.job_stall_seconds + 5)
    assert queue.sweep()["items"] == 1  # item 1 only: item 0 waits in the queue
    assert queue.huey.pending_count() == 3
