"""House rules that can be checked mechanically."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return names


def test_assistant_never_imports_api_or_evals():
    offenders = [
        str(p.relative_to(REPO)) for p in (REPO / "assistant").rglob("*.py") if _imports(p) & {"api", "evals"}
    ]
    assert offenders == []


@pytest.mark.parametrize("package", ["assistant", "api", "evals"])
def test_modules_stay_small(package):
    too_long = {
        str(p.relative_to(REPO)): n
        for p in (REPO / package).rglob("*.py")
        if (n := len(p.read_text(encoding="utf-8").splitlines())) > 450
    }
    assert too_long == {}


def test_top_level_layout():
    allowed = {
        "pyproject.toml",
        "README.md",
        "assistant",
        "prompts",
        "knowledge_base",
        "api",
        "evals",
        "tests",
        "benchmarks",
        "docs",
        ".ci",
        ".git",
        ".gitignore",
        "LICENSE",
    }
    tracked = subprocess.run(
        ["git", "ls-files"], cwd=REPO, capture_output=True, text=True, check=True
    ).stdout.split()
    top = {name.split("/")[0] for name in tracked}
    assert top - allowed == set()


def test_ruff_clean():
    result = subprocess.run(
        [sys.executable, "-m", "ruff", "check", "assistant", "api", "evals", "tests", "benchmarks"],
        cwd=REPO,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_test_module_basenames_are_unique():
    # Test folders are not packages: pytest's default import mode fails collection on a repeated basename.
    seen: dict[str, list[str]] = {}
    for p in (REPO / "tests").rglob("*.py"):
        if p.name != "conftest.py":
            seen.setdefault(p.name, []).append(str(p.relative_to(REPO)))
    assert {name: paths for name, paths in seen.items() if len(paths) > 1} == {}
