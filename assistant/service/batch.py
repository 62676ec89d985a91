"""What the queue's tasks do, free of the queue library: run one batch item, fan a job out, sweep stalls.

`run_item` may run any number of times for the same item, also at once in two processes: the ledger's
conditional writes make every run after the first change nothing (see `assistant.service.ledger`).
- draft → plan and item saved in one transaction (a run that loses the race reuses the winner's plan);
- a plan saved before a crash is reused, never drafted again;
- deliveries are sent by the run holding the item's delivery claim, with the stable event id `<job>.<index>`;
- a `HuatiError` (bad input) or any other exception becomes that item's error; the batch goes on.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from assistant.errors import HuatiError
from assistant.service import ledger, sealed
from assistant.settings import Settings

log = logging.getLogger("huati.jobs")

Enqueue = Callable[..., Any]


def _error(idx: int, title: str, status: int, detail: str, **extra: Any) -> dict[str, Any]:
    return {
        "index": idx,
        "status": "error",
        "error": {"title": title, "status": status, "detail": detail, **extra},
    }


def _draft(item: dict[str, Any], settings: Settings) -> Any:
    from assistant import drafting
    from assistant.models import PlanRequest

    request = PlanRequest.model_validate({k: v for k, v in item.items() if k in PlanRequest.model_fields})
    return drafting.draft_plan(request, settings=settings, save=False)


def _deliver(
    public: dict[str, Any], delivery: dict[str, Any], event_id: str, settings: Settings
) -> list[Any]:
    """The item's delivery results; an unexpected error is one failed result, never a lost item."""
    from assistant.service.delivery.targets import Delivery, deliver

    try:
        return asyncio.run(deliver(public, Delivery.model_validate(delivery), settings, event_id=event_id))
    except Exception as exc:
        log.exception("delivery of %s failed", event_id)
        error = "投递失败：服务器内部错误，已记录日志"
        return [{"ok": False, "error": error, "reason": type(exc).__name__, "event_id": event_id}]


def run_item(job_id: str, idx: int, settings: Settings, callback: Enqueue) -> str:
    """Bring one item to its end state; `callback(job_id)` is called when this run finished the job."""
    found = ledger.start(job_id, idx, settings)
    if found is None:
        return "skipped"
    shown = sealed.masked(found.input)
    if found.attempts > ledger.MAX_ATTEMPTS:
        if found.plan_id is None:
            detail = f"生成被中断了 {ledger.MAX_ATTEMPTS} 次（执行进程退出），不再重试"
            return _end(job_id, idx, "error", _error(idx, "生成中断", 500, detail), settings, callback, shown)
        kept = _plan(found.plan_id, settings)  # the plan is kept; its delivery is given up
        kept["delivery"] = [
            {"ok": False, "error": f"投递被中断了 {ledger.MAX_ATTEMPTS} 次（执行进程退出），不再重试"}
        ]
        return _end(job_id, idx, "ok", _ok(idx, kept), settings, callback, shown)
    try:
        item = sealed.unseal(found.input, settings)
    except HuatiError as exc:
        return _end(
            job_id, idx, "error", _error(idx, exc.title, exc.status, str(exc)), settings, callback, shown
        )
    delivery = item.get("delivery")
    plan_id = found.plan_id
    public: dict[str, Any] | None = None
    if plan_id is None:
        try:
            plan = _draft(item, settings)
        except HuatiError as exc:
            result = _error(idx, exc.title, exc.status, str(exc), field=exc.field)
            return _end(job_id, idx, "error", result, settings, callback, shown)
        except Exception as exc:  # one bad item must not lose the others
            log.exception("job %s item %d failed", job_id, idx)
            detail = "生成失败：服务器内部错误，已记录日志"
            result = _error(idx, "内部错误", 500, detail, reason=type(exc).__name__)
            return _end(job_id, idx, "error", result, settings, callback, shown)
        if not plan.id:
            from assistant.storage.plans import new_plan_id

            plan.id = new_plan_id()
        public = plan.public_dict()
        done = None if delivery else _ok(idx, public)
        plan_id, finished = ledger.save_plan(job_id, idx, plan, settings, result=done, shown_input=shown)
        if finished:
            callback(job_id)
        if done is not None or plan_id != plan.id:
            return "ok"  # finished here, or another run saved first and carries on
    if not delivery:  # a plan saved by release 0.1's runner, or a run that stopped right after saving
        return _end(
            job_id, idx, "ok", _ok(idx, public or _plan(plan_id, settings)), settings, callback, shown
        )
    if not ledger.claim_delivery(job_id, idx, settings):
        return "busy"  # another run is sending (the sweep brings the item back if that run died)
    public = public or _plan(plan_id, settings)
    event_id = f"{job_id}.{idx}"
    public["delivery"] = _deliver(public, delivery, event_id, settings)
    finished = ledger.finish(
        job_id,
        idx,
        "ok",
        _ok(idx, public),
        settings,
        shown_input=shown,
        delivery=(str(plan_id), public["delivery"], event_id),
    )
    if finished:
        callback(job_id)
    return "ok"


def _plan(plan_id: str | None, settings: Settings) -> dict[str, Any]:
    from assistant.storage import Store

    return Store(settings).get_plan(str(plan_id)).public_dict()


def _ok(idx: int, public: dict[str, Any]) -> dict[str, Any]:
    return {"index": idx, "status": "ok", "plan_id": public.get("id"), "plan": public}


def _end(
    job_id: str,
    idx: int,
    status: str,
    result: dict[str, Any],
    settings: Settings,
    callback: Enqueue,
    shown: dict[str, Any],
) -> str:
    if ledger.finish(job_id, idx, status, result, settings, shown_input=shown):
        callback(job_id)
    return status


def fan_out(job_id: str, settings: Settings, item: Enqueue) -> int:
    """Mark the job running and enqueue every unfinished item; returns how many."""
    ledger.mark_running(job_id, settings)
    indexes = ledger.unfinished(job_id, settings)
    for idx in indexes:
        item(job_id, idx)
    return len(indexes)


def sweep(
    settings: Settings,
    queued_items: set[tuple[str, int]],
    queued_callbacks: set[str],
    item: Enqueue,
    callback: Enqueue,
    stall: float | None = None,
) -> dict[str, int]:
    """Send again what a dead worker took with it: unfinished items untouched for `stall` seconds (default the
    setting) that are not waiting in the queue, and pending callbacks of finished jobs likewise. Several
    sweepers at once send each item once (a conditional touch picks the winner)."""
    stall = settings.job_stall_seconds if stall is None else stall
    cutoff = ledger.now() - timedelta(seconds=stall)
    out = {"items": 0, "callbacks": 0}
    resumed: set[str] = set()
    for job_id, idx, seen in ledger.stalled(cutoff, settings):
        if (job_id, idx) not in queued_items and ledger.touch(job_id, idx, seen, settings):
            item(job_id, idx)
            resumed.add(job_id)
            out["items"] += 1
    for job_id in resumed:
        ledger.count_resume(job_id, settings)
    for job_id, seen in ledger.callbacks_due(cutoff, settings):
        if job_id not in queued_callbacks and ledger.touch_job(job_id, seen, settings):
            callback(job_id)
            out["callbacks"] += 1
    return out
