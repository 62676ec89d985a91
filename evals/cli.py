"""`huati eval run | calibrate | compare` (registered through the `huati.cli` entry point)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer

app = typer.Typer(
    name="eval",
    help="评测：校准检查与人工标注的一致性、批量起草并检查、对比两次评测。",
    no_args_is_help=True,
    add_completion=False,
)

NAMES_ZH = {
    "compliance": "合规",
    "low_barrier": "低门槛",
    "relevance": "相关性",
    "tone": "语气",
    "overall": "总体",
}


def _progress(description: str):
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from assistant.cli.common import err_console

    progress = Progress(
        TextColumn(description), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(), console=err_console
    )
    return progress


def _fmt(value: Any) -> str:
    if value is None:
        return "—"
    if isinstance(value, float):
        return f"{value:.3f}"
    return str(value)


@app.command()
def calibrate(
    dataset: Annotated[Path | None, typer.Option("--dataset", help="内部标注的话题 JSONL")] = None,
    out: Annotated[Path, typer.Option("--out", help="报告输出目录")] = Path("eval-reports"),
    judge: Annotated[bool, typer.Option("--judge/--no-judge", help="配置了 LLM 时也校准 LLM 评判")] = True,
    outside: Annotated[bool, typer.Option("--outside/--no-outside", help="同时在外部集上校准")] = True,
    outside_dir: Annotated[Path | None, typer.Option("--outside-dir", help="外部集目录")] = None,
    second_labels: Annotated[
        Path | None, typer.Option("--second-labels", help="第二位标注者的 JSONL（默认外部集目录下）")
    ] = None,
    concurrency: Annotated[int, typer.Option("--concurrency", min=1, max=64)] = 8,
    as_json: Annotated[bool, typer.Option("--json", help="输出 JSON")] = False,
) -> None:
    """检查与人工标注的一致性：内部集与外部集分开报告 κ、精确率、召回率；词表覆盖率；门槛不过时返回 1。"""
    from assistant.cli.common import console
    from assistant.llm import choose_model
    from assistant.settings import get_settings
    from evals.calibrate import calibrate as run_calibration
    from evals.calibrate_view import print_inhouse, print_judge, print_outside
    from evals.report import write_reports

    judge_model = choose_model(get_settings(), "judge", mode="auto" if judge else "offline").model
    with _progress("校准中") as progress:
        task = progress.add_task("calibrate", total=None)

        def tick(done: int, total: int) -> None:
            progress.update(task, completed=done, total=total)

        result = run_calibration(
            str(dataset) if dataset else None,
            judge_model=judge_model,
            concurrency=concurrency,
            progress=tick,
            outside=outside,
            outside_dir=str(outside_dir) if outside_dir else None,
            second_labels=str(second_labels) if second_labels else None,
        )
    paths = write_reports(out, "calibration", {"r": result})
    (out / "calibration.json").write_text(json.dumps(result, ensure_ascii=False, indent=2), encoding="utf-8")
    if as_json:
        typer.echo(json.dumps(result, ensure_ascii=False))
    else:
        print_inhouse(console, result)
        if result["outside"]:
            print_outside(console, result["outside"])
        print_judge(console, result, judge)
        verdict = "[green]达标[/]" if result["meets_targets"] else "[red]未达标[/]"
        console.print(f"内部集目标（全部样本）：{verdict}；不一致样本 {len(result['disagreements'])} 条。")
        if result["outside"]:
            held = "[green]全部满足[/]" if result["outside"]["meets_targets"] else "[red]有未满足的[/]"
            console.print(f"外部集目标：{held}（见上表，只报告，不计入门槛）。")
        console.print(f"报告：{paths['md']}  {paths['html']}")
    gate = result["gate"]
    if not gate["passed"]:
        for line in gate["failures"]:
            typer.echo(line, err=True)
        typer.echo("校准门槛未通过。", err=True)
        raise typer.Exit(1)


@app.command()
def run(
    dataset: Annotated[
        Path | None,
        typer.Option(
            "--dataset",
            help="起草请求 JSONL（默认 draft_requests.jsonl；也可用 evals/datasets/uncatalogued_products.jsonl，"
            "按 dev / holdout 分开报告）",
        ),
    ] = None,
    engine: Annotated[str, typer.Option("--engine", help="offline 或 llm")] = "offline",
    out: Annotated[Path | None, typer.Option("--out", help="输出目录（默认 eval-runs/<时间>）")] = None,
    concurrency: Annotated[int, typer.Option("--concurrency", min=1, max=64, help="同时起草的请求数")] = 4,
    thresholds: Annotated[Path | None, typer.Option("--thresholds", help="阈值 YAML")] = None,
    judge: Annotated[
        bool, typer.Option("--judge/--no-judge", help="配置了 LLM 时再用 LLM 评判每条话题")
    ] = True,
    as_json: Annotated[bool, typer.Option("--json", help="输出指标 JSON")] = False,
) -> None:
    """为每个请求起草、检查每条话题，写出 results.json 和 report.html；阈值不达标时返回非 0。"""
    from rich.table import Table

    from assistant.cli.common import console
    from assistant.llm import choose_model
    from assistant.settings import get_settings
    from evals.runner import default_draft_fn, run_eval, write_run

    judge_model = choose_model(get_settings(), "judge", mode="auto" if judge else "offline").model
    draft = default_draft_fn()
    with _progress(f"起草并检查（{engine}）") as progress:
        task = progress.add_task("run", total=None)

        def tick(done: int, total: int) -> None:
            progress.update(task, completed=done, total=total)

        result = run_eval(
            dataset,
            engine=engine,
            concurrency=concurrency,
            thresholds_path=thresholds,
            progress=tick,
            draft=draft,
            judge_model=judge_model,
        )
    out = out or Path("eval-runs") / result["run_id"]
    paths = write_run(result, out)
    if as_json:
        typer.echo(
            json.dumps(
                {k: result[k] for k in ("run_id", "engine", "models", "metrics", "thresholds", "passed")},
                ensure_ascii=False,
            )
        )
    else:
        table = Table(
            title=f"评测 {result['run_id']}：引擎 {engine}，模型 {'、'.join(result['models']) or '—'}"
        )
        for col in ("指标", "要求", "实际", "结果"):
            table.add_column(col)
        for g in result["thresholds"]:
            mark = "[green]✓[/]" if g["passed"] else "[red]✗[/]"
            table.add_row(
                g["metric"], f"{'≥' if g['op'] == 'min' else '≤'} {g['target']}", _fmt(g["actual"]), mark
            )
        console.print(table)
        m = result["metrics"]
        console.print(
            f"{m['cases']} 个请求、{m['topics']} 条话题；四项全过 {m['all_checks_pass_rate']:.1%}；"
            f"用时 {m['wall_seconds']} 秒。结果：{paths['json']}  报告：{paths['html']}"
        )
        for name, values in [("全部", m), *result.get("splits", {}).items()]:
            console.print(plan_line(name, values), markup=False)
        if result["judge"]:
            console.print(
                f"LLM 评判：{result['judge']['model']}，失败 {m.get('judge_errors', 0)} 次", markup=False
            )
    m = result["metrics"]
    if m.get("judge_calls") and m.get("judge_error_rate", 0) > 0.05:
        typer.echo(
            f"LLM 评判失败 {m['judge_errors']}/{m['judge_calls']} 次：评判不可用，本次评测不通过。"
            "检查 HUATI_LLM_BASE_URL / HUATI_LLM_API_KEY，或用 --no-judge 只跑规则检查。",
            err=True,
        )
    if not result["passed"]:
        failed = "、".join(g["metric"] for g in result["thresholds"] if not g["passed"])
        typer.echo(f"阈值未达标：{failed}", err=True)
        raise typer.Exit(1)


def _share(value: Any) -> str:
    return "—" if value is None else f"{value:.1%}"


def plan_line(name: str, m: dict[str, Any]) -> str:
    """One line of plan-level figures for a split (全部 / dev / holdout)."""
    return (
        f"{name}：{m.get('plans', 0)} 份方案，整份四项全过 {_share(m.get('plan_all_checks_pass_rate'))}，"
        f"模式套错性质 {m.get('pattern_fit_violations', 0)} 次，卖点用上 {_share(m.get('selling_point_use_rate'))}，"
        f"用上合适由头 {_share(m.get('fitting_hook_use_rate'))}，话题互不重复 "
        f"{_share(m.get('within_plan_distinct_rate'))}"
    )


def delta_cell(row: dict[str, Any]) -> str:
    """B − A in rich markup: green when the metric got better, red when worse (slower is worse)."""
    if row["delta"] is None:
        return "—"
    colour = {"better": "green", "worse": "red"}.get(row["change"] or "", "white")
    return f"[{colour}]{row['delta']:+.3f}[/]"


@app.command()
def compare(
    run_a: Annotated[Path, typer.Argument(help="第一次评测的目录或 results.json")],
    run_b: Annotated[Path, typer.Argument(help="第二次评测的目录或 results.json")],
    as_json: Annotated[bool, typer.Option("--json", help="输出 JSON")] = False,
) -> None:
    """对比两次评测：每个指标的差值（B − A）。"""
    from rich.table import Table

    from assistant.cli.common import console
    from evals.compare import compare as run_compare

    diff = run_compare(run_a, run_b)
    if as_json:
        typer.echo(json.dumps(diff, ensure_ascii=False))
        return
    table = Table(
        title=f"A={diff['a']['run_id']}（{diff['a']['engine']}）  B={diff['b']['run_id']}（{diff['b']['engine']}）"
    )
    for col in ("指标", "A", "B", "B − A", "方向"):
        table.add_column(col)
    for row in diff["metrics"]:
        hint = {"higher": "越高越好", "lower": "越低越好"}.get(row["better"] or "", "")
        table.add_row(row["metric"], _fmt(row["a"]), _fmt(row["b"]), delta_cell(row), hint)
    console.print(table)
    if diff["changed_cases"]:
        console.print(
            "通过条数有变化的请求："
            + "，".join(f"{c['id']} {c['a_passing']}→{c['b_passing']}" for c in diff["changed_cases"])
        )


if __name__ == "__main__":  # `python -m evals.cli run|calibrate|compare`, the same as `huati eval …`
    app()
