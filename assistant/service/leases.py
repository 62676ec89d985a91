"""Who owns a piece of long-running work, and whether that owner is still alive.

Work that another process may take over (a batch job, a pending Idempotency-Key reservation) records an owner
id `host:pid` (optionally `host:pid/token` for one request) and a heartbeat or lease time. A live process keeps
the records it holds fresh from one background thread (`keeper`), however long the work itself takes, so a
slow item or a slow LLM call never looks abandoned.

An owner is dead when
- it ran on this host and that process is gone, or the pid now belongs to a process started after the
  owner's last heartbeat (pid reuse);
- it is this very process but the work is not held here any more (left behind by an earlier run with the
  same pid, e.g. PID 1 in a restarted container);
- it ran on another host and its heartbeat is older than the caller's staleness limit.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta

log = logging.getLogger("huati.leases")

BEAT_EVERY = 5.0  # seconds between renewals of everything this process holds


def _host() -> str:
    """Hostname plus the pid namespace: two containers with the same hostname are still told apart."""
    name = socket.gethostname().replace(":", "-").replace("/", "-")
    try:
        ns = os.readlink("/proc/self/ns/pid")  # "pid:[4026531836]"
    except OSError:
        return name
    digits = "".join(ch for ch in ns if ch.isdigit())
    return f"{name}~{digits}" if digits else name


HOST = _host()


def worker_id() -> str:
    """This process as an owner: `host:pid`."""
    return f"{HOST}:{os.getpid()}"


def parse(owner: str | None) -> tuple[str, int | None, str]:
    """(host, pid, token) of an owner id; pid None when it cannot be read."""
    base, _, token = (owner or "").partition("/")
    host, _, pid = base.rpartition(":")
    return host, (int(pid) if pid.isdigit() else None), token


def pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    except OSError:
        return False
    return True


def _boot_time() -> float | None:
    try:
        with open("/proc/stat") as fh:
            for line in fh:
                if line.startswith("btime "):
                    return float(line.split()[1])
    except OSError:
        return None
    return None


def started_at(pid: int) -> float | None:
    """Start time (unix seconds) of a local process, where /proc tells it; None elsewhere."""
    try:
        with open(f"/proc/{pid}/stat") as fh:
            fields = fh.read().rpartition(")")[2].split()
        ticks = int(fields[19])  # field 22 of stat: start time in clock ticks after boot
    except (OSError, ValueError, IndexError):
        return None
    boot = _boot_time()
    return None if boot is None else boot + ticks / os.sysconf("SC_CLK_TCK")


def aware(value: datetime | None) -> datetime | None:
    if value is not None and value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value


def owner_alive(
    owner: str | None, beat: datetime | None, stale_after: timedelta, name: str, now: datetime | None = None
) -> bool:
    """Is the owner of the record called `name` (its key in the keeper) still at work?"""
    host, pid, _ = parse(owner)
    beat = aware(beat)
    if host == HOST and pid is not None:
        if pid == os.getpid():
            return keeper.holds(name)
        if not pid_alive(pid):
            return False
        start = started_at(pid)
        return not (start is not None and beat is not None and start > beat.timestamp() + 2)
    now = now or datetime.now(UTC)
    return beat is not None and now - beat <= stale_after


class Keeper:
    """Renews every lease this process holds, every `every` seconds, from one daemon thread."""

    def __init__(self, every: float = BEAT_EVERY):
        self.every = every
        self._held: dict[str, list] = {}  # name -> [count, renew]
        self._lock = threading.Lock()
        self._wake = threading.Event()
        self._thread: threading.Thread | None = None
        self._pid = os.getpid()

    def hold(self, name: str, renew: Callable[[], object]) -> None:
        with self._lock:
            entry = self._held.setdefault(name, [0, renew])
            entry[0] += 1
            entry[1] = renew
            if self._thread is None or not self._thread.is_alive() or self._pid != os.getpid():
                self._pid = os.getpid()
                self._thread = threading.Thread(target=self._loop, name="huati-leases", daemon=True)
                self._thread.start()

    def drop(self, name: str) -> None:
        with self._lock:
            entry = self._held.get(name)
            if entry is not None:
                entry[0] -= 1
                if entry[0] <= 0:
                    del self._held[name]

    def held(self) -> list[str]:
        with self._lock:
            return list(self._held)

    def holds(self, name: str) -> bool:
        with self._lock:
            return name in self._held

    @contextmanager
    def holding(self, name: str, renew: Callable[[], object]) -> Iterator[None]:
        self.hold(name, renew)
        try:
            yield
        finally:
            self.drop(name)

    def renew_all(self) -> None:
        with self._lock:
            renewals = [(name, entry[1]) for name, entry in self._held.items()]
        for name, renew in renewals:
            try:
                renew()
            except Exception:  # a DB hiccup must not stop the other renewals
                log.warning("could not renew lease %s", name, exc_info=True)

    def poke(self) -> None:
        """Renew now and pick up a changed `every` (tests shorten it)."""
        self._wake.set()

    def _loop(self) -> None:
        while True:
            self._wake.wait(self.every)
            self._wake.clear()
            self.renew_all()


keeper = Keeper()
