"""Batch items run beside `huati serve` with nothing else to install: `HUATI_JOB_PROCESSES` worker processes
(`huati worker --embedded-parent`, one per core by default) or, with 0, a consumer thread in the API process.

One process per machine hosts them (a lock on `HUATI_HOME/jobs.lock`): with `huati serve --workers N` the
other API processes only enqueue, and take over the hosting if the host dies. Worker processes die with their
host. On the SQLite queue the host is the only consumer there is, so when it starts nothing can be in flight:
it sends every unfinished item again at once instead of waiting for the stall time.
"""

from __future__ import annotations

import fcntl
import logging
import os
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any, TextIO

from huey.consumer import Consumer

from assistant.service.queue import JobQueue, Sweeper, get_queue
from assistant.settings import Settings

log = logging.getLogger("huati.jobs")


class EmbeddedConsumer(Consumer):
    """huey's consumer inside a host program: the host (uvicorn) keeps its own signal handlers."""

    def _set_signal_handlers(self) -> None:
        pass


def host_lock(settings: Settings) -> TextIO | None:
    """This machine's job-hosting lock (released when the process ends), or None when another process has it."""
    path = Path(settings.ensure_home()) / "jobs.lock"
    handle = open(path, "a+")  # held for the life of the host
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        handle.close()
        return None
    return handle


def recover_local(queue: JobQueue) -> dict[str, int]:
    """At the start of the only consumer of a SQLite queue: everything unfinished is sent again now."""
    from assistant.service import ledger

    released = ledger.release_deliveries(queue.settings)
    out = queue.sweep(stall=0)
    if released or any(out.values()):
        log.warning("resumed after a restart: %s (delivery claims released: %d)", out, released)
    return out


class JobHost:
    """Started and stopped by the API's lifespan."""

    RETRY_LOCK = 5.0  # seconds between attempts to become the host

    def __init__(self, settings: Settings):
        self.settings = settings
        self.processes = settings.embedded_job_processes
        self.queue = get_queue(settings)
        self._lock: TextIO | None = None
        self._stopped = threading.Event()
        self._children: list[subprocess.Popen[bytes]] = []
        self._consumer: Any = None
        self._sweeper: Sweeper | None = None
        self._thread: threading.Thread | None = None
        self._starting = threading.Lock()

    def start(self) -> None:
        if self.processes is None:
            return  # items run in `huati worker` processes only
        self._thread = threading.Thread(target=self._run, name="huati-job-host", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stopped.is_set():
            self._lock = host_lock(self.settings)
            if self._lock is not None:
                break
            self._stopped.wait(self.RETRY_LOCK)
        if self._stopped.is_set():
            return
        try:
            if self.queue.local:
                recover_local(self.queue)
            with self._starting:  # `stop` waits for a consumer being started, then stops it
                if self._stopped.is_set():
                    return
                if self.processes == 0:
                    consumer = self.queue.consumer(self.settings.job_threads, cls=EmbeddedConsumer)
                    consumer.start()
                    self._consumer = consumer
                    self._sweeper = Sweeper(self.queue)
                    self._sweeper.start()
                    return
                self._children = [self._spawn(i) for i in range(self.processes or 0)]
            self._watch()
        except Exception:  # the API keeps serving; jobs wait for a working host or worker
            log.exception("could not start the batch job workers")

    def _spawn(self, number: int) -> subprocess.Popen[bytes]:
        """Started from this host thread, which lives as long as the process: children die with it."""
        args = [sys.executable, "-m", "assistant.cli.main", "worker", "--embedded-parent", str(os.getpid())]
        args += ["--threads", str(self.settings.job_threads)]
        if number:
            args.append("--no-sweep")  # one sweeper per host is enough
        env = {**os.environ, "HUATI_HOME": str(self.settings.home.resolve())}
        if self.settings.database_url:
            env["HUATI_DATABASE_URL"] = self.settings.database_url
        env["HUATI_OUTBOUND_ALLOW"] = self.settings.outbound_allow  # deliveries are sent from these processes
        return subprocess.Popen(args, env=env, stdin=subprocess.DEVNULL)

    def _watch(self) -> None:
        """Restart a worker process that died (as a service manager would), until stopped."""
        while not self._stopped.wait(1.0):
            with self._starting:
                for i, child in enumerate(self._children):
                    if child.poll() is not None and not self._stopped.is_set():
                        log.warning("batch worker %d exited (%s), restarting", child.pid, child.returncode)
                        self._children[i] = self._spawn(i)

    def stop(self, timeout: float = 10.0) -> None:
        self._stopped.set()
        with self._starting:
            self._stop_all(timeout)

    def _stop_all(self, timeout: float) -> None:
        if self._sweeper is not None:
            self._sweeper.stop()
        if self._consumer is not None:
            self._consumer.shutdown_timeout = timeout
            self._consumer.stop(graceful=True)
        for child in self._children:
            if child.poll() is None:
                child.terminate()  # graceful: the running item finishes (bounded by the worker's timeout)
        for child in self._children:
            try:
                child.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                child.kill()
        if self._thread is not None:
            self._thread.join(timeout=2)
        if self._lock is not None:
            self._lock.close()
            self._lock = None
