"""`huati serve`: run the API under uvicorn (registered through the `huati.cli` entry point)."""

from __future__ import annotations

from typing import Annotated

import typer


def app(
    host: Annotated[str, typer.Option("--host", help="监听地址")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", min=1, max=65535, help="端口")] = 8000,
    workers: Annotated[int, typer.Option("--workers", min=1, max=64, help="工作进程数")] = 1,
    log_level: Annotated[str, typer.Option("--log-level", help="日志级别")] = "info",
    warm_up: Annotated[bool, typer.Option("--warm-up/--no-warm-up", help="启动时预加载索引和模型")] = True,
) -> None:
    """启动 HTTP 接口（FastAPI + uvicorn），文档在 /docs。"""
    import os

    import uvicorn

    from assistant.service.outbound import policy_of
    from assistant.settings import get_settings

    os.environ["HUATI_API_WARM_UP"] = "1" if warm_up else "0"  # read by each worker's startup
    settings = get_settings()
    policy_of(settings)  # a malformed HUATI_OUTBOUND_ALLOW is one Chinese line, before uvicorn starts
    if workers > 1 and not settings.database_url:
        typer.echo(
            "提示：多个工作进程共用 SQLite 可以运行，但扩容建议设置 HUATI_DATABASE_URL 使用 PostgreSQL。",
            err=True,
        )
    typer.echo(f"Huati API 监听 http://{host}:{port}（文档 /docs，工作进程 {workers}）", err=True)
    typer.echo(f"网页：http://{host}:{port}/ ，用 huati keys create 名称 生成的密钥登录", err=True)
    processes = settings.embedded_job_processes
    if processes is None:
        typer.echo("批量任务：这里只入队，由 huati worker 执行（HUATI_JOB_PROCESSES=off）", err=True)
    else:
        where = "API 进程里的一个线程" if processes == 0 else f"{processes} 个执行进程"
        typer.echo(f"批量任务：{where}（HUATI_JOB_PROCESSES）", err=True)
    uvicorn.run(
        "api.main:app",
        host=host,
        port=port,
        workers=workers,
        log_level=log_level,
        # X-Forwarded-Proto / -For are believed only from HUATI_TRUSTED_PROXIES (then the session cookie is
        # Secure behind a TLS proxy, and failed logins are counted per real client); never from anyone else.
        proxy_headers=bool(settings.trusted_proxies),
        forwarded_allow_ips=settings.trusted_proxies or None,
        timeout_graceful_shutdown=5,
    )
