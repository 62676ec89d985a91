"""Calibration: how well each check (and the LLM judge, when configured) agrees with the human labels.

In-house labels (`labelled_topics.jsonl`) per split: `tune` (ids ending 0-6, used to tune the word lists) and
`held_out` (7-9), and `all`; the outside split (`calibrate_outside.py`) separately. The gate: the in-house
targets, and a working judge when one is used (more than 5% failed judge calls fail it: a broken endpoint must
never make a calibration pass). The outside targets are reported with whether each holds.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from assistant.checks import CHECK_NAMES, check_topic, versions
from assistant.errors import HuatiError
from assistant.knowledge import find_audience, resolve_product
from evals.datasets import LABEL_OF, LabelledTopic, load_labelled
from evals.metrics import agreement

if TYPE_CHECKING:
    from langchain_core.language_models import BaseChatModel

TARGETS = {"compliance": 0.9, "low_barrier": 0.7, "relevance": 0.7}
JUDGE_MAX_ERROR_RATE = 0.05
SPLITS = ("tune", "held_out", "all")


def _verdicts(case: LabelledTopic) -> dict[str, Any]:
    report = check_topic(
        case.topic,
        case.product,
        category=case.category,
        audience=case.audience,
        date=case.date,
        trend=case.trend,
    )
    out: dict[str, Any] = {name: report.checks[name] for name in CHECK_NAMES}
    out["overall"] = report
    return out


def _summarise(rows: list[dict[str, Any]], rater: str) -> dict[str, dict[str, Any]]:
    """rows: {"split", "human": {check: bool}, rater: {check: bool}} -> metrics per split and check."""
    names = [*CHECK_NAMES, "overall"]
    out: dict[str, dict[str, Any]] = {}
    for split in SPLITS:
        chosen = [r for r in rows if split == "all" or r["split"] == split]
        out[split] = {
            name: agreement((r["human"][name], r[rater][name]) for r in chosen if name in r[rater])
            for name in names
            if any(name in r[rater] for r in chosen)
        }
    return out


async def _judge_all(
    cases: list[LabelledTopic], chat_model: BaseChatModel, concurrency: int, advance: Callable[[], None]
) -> tuple[dict[str, dict[str, bool]], list[dict[str, str]]]:
    """Judge verdicts per case and dimension, and the replies that failed (one bad reply ends nothing)."""
    from assistant.checks.judge import ajudge

    sem = asyncio.Semaphore(concurrency)
    verdicts: dict[str, dict[str, bool]] = {c.id: {} for c in cases}
    errors: list[dict[str, str]] = []

    async def one(case: LabelledTopic, dim: str) -> None:
        async with sem:
            product = resolve_product(case.product, category=case.category)
            audience = find_audience(case.audience) if case.audience else None
            try:
                result = await ajudge(
                    dim, case.topic, product, audience=audience, trends=case.trend, chat_model=chat_model
                )
                verdicts[case.id][dim] = result.passed
            except HuatiError as exc:
                errors.append({"id": case.id, "check": dim, "error": exc.message})
            advance()

    await asyncio.gather(*(one(c, d) for c in cases for d in CHECK_NAMES))
    for v in verdicts.values():
        if all(d in v for d in CHECK_NAMES):  # overall only when every dimension was judged
            v["overall"] = all(v[d] for d in CHECK_NAMES)
    errors.sort(key=lambda e: (e["id"], e["check"]))
    return verdicts, errors


def calibrate(
    path: str | None = None,
    *,
    judge_model: Any = None,
    concurrency: int = 8,
    progress: Callable[[int, int], None] | None = None,
    outside: bool = True,
    outside_dir: str | None = None,
    second_labels: str | None = None,
) -> dict[str, Any]:
    """Agreement report of the deterministic checks (and the judge when `judge_model` is given)."""
    cases = load_labelled(path)
    total = len(cases) * (1 + (len(CHECK_NAMES) if judge_model is not None else 0))
    done = 0

    def advance() -> None:
        nonlocal done
        done += 1
        if progress:
            progress(done, total)

    rows: list[dict[str, Any]] = []
    disagreements: list[dict[str, Any]] = []
    for case in cases:
        verdicts = _verdicts(case)
        human = {name: getattr(case.labels, LABEL_OF[name]) for name in CHECK_NAMES}
        human["overall"] = case.labels.good
        machine = {name: verdicts[name].passed for name in CHECK_NAMES}
        machine["overall"] = verdicts["overall"].passed
        rows.append({"id": case.id, "split": case.split, "human": human, "checks": machine})
        for name in CHECK_NAMES:
            if human[name] != machine[name]:
                disagreements.append(
                    {
                        "id": case.id,
                        "split": case.split,
                        "check": name,
                        "topic": case.topic,
                        "product": case.product,
                        "human": human[name],
                        "check_pass": machine[name],
                        "score": verdicts[name].score,
                        "reasons": verdicts[name].reasons,
                        "why": case.why,
                    }
                )
        advance()
    result: dict[str, Any] = {
        "dataset": str(path) if path else "evals/datasets/labelled_topics.jsonl",
        "n": len(cases),
        "products": len({c.product for c in cases}),
        "versions": versions(),
        "targets": TARGETS,
        "checks": _summarise(rows, "checks"),
        "disagreements": disagreements,
        "judge": None,
    }
    if judge_model is not None:
        from assistant.checks.judge import prompt_versions
        from assistant.settings import get_settings

        judged, judge_errors = asyncio.run(_judge_all(cases, judge_model, concurrency, advance))
        for row in rows:
            row["judge"] = judged[row["id"]]
        settings = get_settings()
        model = getattr(judge_model, "model_name", None) or getattr(judge_model, "model", None)
        calls = len(cases) * len(CHECK_NAMES)
        result["judge"] = {
            "model": model if isinstance(model, str) else settings.llm_model_name,
            "prompt_versions": prompt_versions(),
            "metrics": _summarise(rows, "judge"),
            "calls": calls,
            "failed": len(judge_errors),
            "error_rate": len(judge_errors) / calls if calls else 1.0,
            "broken": (len(judge_errors) / calls if calls else 1.0) > JUDGE_MAX_ERROR_RATE,
            "errors": judge_errors,
        }
    result["passed_targets"] = {
        split: {name: result["checks"][split][name]["kappa"] >= t for name, t in TARGETS.items()}
        for split in SPLITS
        if result["checks"][split]  # a small dataset may have no held-out ids
    }
    result["meets_targets"] = all(
        result["checks"]["all"][name]["kappa"] >= target for name, target in TARGETS.items()
    )
    if outside:
        from evals.calibrate_outside import calibrate_outside

        result["outside"] = calibrate_outside(outside_dir, second_labels)
    else:
        result["outside"] = None
    result["gate"] = _gate(result)
    return result


def _gate(result: dict[str, Any]) -> dict[str, Any]:
    """Pass/fail of `huati eval calibrate`, with a Chinese line per failure."""
    failures = []
    if not result["meets_targets"]:
        missed = [
            f"{name} κ {result['checks']['all'][name]['kappa']:.2f} < {target}"
            for name, target in TARGETS.items()
            if result["checks"]["all"][name]["kappa"] < target
        ]
        failures.append("内部标注集未达标：" + "、".join(missed))
    judge = result.get("judge")
    if judge and judge["broken"]:
        failures.append(
            f"LLM 评判失败 {judge['failed']}/{judge['calls']} 次（{judge['error_rate']:.0%}）：评判不可用，校准不算通过"
        )
    return {"passed": not failures, "failures": failures}
