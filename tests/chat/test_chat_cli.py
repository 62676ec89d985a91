"""`huati chat`: one-shot -m, REPL commands, resume with --session, errors with exit codes."""

from __future__ import annotations

import os
import re
import subprocess
import sys

from typer.testing import CliRunner

from assistant.chat import sessions
from assistant.cli.main import app

runner = CliRunner()


def _sid(output: str) -> str:
    return re.search(r"对话 ID：([0-9a-f]+)", output)[1]


def test_repl_drafts_revises_and_resumes(chat_env):
    r = runner.invoke(app, ["chat"], input="明天卖空气炸锅，宝妈群，给我两个话题\n/plan\n/quit\n")
    assert r.exit_code == 0, r.output
    sid = _sid(r.output)
    assert "空气炸锅" in r.output and "离线引擎回答" in r.output
    assert r.output.count("推「空气炸锅」") == 2  # the reply, then /plan shows the same plan
    r2 = runner.invoke(app, ["chat", "--session", sid], input="第一个更短\n/history\n")
    assert r2.exit_code == 0, r2.output  # EOF ends the REPL cleanly
    assert "第 1 个改好了" in r2.output
    assert sid in r2.output  # /history lists this conversation
    assert len(sessions.get_session(sid).messages) == 4


def test_repl_new_unknown_command_and_bad_turn(chat_env):
    r = runner.invoke(app, ["chat"], input="/new\n/oops\n第二个更短\n/plan\n/quit\n")
    assert r.exit_code == 0, r.output
    assert "已新建对话" in r.output
    assert "不认识的命令：/oops" in r.output
    assert "还没有方案" in r.output
    assert "再见" in r.output


def test_one_shot_message(chat_env):
    r = runner.invoke(app, ["chat", "-m", "冬至有什么可以聊的"])
    assert r.exit_code == 0, r.output
    assert "离线引擎回答" in r.output


def test_errors_exit_non_zero_in_chinese(chat_env):
    r = runner.invoke(app, ["chat", "--session", "nope", "-m", "你好"])
    assert r.exit_code == 3 and "找不到对话 nope" in r.output
    r = runner.invoke(app, ["chat", "-m", "  "])
    assert r.exit_code == 2 and "消息不能为空" in r.output


def _huati(args: list[str], stdin: bytes, home) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("HUATI_", "COLUMNS"))}
    env["HUATI_HOME"] = str(home)
    code = "from assistant.cli.main import run; run()"
    return subprocess.run(
        [sys.executable, "-c", code, *args], input=stdin, capture_output=True, env=env, timeout=120
    )


def test_undecodable_line_is_skipped_and_the_session_goes_on(chat_env, tmp_path):
    out = _huati(
        ["chat"], "你好\n".encode() + b"\xff\xfe\n" + "冬至有什么可以聊的\n/quit\n".encode(), tmp_path
    )
    assert out.returncode == 0, out.stderr.decode()
    stdout, stderr = out.stdout.decode(), out.stderr.decode()
    assert "不是有效的 UTF-8" in stderr and "内部错误" not in stderr
    assert "「冬至」是" in stdout and "再见" in stdout  # the next line was answered, the session saved


def test_piped_output_keeps_lines_whole(chat_env, tmp_path):
    out = _huati(["chat"], "这句有没有违规？全网最低价，保证有效\n/quit\n".encode(), tmp_path)
    lines = out.stdout.decode().splitlines()
    assert not [line for line in lines if line.strip() == "·"]  # no bullet wrapped away from its text
    assert any(line.startswith("· 合规：不通过——") and len(line) > 80 for line in lines)


def test_help_names_sessions_and_plans(chat_env):
    r = runner.invoke(app, ["chat"], input="明天卖空气炸锅，给我两个话题\n/plans\n/history\n/quit\n")
    assert "/plans 最近方案" in r.output and "/history 最近对话" in r.output
    plan_id = re.search(r"方案 ([a-z0-9]{10})）", r.output)[1]
    plans_part, sessions_part = r.output.split("你> ")[2:4]
    assert plan_id in plans_part and "空气炸锅" in plans_part
    assert _sid(r.output) in sessions_part
