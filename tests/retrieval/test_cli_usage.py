"""Every CLI usage error is one Chinese line on stderr with exit 2; --help keeps working."""

import re
import subprocess
import sys

import pytest
import typer
from typer.testing import CliRunner

from assistant.cli.main import app

runner = CliRunner()
ENGLISH = re.compile(r"Usage:|Error|Invalid value|Missing|No such|Try '|requires|Input should")


def _commands(group=None, path=()):
    group = group or typer.main.get_command(app)
    ctx = typer.Context(group)
    for name in group.list_commands(ctx):
        command = group.get_command(ctx, name)
        if hasattr(command, "list_commands"):
            yield from _commands(command, (*path, name))
        else:
            yield (*path, name)


ALL = sorted(_commands())


def _one_chinese_line(result):
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("错误：") and not ENGLISH.search(lines[0]), lines[0]
    return lines[0]


def test_the_walk_finds_the_commands():
    assert {("search",), ("ingest",), ("calendar",), ("trends", "import"), ("keys", "create")} <= set(ALL)


@pytest.mark.parametrize("path", ALL, ids=" ".join)
def test_unknown_option_on_every_command(path):
    result = runner.invoke(app, [*path, "--no-such-option-xyz"])
    assert result.exit_code == 2
    assert "没有这个选项：--no-such-option-xyz" in _one_chinese_line(result)


@pytest.mark.parametrize("path", ALL, ids=" ".join)
def test_help_on_every_command(path):
    result = runner.invoke(app, [*path, "--help"])
    assert result.exit_code == 0 and "Usage" in result.stdout and result.stderr == ""


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["search", "冬至", "-k", "abc"], "-k 的值不对：应为整数（当前值：abc）"),
        (["search", "冬至", "-k"], "选项 -k 后面要跟一个值"),
        (["search"], "缺少参数 QUERY"),
        (["search", "冬至", "extra", "more"], "多余的参数：extra more"),
        (["search", "冬至", "--json=yes"], "选项 --json 不带值"),
        (["calendar", "--days", "1.5"], "--days 的值不对：应为整数（当前值：1.5）"),
        (["nosuchcmd"], "没有这个命令：nosuchcmd。可用命令："),
        (["serch", "冬至"], "是不是想用 search"),
        (["trends", "import"], "缺少参数 FILE"),
        (["keys", "nope"], "没有这个命令：nope。可用命令：create、list、revoke"),
        (["draft"], "缺少参数"),
        (["draft", "牙膏", "-n", "abc"], "-n 的值不对：应为整数"),
    ],
)
def test_usage_errors_in_chinese(args, expected):
    result = runner.invoke(app, args)
    assert result.exit_code == 2, result.output
    line = _one_chinese_line(result)
    assert expected in line, line
    assert result.stdout == ""


def test_help_and_no_args_still_show_help():
    result = runner.invoke(app, ["--help"])
    assert result.exit_code == 0 and "search" in result.stdout and "ingest" in result.stdout
    bare = runner.invoke(app, [])
    assert "Usage" in bare.output and "search" in bare.output


def test_exit_codes_from_commands_are_kept(tiny_kb):
    bad = tiny_kb.kb_dir / "cases" / "bad.md"
    bad.write_text("没有头部\n", encoding="utf-8")
    assert runner.invoke(app, ["ingest", "-q"]).exit_code == 1  # something skipped
    assert runner.invoke(app, ["search", "冬至", "--date", "2026-02-30"]).exit_code == 2
    assert runner.invoke(app, ["search", "冬至", "--kind", "cases"]).exit_code == 0
    assert runner.invoke(app, ["version"]).exit_code == 0


def test_console_entry_point():
    proc = subprocess.run(
        [sys.executable, "-m", "assistant.cli.main", "search", "冬至", "-k", "abc"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 2 and proc.stdout == ""
    assert (
        proc.stderr.strip() == "错误：-k 的值不对：应为整数（当前值：abc）（用 huati search --help 查看用法）"
    )
