"""`huati db upgrade|current|history`: the database schema (Alembic migrations of every table)."""

from __future__ import annotations

import typer

from assistant.cli.common import console

db_app = typer.Typer(help="数据库结构：升级、查看当前版本和历史。", no_args_is_help=True)


def _url() -> str:
    from assistant.settings import get_settings

    settings = get_settings()
    if settings.db_url.startswith("sqlite"):
        settings.ensure_home()
    return settings.db_url


def _where(url: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


@db_app.command("upgrade")
def upgrade() -> None:
    """把数据库升级到当前版本（可重复运行；多个进程同时运行也只升级一次）。"""
    from assistant.storage import migrate

    url = _url()
    out = migrate.upgrade(url)
    if out["before"] == out["after"]:
        console.print(f"数据库已是最新（{out['after']}）：{_where(url)}")
        return
    if out["adopted"]:
        console.print("已接管旧版本（0.1）建的表，数据原样保留。")
    console.print(f"已升级：{out['before'] or '空库'} → {out['after']}（{_where(url)}）")


@db_app.command("current")
def current() -> None:
    """显示数据库当前的结构版本。"""
    from assistant.storage import migrate
    from assistant.storage.migrations import HEAD

    url = _url()
    found = migrate.current(url)
    state = "最新" if found == HEAD else f"需要升级到 {HEAD}：运行 huati db upgrade"
    console.print(f"{found or '还没有版本记录'}（{state}）：{_where(url)}")


@db_app.command("history")
def history() -> None:
    """列出所有结构版本，旧的在前。"""
    from assistant.storage import migrate

    for revision, doc in migrate.history():
        console.print(f"{revision}  {doc}")


def register(app: typer.Typer) -> None:
    app.add_typer(db_app, name="db")
