"""The task queue of batch jobs (huey): where messages live, the tasks, and the consumers' sweep.

Storage, from the settings: Redis when `HUATI_QUEUE_URL=redis://…`; else the PostgreSQL database of
`HUATI_DATABASE_URL` (huey's four `huey_*` tables, made by the migrations, woken by LISTEN/NOTIFY); else the
SQLite file `HUATI_HOME/queue.db` (its own file: huey's dequeue takes an exclusive lock that would otherwise
queue behind the API's writes to huati.db; the file is disposable, the sweep rebuilds it from the ledger).

Messages carry only `(job_id, index)` or `job_id` under stable task names, never settings or credentials.
huey deletes a message when a worker takes it: a worker killed mid-item loses that one message, and the sweep
(`assistant.service.batch.sweep`) sends it again once the item has stalled for `HUATI_JOB_STALL_SECONDS`.
"""

from __future__ import annotations

import logging
import threading
from typing import Any

from huey import Huey, PostgresHuey, RedisHuey, SqliteHuey
from huey.exceptions import RetryTask

from assistant.errors import ConfigError
from assistant.service import batch, webhooks
from assistant.settings import Settings
from assistant.storage.db import create_owner_only

log = logging.getLogger("huati.queue")

NAME = "huati"
FAN_OUT, RUN_ITEM, SEND_CALLBACK = "huati.fan_out", "huati.run_item", "huati.send_callback"


def make_huey(settings: Settings) -> Huey:
    if settings.queue_url:
        if not settings.queue_url.startswith(("redis://", "rediss://", "unix://")):
            raise ConfigError("HUATI_QUEUE_URL 只支持 Redis（redis://主机:端口/库号）", field="queue_url")
        return RedisHuey(NAME, url=settings.queue_url, results=False)
    url = settings.db_url
    if url.startswith("postgresql"):
        dsn = "postgresql://" + url.split("://", 1)[1]
        return PostgresHuey(NAME, dsn=dsn, results=False, create_tables=False)
    if url.startswith("sqlite"):
        path = settings.ensure_home().resolve() / "queue.db"
        create_owner_only(f"sqlite:///{path}")  # 0600, as huati.db
        return SqliteHuey(NAME, filename=str(path), results=False, journal_mode="wal", timeout=30)
    raise ConfigError(
        "批量任务的队列只支持 SQLite、PostgreSQL 或 Redis（HUATI_QUEUE_URL）", field="database_url"
    )


class JobQueue:
    """One huey instance with Huati's three tasks, bound to one set of settings."""

    def __init__(self, settings: Settings):
        self.settings = settings
        self.huey = make_huey(settings)
        self.local = isinstance(self.huey, SqliteHuey)  # only consumers on this machine can reach it
        self.fan_out = self.huey.task(name=FAN_OUT, retries=2, retry_delay=1)(self._fan_out)
        self.run_item = self.huey.task(name=RUN_ITEM, retries=2, retry_delay=1)(self._run_item)
        self.send_callback = self.huey.task(name=SEND_CALLBACK)(self._send_callback)

    # ----------------------------------------------------------------- task bodies (run by consumers)

    def _fan_out(self, job_id: str) -> None:
        batch.fan_out(job_id, self.settings, self.run_item)

    def _run_item(self, job_id: str, idx: int) -> None:
        batch.run_item(job_id, idx, self.settings, self.send_callback)

    def _send_callback(self, job_id: str) -> None:
        if webhooks.attempt(job_id, self.settings) == "retry":
            raise RetryTask(delay=webhooks.retry_delay(job_id, self.settings))

    # ----------------------------------------------------------------- for the API and the consumers

    def submit(self, job_id: str) -> None:
        """Start a job made by `ledger.create_job` (its items are enqueued by a consumer, off the request)."""
        self.fan_out(job_id)

    def waiting(self) -> tuple[set[tuple[str, int]], set[str]]:
        """Items and callbacks with a message in the queue or in its schedule (retries)."""
        items: set[tuple[str, int]] = set()
        calls: set[str] = set()
        for task in [*self.huey.pending(), *self.huey.scheduled()]:
            name = getattr(task, "name", "")
            args = tuple(task.args or ())
            if name == RUN_ITEM and len(args) == 2:
                items.add((str(args[0]), int(args[1])))
            elif name == FAN_OUT and args:
                calls.add(f"fan_out:{args[0]}")
            elif name == SEND_CALLBACK and args:
                calls.add(str(args[0]))
        return items, calls

    def sweep(self, stall: float | None = None) -> dict[str, int]:
        items, calls = self.waiting()
        jobs_waiting = {c.split(":", 1)[1] for c in calls if c.startswith("fan_out:")}
        items |= {(job, idx) for job, idx in _items_of(jobs_waiting, self.settings)}
        out = batch.sweep(self.settings, items, calls, self.run_item, self.send_callback, stall)
        if any(out.values()):
            log.warning("sweep sent again: %s", out)
        return out

    def consumer(self, threads: int, *, cls: Any = None, **options: Any) -> Any:
        from huey.consumer import Consumer

        kwargs: dict[str, Any] = {
            "workers": threads,
            "worker_type": "thread",
            "periodic": False,  # the sweep runs in its own thread (`Sweeper`), at the stall's pace
            "initial_delay": 0.05,
            "backoff": 1.2,
            "max_delay": 0.5 if self.local else 2.0,
            "check_worker_health": True,
            "shutdown_timeout": 30.0,
            "graceful_signal": "TERM",
        } | options
        return (cls or Consumer)(self.huey, **kwargs)


def _items_of(job_ids: set[str], settings: Settings) -> list[tuple[str, int]]:
    from assistant.service import ledger

    return [(job_id, idx) for job_id in job_ids for idx in ledger.unfinished(job_id, settings)]


class Sweeper(threading.Thread):
    """Runs `JobQueue.sweep` every third of the stall time (at most every minute) until stopped."""

    def __init__(self, queue: JobQueue):
        super().__init__(name="huati-sweep", daemon=True)
        self.queue = queue
        self.every = min(60.0, max(1.0, queue.settings.job_stall_seconds / 3))
        self.stopped = threading.Event()

    def run(self) -> None:
        while not self.stopped.wait(self.every):
            try:
                self.queue.sweep()
            except Exception:  # a database hiccup must not end the sweeping
                log.exception("sweep failed")

    def stop(self) -> None:
        self.stopped.set()


_queues: dict[tuple[Any, ...], JobQueue] = {}
_lock = threading.Lock()


def get_queue(settings: Settings) -> JobQueue:
    key = (settings.db_url, settings.queue_url, str(settings.home.resolve()), id(settings))
    with _lock:
        if key not in _queues:
            _queues[key] = JobQueue(settings)
        return _queues[key]
