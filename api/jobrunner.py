"""Background job runner inside each API worker: claims queued jobs, makes their plans, sends callbacks.

Polls the jobs table (so any worker may pick up any job, including ones requeued after a crash).
"""

from __future__ import annotations

import asyncio
import logging
import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from assistant.service import callbacks, jobs
from assistant.settings import Settings

log = logging.getLogger("huati.api.jobs")


def draft_item(item: dict[str, Any], settings: Settings) -> dict[str, Any]:
    """One batch item: the plan, then its optional delivery (results stored with the plan)."""
    from assistant.drafting import draft_plan
    from assistant.models import PlanRequest

    request = PlanRequest.model_validate({k: v for k, v in item.items() if k in PlanRequest.model_fields})
    plan = draft_plan(request, settings=settings, save=True).public_dict()
    if item.get("delivery"):
        from assistant.service.delivery import records as deliveries
        from assistant.service.delivery.targets import Delivery, deliver

        plan["delivery"] = asyncio.run(deliver(plan, Delivery.model_validate(item["delivery"]), settings))
        deliveries.record(plan["id"], plan["delivery"], settings)
    return plan


class JobRunner:
    def __init__(
        self,
        settings: Settings,
        *,
        workers: int = 2,
        poll: float = 1.0,
        webhook_backoff: float = 1.0,
        webhook_attempts: int = 5,
    ):
        self.settings = settings
        self.owner = jobs.worker_id()
        self.poll = poll
        self.webhook_backoff = webhook_backoff
        self.webhook_attempts = webhook_attempts
        self._stop = threading.Event()
        self._wake = threading.Event()
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="huati-job")
        self._thread: threading.Thread | None = None
        self._busy: set[str] = set()
        self._lock = threading.Lock()

    def start(self) -> None:
        self._thread = threading.Thread(target=self._loop, name="huati-jobs", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._pool.shutdown(wait=False, cancel_futures=True)

    def wake(self) -> None:
        """Look for work now (called right after a job is submitted)."""
        self._wake.set()

    def _loop(self) -> None:
        while not self._stop.is_set():
            try:
                self.tick()
            except Exception:  # the loop must survive a bad tick (e.g. DB hiccup)
                log.exception("job runner tick failed")
            self._wake.wait(self.poll)
            self._wake.clear()

    def tick(self) -> None:
        recovered = jobs.recover(self.settings)
        if any(recovered.values()):
            log.warning("recovered jobs: %s", recovered)
        for job_id in callbacks.claim_callbacks(self.owner, self.settings):
            self._take(job_id)
            self._pool.submit(self._callback_only, job_id)
        for job_id in jobs.queued(self.settings):
            with self._lock:
                if len(self._busy) >= self._pool._max_workers:
                    return
            if jobs.claim(job_id, self.owner, self.settings):
                self._take(job_id)
                self._pool.submit(self._run, job_id)

    def _take(self, job_id: str) -> None:
        """Held from the claim on (heartbeat in the background) until the job and its callback are done."""
        jobs.hold(job_id, self.owner, self.settings)
        with self._lock:
            self._busy.add(job_id)

    def _release(self, job_id: str) -> None:
        jobs.drop(job_id)
        with self._lock:
            self._busy.discard(job_id)

    def _run(self, job_id: str) -> None:
        try:
            status = jobs.run_job(
                job_id, self.owner, lambda item: draft_item(item, self.settings), self.settings
            )
            if status != "lost":  # taken over by another worker: that one reports
                self.send_callback(job_id)
        except Exception:  # recorded on the job, never lost
            log.exception("job %s failed", job_id)
            if jobs.finish(
                job_id, "failed", "任务出错：服务器内部错误，已记录日志", self.settings, owner=self.owner
            ):
                self.send_callback(job_id)
        finally:
            self._release(job_id)

    def _callback_only(self, job_id: str) -> None:
        try:
            self.send_callback(job_id)
        except Exception:  # stays pending; recovered again later
            log.exception("callback for job %s failed", job_id)
        finally:
            self._release(job_id)

    def send_callback(self, job_id: str) -> None:
        job = jobs.get_job(job_id, self.settings)
        if not job["callback"] or job["callback"]["state"] != "pending":
            return
        from api.webhooks import WebhookSender

        payload = {k: v for k, v in job.items() if k != "callback"}
        payload["event"] = "job.finished"
        WebhookSender(
            self.settings, max_attempts=self.webhook_attempts, backoff=self.webhook_backoff
        ).deliver(job_id, job["callback"]["url"], payload)
