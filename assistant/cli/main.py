"""Entry point: builds the Typer app, adds plugin sub-apps (api, evals), maps errors to exit codes."""

from __future__ import annotations

from importlib.metadata import entry_points

import typer

from assistant.cli import chat, check, db, draft, feedback, groups, keys, knowledge, product, report, worker
from assistant.cli.common import internal_error, user_error, wrap_commands
from assistant.cli.usage import HuatiGroup
from assistant.errors import HuatiError

app = typer.Typer(
    cls=HuatiGroup,
    name="huati",
    help="话题 Huati：为社群运营生成低门槛、贴合当天主推商品的群话题。",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


@app.callback()
def _root() -> None:
    """话题 Huati：为社群运营生成低门槛、贴合当天主推商品的群话题。"""


@app.command()
def version() -> None:
    """显示 Huati 版本。"""
    from assistant import __version__

    typer.echo(f"huati {__version__}")


def _register_all() -> None:
    # knowledge: ingest, search, calendar, trends import; check; draft: draft, history, show, export,
    # feedback (verdicts and outcomes); groups: import, list, show, forget; report; keys: create/list/revoke; chat;
    # product: explain; db: upgrade/current/history; worker.
    for module in (knowledge, check, draft, feedback, groups, report, keys, chat, product, db, worker):
        module.register(app)
    # Sub-commands from other top-level packages (api/, evals/) come in by entry point,
    # so the dependency points from them to assistant/, never back.
    for ep in entry_points(group="huati.cli"):
        obj = ep.load()
        if isinstance(obj, typer.Typer):
            app.add_typer(obj, name=ep.name)
        else:
            app.command(name=ep.name)(obj)
    wrap_commands(app)


_register_all()


def run() -> None:
    try:
        app(prog_name="huati")
    except KeyboardInterrupt:
        raise SystemExit(130) from None
    except HuatiError as exc:  # raised outside a command (settings read while building the app ...)
        user_error(exc)
    except Exception as exc:  # never a traceback for the user
        internal_error(exc)


if __name__ == "__main__":
    run()
