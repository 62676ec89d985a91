"""`huati worker`: runs batch items from the queue in the foreground, without the API.

Scale-out: any number of `huati worker`s on any machines with the same `HUATI_DATABASE_URL` (PostgreSQL) and,
when used, `HUATI_QUEUE_URL` (Redis). SIGTERM (systemd stop) lets the running items finish, then exits;
SIGINT twice exits at once. On the SQLite queue one worker per machine may run (it takes the machine's
job-hosting lock, as `huati serve` does for its own worker processes).
"""

from __future__ import annotations

import logging
import os
import sys
import threading
from typing import Annotated

import typer

from assistant.errors import ConfigError


def _die_with(parent: int) -> None:
    """An embedded worker ends when the `huati serve` that started it ends, even by kill -9."""
    if sys.platform.startswith("linux"):
        import ctypes
        import signal

        try:
            ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
        except (OSError, AttributeError):
            pass
    if os.getppid() != parent:
        os._exit(0)

    def watch() -> None:  # where the kernel cannot do it
        while True:
            if os.getppid() != parent:
                os._exit(0)
            threading.Event().wait(1.0)

    threading.Thread(target=watch, name="huati-parent-watch", daemon=True).start()


def worker(
    threads: Annotated[
        int | None,
        typer.Option(
            "--threads",
            min=1,
            max=64,
            help="同时处理几条（默认 HUATI_JOB_THREADS=1；离线方案每核一个进程、每进程 1 条，大模型方案可 4–8 条）",
        ),
    ] = None,
    sweep: Annotated[
        bool, typer.Option("--sweep/--no-sweep", help="定期把停滞的条目重新入队（多个进程同时做也无妨）")
    ] = True,
    warm_up: Annotated[bool, typer.Option("--warm-up/--no-warm-up", help="开始前预加载索引和模型")] = True,
    shutdown_timeout: Annotated[
        float, typer.Option("--shutdown-timeout", min=0, help="收到 SIGTERM 后等正在处理的条目多少秒")
    ] = 30.0,
    embedded_parent: Annotated[int, typer.Option("--embedded-parent", hidden=True)] = 0,
) -> None:
    """运行批量任务的执行进程（不含 HTTP 接口）；扩容时在多台机器上各起几个。"""
    from assistant.service.embedded import host_lock, recover_local
    from assistant.service.queue import Sweeper, get_queue
    from assistant.service.warmup import warm_up as load
    from assistant.settings import get_settings
    from assistant.storage.db import get_engine

    if embedded_parent:
        _die_with(embedded_parent)
    logging.basicConfig(level=logging.WARNING, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    settings = get_settings()
    get_engine(settings)  # the schema must be current (SQLite upgrades itself; else: huati db upgrade)
    queue = get_queue(settings)
    lock = None
    if queue.local and not embedded_parent:
        lock = host_lock(settings)
        if lock is None:
            raise ConfigError(
                "本机已有进程在运行批量任务（huati serve 的任务进程或另一个 huati worker）",
                field="job_processes",
                hint="SQLite 队列每台机器只能有一个；要单独运行 huati worker，请给 huati serve 设 HUATI_JOB_PROCESSES=off",
            )
        recover_local(queue)
    if warm_up:
        load(settings)
    if sweep:
        Sweeper(queue).start()
    threads = threads or settings.job_threads
    typer.echo(f"批量任务执行进程已就绪：队列 {type(queue.huey).__name__}，同时处理 {threads} 条", err=True)
    queue.consumer(threads, shutdown_timeout=shutdown_timeout).run()
    del lock  # held until here


def register(app: typer.Typer) -> None:
    app.command("worker")(worker)
