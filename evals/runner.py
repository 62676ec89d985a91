"""`huati eval run`: draft a plan for every request, check every topic, compute metrics and gates.

Drafting goes through `assistant.drafting.adraft_plan(PlanRequest(...), save=False)` with bounded
concurrency (asyncio + semaphore), so LLM calls go out concurrently, never one by one.
"""

from __future__ import annotations

import asyncio
import statistics
import time
import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from assistant.checks import CHECK_NAMES, run_checks, versions
from assistant.errors import ConfigError, HuatiError, InputError
from assistant.llm.choice import Mode
from assistant.models import DailyPlan, PlanRequest
from evals.datasets import DraftRequestCase, load_requests
from evals.plan_quality import plan_facts, plan_metrics
from evals.thresholds import gates, load_thresholds

if TYPE_CHECKING:
    from langchain_core.language_models import BaseChatModel

SCHEMA_VERSION = 1
TOP_K = 3
__all__ = ["gates", "load_thresholds", "metrics", "run_eval", "write_run"]

DraftFn = Callable[[PlanRequest], Awaitable[DailyPlan]]


def default_draft_fn(chat_model: BaseChatModel | None = None) -> DraftFn:
    from assistant.drafting import adraft_plan

    async def draft(request: PlanRequest) -> DailyPlan:
        kwargs: dict[str, Any] = {"save": False}
        if chat_model is not None:
            kwargs["chat_model"] = chat_model
        return await adraft_plan(request, **kwargs)

    return draft


def _request(case: DraftRequestCase, engine: Mode) -> PlanRequest:
    return PlanRequest(
        product=case.product,
        date=case.date,
        audience=case.audience,
        trend=case.trend,
        category=case.category or None,
        points=case.points,
        n=TOP_K,
        engine=engine,
    )


def _check_plan(case: DraftRequestCase, plan: DailyPlan) -> list[dict[str, Any]]:
    topics = []
    for rank, topic in enumerate(plan.topics[:TOP_K], start=1):
        text = topic.text
        report = run_checks(
            text, plan.product, audience=plan.audience, date=plan.date, trend=case.trend or None
        )
        checks = {}
        for name, result in report.checks.items():
            checks[name] = {
                "pass": result.passed,
                "score": result.score,
                "reasons": result.reasons,
                "spans": result.details.get("spans", []),
            }
        topics.append(
            {
                "rank": rank,
                "id": topic.id,
                "text": text,
                "type": str(topic.type),
                "pattern": topic.pattern,
                "pass": report.passed,
                "score": report.score,
                "checks": checks,
                "failed_spans": [s for ch in checks.values() if not ch["pass"] for s in ch["spans"]],
            }
        )
    return topics


async def _judge_topics(
    case: DraftRequestCase,
    plan: DailyPlan,
    topics: list[dict[str, Any]],
    judge_model: Any,
    sem: asyncio.Semaphore,
) -> None:
    """Add the LLM judge's verdict per dimension to each topic (calls run concurrently)."""
    from assistant.checks.judge import ajudge

    async def one(topic: dict[str, Any], dim: str) -> None:
        async with sem:
            try:
                result = await ajudge(
                    dim,
                    topic["text"],
                    plan.product,
                    audience=plan.audience,
                    trends=case.trend,
                    chat_model=judge_model,
                )
            except HuatiError as exc:  # one malformed reply is recorded, the rest of the run goes on
                topic.setdefault("judge_errors", {})[dim] = exc.message
                return
        topic.setdefault("judge", {})[dim] = {
            "pass": result.passed,
            "score": result.score,
            "reasons": result.reasons,
            "model": result.details["model"],
            "cached": result.details["cached"],
        }

    await asyncio.gather(*(one(t, d) for t in topics for d in CHECK_NAMES))


async def _run_cases(
    cases: list[DraftRequestCase],
    engine: Mode,
    draft: DraftFn,
    concurrency: int,
    advance: Callable[[], None],
    judge_model: Any = None,
) -> list[dict[str, Any]]:
    sem = asyncio.Semaphore(max(1, concurrency))
    judge_sem = asyncio.Semaphore(max(1, concurrency) * 2)

    async def one(case: DraftRequestCase) -> dict[str, Any]:
        async with sem:
            started = time.perf_counter()
            out: dict[str, Any] = {"id": case.id, "request": case.model_dump(mode="json")}
            try:
                plan = await draft(_request(case, engine))
                out.update(
                    engine=plan.engine,
                    model=plan.model,
                    fallback_reason=plan.fallback_reason,
                    prompt_versions=plan.prompt_versions,
                    product=plan.product.name,
                    topics=_check_plan(case, plan),
                    plan=plan_facts(out["request"], plan),
                    error=None,
                )
            except Exception as exc:  # one broken case must not end the run
                out.update(engine=engine, model=None, topics=[], error=f"{type(exc).__name__}: {exc}")
                plan = None
            out["seconds"] = round(time.perf_counter() - started, 3)
        if plan is not None and judge_model is not None:  # outside the drafting slot
            try:
                await _judge_topics(case, plan, out["topics"], judge_model, judge_sem)
            except HuatiError as exc:
                out["judge_error"] = f"{type(exc).__name__}: {exc}"
        advance()
        return out

    return list(await asyncio.gather(*(one(c) for c in cases)))


