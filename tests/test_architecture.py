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
        if (n := len(p.read_text(encoding="utf-8").splitlines())) > 400
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


# --------------------------------------------------------------------------- layers inside assistant/

# Lower layers first. A module may import its own area and any area of a lower layer, never a higher one.
LAYERS: list[set[str]] = [
    {"errors", "settings", "dates", "models", "progress", "sync"},
    {"llm", "storage"},
    {"knowledge"},
    {"retrieval"},
    {"products"},
    {"checks"},
    {"drafting"},
    {"service", "chat", "groups"},
    {"cli"},
]


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(REPO).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _assistant_graph() -> dict[str, set[str]]:
    """module -> assistant modules it imports (at any depth of the file, lazy imports included)."""
    modules = {_module_name(p): p for p in (REPO / "assistant").rglob("*.py")}
    graph: dict[str, set[str]] = {}
    for name, path in modules.items():
        targets: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                targets.update(a.name for a in node.names if a.name.startswith("assistant"))
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                if not node.module.startswith("assistant"):
                    continue
                for alias in node.names:  # `from assistant.x import y` may name a submodule y
                    sub = f"{node.module}.{alias.name}"
                    targets.add(sub if sub in modules else node.module)
        graph[name] = {t for t in targets if t in modules and t != name}
    return graph


def _area(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else ""


def _layer(area: str) -> int:
    for i, areas in enumerate(LAYERS):
        if area in areas:
            return i
    raise AssertionError(f"assistant/{area} belongs to no layer in tests/test_architecture.py")


def test_every_area_of_assistant_has_a_layer():
    areas = {
        p.name.removesuffix(".py") for p in (REPO / "assistant").iterdir() if not p.name.startswith("__")
    }
    for area in areas:
        _layer(area)


def test_no_module_imports_a_higher_layer():
    upward = sorted(
        f"{src} -> {dst}"
        for src, targets in _assistant_graph().items()
        for dst in targets
        if _area(src) and _area(dst) and _layer(_area(dst)) > _layer(_area(src))
    )
    assert upward == []


def test_no_import_circles_between_modules():
    graph = _assistant_graph()
    # A package's __init__ re-exporting its own modules is its face, not a dependency of theirs.
    edges = {
        src: {dst for dst in targets if not (src.startswith(dst + ".") and dst != "assistant")}
        for src, targets in graph.items()
    }
    state: dict[str, int] = {}
    cycles: list[list[str]] = []

    def visit(node: str, stack: list[str]) -> None:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(edges.get(node, ())):
            if state.get(nxt) == 1:
                cycles.append(stack[stack.index(nxt) :] + [nxt])
            elif nxt not in state:
                visit(nxt, stack)
        stack.pop()
        state[node] = 2

    for node in sorted(edges):
        if node not in state:
            visit(node, [])
    assert cycles == []


# readline is missing on some platforms; the chat works without line editing.
OPTIONAL_IMPORTS = {"assistant/cli/chat.py": "readline"}


def test_no_string_registries_or_swallowed_import_errors():
    """Modules are imported by name: a typo fails loudly instead of silently removing a command or route."""
    offenders = []
    for package in ("assistant", "api", "evals"):
        for p in (REPO / package).rglob("*.py"):
            rel, text = str(p.relative_to(REPO)), p.read_text(encoding="utf-8")
            guarded = text.count("except ImportError") + text.count("except ModuleNotFoundError")
            allowed = 1 if rel in OPTIONAL_IMPORTS and f"import {OPTIONAL_IMPORTS[rel]}" in text else 0
            if "import_module(" in text or guarded > allowed:
                offenders.append(rel)
    assert offenders == []
