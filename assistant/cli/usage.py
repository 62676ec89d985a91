"""Usage errors (unknown command or option, missing or malformed argument) as one Chinese line, exit 2.

Typer 0.29 vendors click (`typer._click`) and converts values with pydantic. `HuatiGroup.main` runs the
parser in non-standalone mode and prints its exceptions itself instead of typer's English boxes.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Sequence
from typing import Any

import typer
from typer._click import exceptions as click_exc
from typer.core import TyperGroup

from assistant.errors import describe_invalid

USAGE_EXIT = 2


def _param_name(param: Any) -> str:
    opts = [o for o in (getattr(param, "opts", None) or []) if o.startswith("-")]
    if opts:
        return " / ".join(opts)
    return str(getattr(param, "name", None) or "参数").upper()


def _commands(ctx: Any) -> list[str]:
    command = getattr(ctx, "command", None)
    if command is None or not hasattr(command, "list_commands"):
        return []
    return [
        n for n in command.list_commands(ctx) if not getattr(command.get_command(ctx, n), "hidden", False)
    ]


def _bad_value(exc: click_exc.BadParameter) -> str:
    name = _param_name(exc.param) if exc.param is not None else "参数"
    cause = exc.__cause__
    errors = cause.errors() if cause is not None and hasattr(cause, "errors") else []
    if errors:
        err = errors[0]
        shown = f"（当前值：{err['input']}）" if isinstance(err.get("input"), str | int | float) else ""
        return f"{name} 的值不对：{describe_invalid(err)}{shown}"
    match = re.match(r"Value (.+) is not a valid (\w+)", exc.message)
    if match:
        return f"{name} 的值不对：{match.group(1)}"
    return f"{name} 的值不对：{exc.message}"


def usage_message(exc: click_exc.ClickException) -> str:
    """The Chinese one-line message for a parser error."""
    ctx = getattr(exc, "ctx", None)
    hint = f"（用 {ctx.command_path} --help 查看用法）" if ctx is not None else "（用 --help 查看用法）"
    if isinstance(exc, click_exc.MissingParameter):
        param = exc.param
        kind = "参数" if getattr(param, "param_type_name", "") == "argument" else "选项"
        help_text = getattr(param, "help", None)
        return f"缺少{kind} {_param_name(param)}" + (f"：{help_text}" if help_text else "") + hint
    if isinstance(exc, click_exc.BadParameter):
        return _bad_value(exc) + hint
    if isinstance(exc, click_exc.NoSuchOption):
        close = f"，是不是想用 {'、'.join(sorted(exc.possibilities))}" if exc.possibilities else ""
        return f"没有这个选项：{exc.option_name}{close}" + hint
    if isinstance(exc, click_exc.BadOptionUsage):
        if "does not take a value" in exc.message:
            return f"选项 {exc.option_name} 不带值" + hint
        return f"选项 {exc.option_name} 后面要跟一个值" + hint
    if isinstance(exc, click_exc.FileError):
        return f"打不开文件 {exc.ui_filename}" + hint
    message = getattr(exc, "message", str(exc))
    match = re.match(r"No such command '(.+?)'\.(?: Did you mean (.+)\?)?", message)
    commands = "、".join(_commands(ctx))
    if match:
        close = (
            f"，是不是想用 {match.group(2).replace(chr(39), '').replace(', ', '、')}"
            if match.group(2)
            else ""
        )
        return f"没有这个命令：{match.group(1)}{close}。可用命令：{commands}"
    if message.startswith("Missing command"):
        return f"缺少子命令，可用：{commands}" + hint
    match = re.match(r"Got unexpected extra argument(?:s|\(s\))? \((.*)\)", message)
    if match:
        return f"多余的参数：{match.group(1)}" + hint
    match = re.match(r"Argument '(.+)' takes (\d+) values", message)
    if match:
        return f"参数 {match.group(1).upper()} 需要 {match.group(2)} 个值" + hint
    return f"用法有误：{message}" + hint


class HuatiGroup(TyperGroup):
    """The root command: parser errors become one Chinese line and exit 2; `--help` is unchanged."""

    def main(
        self,
        args: Sequence[str] | None = None,
        prog_name: str | None = None,
        complete_var: str | None = None,
        standalone_mode: bool = True,
        windows_expand_args: bool = True,
        **extra: Any,
    ) -> Any:
        run: dict[str, Any] = dict(
            prog_name=prog_name, complete_var=complete_var, windows_expand_args=windows_expand_args
        )
        if not standalone_mode:
            return super().main(args, standalone_mode=False, **run, **extra)
        from assistant.cli.common import err_console

        try:
            # Non-standalone: Exit(n) comes back as n; commands return None (handle_errors sees to it).
            code = super().main(args, standalone_mode=False, **run, **extra)
        except click_exc.NoArgsIsHelpError as exc:  # the help has been printed already
            if self.rich_markup_mode is None:
                exc.show()
            sys.exit(exc.exit_code)
        except click_exc.ClickException as exc:
            err_console.print(
                f"[bold red]错误：[/]{_escape(usage_message(exc))}", highlight=False, soft_wrap=True
            )
            sys.exit(USAGE_EXIT)
        except typer.Abort:
            err_console.print("已取消。")
            sys.exit(1)
        sys.exit(code if isinstance(code, int) else 0)


def _escape(text: str) -> str:
    from rich.markup import escape

    return escape(text)
