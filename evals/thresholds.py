"""Pass/fail gates of `huati eval run` (`evals/thresholds.yaml`), validated before anything is drafted.

A bad file is an InputError `path:line: reason` (exit 2), never a crash after a long run.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from assistant.checks import CHECK_NAMES
from assistant.errors import InputError

DEFAULT = Path(__file__).resolve().parent / "thresholds.yaml"
ENGINES = ("offline", "llm")
OPS = ("min", "max")
# Every metric `runner.metrics` can produce; shares are in [0, 1].
SHARES = (
    "case_success_rate",
    "all_checks_pass_rate",
    "top1_pass_rate",
    *(f"{c}_pass_rate" for c in CHECK_NAMES),
    *(f"{c}_mean_score" for c in CHECK_NAMES),
    *(f"judge_{c}_pass_rate" for c in CHECK_NAMES),
    *(f"judge_{c}_agreement" for c in CHECK_NAMES),
    "judge_error_rate",
    "plan_all_checks_pass_rate",
    "selling_point_use_rate",
    "fitting_hook_use_rate",
    "within_plan_distinct_rate",
)
AMOUNTS = (
    "cases",
    "topics",
    "judge_errors",
    "judge_calls",
    "draft_seconds_p50",
    "draft_seconds_p95",
    "wall_seconds",
    "plans",
    "pattern_fit_violations",
)
METRICS = (*SHARES, *AMOUNTS)


def _line(node: yaml.Node | None) -> int:
    return node.start_mark.line + 1 if node is not None else 1


def _mapping(node: yaml.Node | None) -> dict[str, tuple[yaml.Node, yaml.Node]]:
    if not isinstance(node, yaml.MappingNode):
        return {}
    return {str(k.value): (k, v) for k, v in node.value if isinstance(k, yaml.ScalarNode)}


def load_thresholds(path: Path | str | None = None) -> dict[str, Any]:
    """The gates per engine: {engine: {metric: {"min"|"max": number}}}."""
    path = Path(path) if path else DEFAULT
    if not path.is_file():
        raise InputError(f"找不到阈值文件：{path}", field="thresholds")
    try:
        text = path.read_text(encoding="utf-8")
        node = yaml.compose(text)
        data = yaml.safe_load(text)
    except UnicodeDecodeError as exc:
        raise InputError(f"{path}:1: 阈值文件不是 UTF-8 编码") from exc
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        raise InputError(
            f"{path}:{mark.line + 1 if mark else 1}: YAML 格式错误：{getattr(exc, 'problem', None) or exc}"
        ) from exc
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise InputError(
            f"{path}:1: 阈值文件应是键值对，例如 offline: {{all_checks_pass_rate: {{min: 0.9}}}}"
        )
    nodes = _mapping(node)
    for key, value in data.items():
        key_node, value_node = nodes.get(str(key), (None, None))
        if key == "version":
            continue
        if key not in ENGINES:
            raise InputError(f"{path}:{_line(key_node)}: 未知的引擎 {key}（可选：{'、'.join(ENGINES)}）")
        if value is None:
            continue
        if not isinstance(value, dict):
            raise InputError(f"{path}:{_line(value_node)}: {key} 下应是「指标: {{min|max: 数值}}」")
        _check_engine(path, key, value, _mapping(value_node))
    return data


def _check_engine(
    path: Path, engine: str, rules: dict, nodes: dict[str, tuple[yaml.Node, yaml.Node]]
) -> None:
    for metric, rule in rules.items():
        key_node, value_node = nodes.get(str(metric), (None, None))
        where = f"{path}:{_line(key_node)}"
        if metric not in METRICS:
            raise InputError(f"{where}: 未知的指标 {engine}.{metric}（可用：{'、'.join(METRICS)}）")
        if not isinstance(rule, dict) or not rule:
            raise InputError(f"{where}: {engine}.{metric} 应写成 {{min: 数值}} 或 {{max: 数值}}")
        for op, target in rule.items():
            op_node = _mapping(value_node).get(str(op), (value_node, None))[0]
            at = f"{path}:{_line(op_node)}"
            if op not in OPS:
                raise InputError(f"{at}: {engine}.{metric} 只支持 min / max，不支持 {op}")
            if isinstance(target, bool) or not isinstance(target, int | float):
                raise InputError(f"{at}: {engine}.{metric}.{op} 应是数值，当前是 {target!r}")
            if metric in SHARES and not 0 <= target <= 1:
                raise InputError(f"{at}: {engine}.{metric} 是比例，{op} 应在 0 到 1 之间（当前 {target}）")
            if target < 0:
                raise InputError(f"{at}: {engine}.{metric}.{op} 不能是负数")


def gates(values: dict[str, Any], engine: str, thresholds: dict[str, Any]) -> list[dict[str, Any]]:
    """Every gate of the engine; a judge gate only when the LLM judge was used (its metric exists)."""
    out = []
    for metric, rule in (thresholds.get(engine) or {}).items():
        actual = values.get(metric)
        if metric.startswith("judge_") and actual is None:
            continue
        for op, target in (rule or {}).items():
            ok = actual is not None and (actual >= target if op == "min" else actual <= target)
            out.append({"metric": metric, "op": op, "target": target, "actual": actual, "passed": ok})
    return out
