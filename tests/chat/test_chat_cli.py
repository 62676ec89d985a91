"""`huati chat`: one-shot -m, REPL commands, resume with --session, errors with exit codes."""

from __future__ import annotations

import re

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
