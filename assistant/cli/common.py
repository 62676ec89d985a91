"""Shared CLI plumbing: error mapping and consoles."""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable
from typing import Any

import typer
from rich.console import Console
from rich.markup import escape

from assistant.errors import HuatiError

console = Console()
err_console = Console(stderr=True)


def handle_errors(func: Callable[..., Any]) -> Callable[..., Any]:
    """Turn Huati errors into a one-line Chinese message and the error's exit code."""
    if getattr(func, "_huati_wrapped", False):
        return func

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            func(*args, **kwargs)
            return None  # the root group reads an int result as an exit code
        except HuatiError as exc:
            user_error(exc, exit_=False)
            raise typer.Exit(exc.exit_code) from None
        except KeyboardInterrupt:
            err_console.print("已中断。")
            raise typer.Exit(130) from None

    wrapper._huati_wrapped = True  # type: ignore[attr-defined]
    return wrapper


def wrap_commands(app: typer.Typer) -> None:
    """Apply `handle_errors` to every command of `app` and its sub-apps."""
    for info in app.registered_commands:
        if info.callback is not None:
            info.callback = handle_errors(info.callback)
    for group in app.registered_groups:
        if group.typer_instance is not None:
            wrap_commands(group.typer_instance)


def user_error(exc: HuatiError, exit_: bool = True) -> None:
    """Print a Huati error as one Chinese line (and exit with its code)."""
    err_console.print(f"[bold red]错误：[/]{escape(str(exc))}", highlight=False, soft_wrap=True)
    if exit_:
        sys.exit(exc.exit_code)


def internal_error(exc: BaseException) -> None:
    err_console.print(
        f"[bold red]内部错误：[/]{type(exc).__name__}: {escape(str(exc))}", highlight=False, soft_wrap=True
    )
    err_console.print("请把这条信息和所用命令一起报告给维护者。")
    sys.exit(1)
