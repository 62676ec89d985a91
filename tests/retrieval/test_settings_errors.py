"""Bad settings and an unusable HUATI_HOME are a ConfigError naming the variable, never 内部错误."""

import subprocess
import sys

import pytest
from typer.testing import CliRunner

from assistant.cli.main import app
from assistant.errors import ConfigError
from assistant.settings import get_settings, reset_settings

runner = CliRunner()


@pytest.fixture
def env(huati_env, monkeypatch):
    yield monkeypatch
    reset_settings()


@pytest.mark.parametrize(
    ("var", "value", "expected"),
    [
        (
            "HUATI_EMBEDDING_PROVIDER",
            "bogus",
            "HUATI_EMBEDDING_PROVIDER: 只能是 usem / hash / openai（当前值：bogus）",
        ),
        ("HUATI_TREND_WINDOW_DAYS", "abc", "HUATI_TREND_WINDOW_DAYS: 应为整数（当前值：abc）"),
        ("HUATI_TREND_WINDOW_DAYS", "99", "HUATI_TREND_WINDOW_DAYS: 应不大于 60"),
        ("HUATI_LLM_TIMEOUT", "0", "HUATI_LLM_TIMEOUT: 应大于 0"),
        ("HUATI_LLM_STRUCTURED_METHOD", "xml", "只能是 json_schema / function_calling / json_mode / prompt"),
    ],
)
def test_bad_setting_names_the_variable(env, var, value, expected):
    env.setenv(var, value)
    reset_settings()
    with pytest.raises(ConfigError) as info:
        get_settings()
    assert expected in info.value.message
    result = runner.invoke(app, ["search", "冬至", "--kind", "cases"])
    assert result.exit_code == ConfigError.exit_code
    assert expected in result.output and "内部错误" not in result.output
    assert "Input should" not in result.output and "pydantic" not in result.output


def test_several_bad_settings_in_one_message(env):
    env.setenv("HUATI_LLM_MAX_RETRIES", "many")
    env.setenv("HUATI_API_RATE_LIMIT", "0")
    reset_settings()
    with pytest.raises(ConfigError) as info:
        get_settings()
    assert "HUATI_LLM_MAX_RETRIES: 应为整数" in info.value.message
    assert "HUATI_API_RATE_LIMIT: 应不小于 1" in info.value.message


@pytest.mark.parametrize("below", [False, True])
def test_home_that_is_a_file(env, tmp_path, below):
    blocker = tmp_path / "plain-file"
    blocker.write_text("x", encoding="utf-8")
    home = blocker / "home" if below else blocker
    env.setenv("HUATI_HOME", str(home))
    reset_settings()
    for args in (["search", "冬至"], ["ingest", "-q"], ["history"]):
        result = runner.invoke(app, args)
        assert result.exit_code == ConfigError.exit_code, (args, result.output)
        assert "HUATI_HOME 不可用" in result.output and str(blocker) in result.output
        assert "内部错误" not in result.output


def test_console_script_prints_one_chinese_line(tmp_path):
    env = {"PATH": "/usr/bin:/bin", "HUATI_EMBEDDING_PROVIDER": "bogus", "HUATI_HOME": str(tmp_path / "h")}
    proc = subprocess.run(
        [sys.executable, "-m", "assistant.cli.main", "search", "冬至"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == ConfigError.exit_code
    lines = [line for line in proc.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("错误：配置有误：HUATI_EMBEDDING_PROVIDER")