def metrics(cases: list[dict[str, Any]]) -> dict[str, Any]:
    topics = [t for c in cases for t in c["topics"]]
    ok_cases = [c for c in cases if not c.get("error")]
    out: dict[str, Any] = {
        "cases": len(cases),
        "topics": len(topics),
        "case_success_rate": len(ok_cases) / len(cases) if cases else 0.0,
        "all_checks_pass_rate": sum(t["pass"] for t in topics) / len(topics) if topics else 0.0,
        "top1_pass_rate": (
            sum(bool(c["topics"]) and c["topics"][0]["pass"] for c in ok_cases) / len(ok_cases)
            if ok_cases
            else 0.0
        ),
    }
    for name in CHECK_NAMES:
        out[f"{name}_pass_rate"] = (
            sum(t["checks"][name]["pass"] for t in topics) / len(topics) if topics else 0.0
        )
        out[f"{name}_mean_score"] = (
            statistics.fmean(t["checks"][name]["score"] for t in topics) if topics else 0.0
        )
        judged = [t for t in topics if name in t.get("judge", {})]
        if judged:
            out[f"judge_{name}_pass_rate"] = sum(t["judge"][name]["pass"] for t in judged) / len(judged)
            agree = sum(t["judge"][name]["pass"] == t["checks"][name]["pass"] for t in judged)
            out[f"judge_{name}_agreement"] = agree / len(judged)
    if any("judge" in t or "judge_errors" in t for t in topics) or any(c.get("judge_error") for c in cases):
        failed = sum(len(t.get("judge_errors", {})) for t in topics)
        failed += sum(len(CHECK_NAMES) * len(c["topics"]) for c in cases if c.get("judge_error"))
        calls = failed + sum(len(t.get("judge", {})) for t in topics)
        out["judge_errors"] = failed
        out["judge_calls"] = calls
        # a broken judge (a fake or unreachable endpoint) must never let a run pass: see thresholds.yaml
        out["judge_error_rate"] = failed / calls if calls else 1.0
    out.update(plan_metrics(cases))
    seconds = sorted(c["seconds"] for c in cases)
    if seconds:
        out["draft_seconds_p50"] = statistics.median(seconds)
        out["draft_seconds_p95"] = seconds[min(len(seconds) - 1, int(round(0.95 * (len(seconds) - 1))))]
    return out


def run_eval(
    dataset: str | Path | None = None,
    *,
    engine: str = "offline",
    out_dir: Path | None = None,
    concurrency: int = 4,
    draft: DraftFn | None = None,
    thresholds_path: Path | None = None,
    progress: Callable[[int, int], None] | None = None,
    judge_model: Any = None,
) -> dict[str, Any]:
    """Run the eval and write results.json, report.html and report.md to `out_dir`."""
    if engine not in ("offline", "llm"):
        raise InputError(f"未知的引擎：{engine}（可选 offline、llm）", field="engine")
    mode: Mode = "llm" if engine == "llm" else "offline"
    if engine == "llm":
        from assistant.settings import get_settings

        if not get_settings().llm_configured:
            raise ConfigError("--engine llm 需要先配置 HUATI_LLM_BASE_URL / HUATI_LLM_API_KEY")
    thresholds = load_thresholds(thresholds_path)  # validated before any drafting (exit 2 when bad)
    cases = load_requests(dataset)  # path:line errors, unknown audiences included
    draft = draft or default_draft_fn()
    done = 0

    def advance() -> None:
        nonlocal done
        done += 1
        if progress:
            progress(done, len(cases))

    started = time.perf_counter()
    results = asyncio.run(_run_cases(cases, mode, draft, concurrency, advance, judge_model))
    wall = time.perf_counter() - started
    values = metrics(results)
    values["wall_seconds"] = round(wall, 3)
    splits = sorted({c["request"].get("split") for c in results if c["request"].get("split")})
    by_split = {s: metrics([c for c in results if c["request"].get("split") == s]) for s in splits}
    evaluated = gates(values, engine, thresholds)
    models = sorted({c["model"] for c in results if c.get("model")})
    prompt_versions: dict[str, str] = {}
    for c in results:
        prompt_versions.update(c.get("prompt_versions") or {})
    run = {
        "schema_version": SCHEMA_VERSION,
        "run_id": datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ") + "-" + uuid.uuid4().hex[:6],
        "created_at": datetime.now(UTC).isoformat(),
        "dataset": str(dataset) if dataset else "evals/datasets/draft_requests.jsonl",
        "engine": engine,
        "engines_used": sorted({c["engine"] for c in results if c.get("engine")}),
        "models": models,
        "prompt_versions": prompt_versions,
        "check_versions": versions(),
        "judge": _judge_info(judge_model),
        "concurrency": concurrency,
        "metrics": values,
        "splits": by_split,
        "thresholds": evaluated,
        "passed": all(g["passed"] for g in evaluated),
        "cases": results,
    }
    if out_dir is not None:
        write_run(run, out_dir)
    return run


def _judge_info(judge_model: Any) -> dict[str, Any] | None:
    if judge_model is None:
        return None
    from assistant.checks.judge import prompt_versions

    name = getattr(judge_model, "model_name", None) or getattr(judge_model, "model", None)
    return {
        "model": name if isinstance(name, str) else type(judge_model).__name__,
        "prompt_versions": prompt_versions(),
    }


def write_run(run: dict[str, Any], out_dir: Path) -> dict[str, Path]:
    import json

    from evals.report import write_reports

    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / "results.json"
    path.write_text(json.dumps(run, ensure_ascii=False, indent=2), encoding="utf-8")
    scores = {
        name: [t["checks"][name]["score"] for c in run["cases"] for t in c["topics"]] for name in CHECK_NAMES
    }
    paths = write_reports(out_dir, "report", {"r": run, "scores": scores, "checks": CHECK_NAMES})
    return {"json": path, **paths}
