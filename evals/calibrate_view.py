"""Rich tables for `huati eval calibrate`: in-house splits, the outside split, list coverage, the second
labeller, the judge and the gate."""

from __future__ import annotations

from typing import Any

from rich.console import Console
from rich.table import Table

NAMES_ZH = {
    "compliance": "合规",
    "low_barrier": "低门槛",
    "relevance": "相关性",
    "tone": "语气",
    "overall": "总体",
}
SPLIT_ZH = {"tune": "调参集", "held_out": "留出集", "all": "全部"}
POSITION_ZH = {"start": "句首", "middle": "句中", "end": "句尾", "question": "问句", "obfuscated": "变形"}


def fmt(value: Any) -> str:
    if value is None:
        return "—"
    if isinstance(value, float):
        return f"{value:.3f}"
    return str(value)


def _agreement_table(title: str, metrics: dict[str, Any], targets: dict[str, float] | None = None) -> Table:
    table = Table(title=title)
    for col in ("检查", "n", "准确率", "κ", "精确率", "召回率", "TP/FN/FP/TN"):
        table.add_column(col)
    for name, m in metrics.items():
        kappa = fmt(m["kappa"])
        target = (targets or {}).get(name)
        if target is not None:
            kappa = f"[{'green' if m['kappa'] >= target else 'red'}]{kappa}[/]（≥{target}）"
        c = m["confusion"]
        table.add_row(
            NAMES_ZH.get(name, name),
            str(m["n"]),
            fmt(m["accuracy"]),
            kappa,
            fmt(m.get("precision")),
            fmt(m.get("recall")),
            f"{c['tp']}/{c['fn']}/{c['fp']}/{c['tn']}",
        )
    return table


def print_inhouse(console: Console, result: dict[str, Any]) -> None:
    for split, note in (("tune", "id 末位 0–6"), ("held_out", "id 末位 7–9"), ("all", "")):
        title = (
            f"内部标注集 · {SPLIT_ZH[split]}{f'（{note}）' if note else ''}：与人工标注的一致性（规则检查）"
        )
        console.print(_agreement_table(title, result["checks"][split], result["targets"]))


def print_outside(console: Console, outside: dict[str, Any]) -> None:
    from evals.calibrate_outside import KAPPA

    console.print(
        f"外部集：{outside['n']} 条（话题 {outside['sets']['topics']}，词表句 {outside['sets']['lists']}）；"
        f"{outside['split_rule']}。精确率、召回率按“检查不通过”计：召回率 = 人工判不合格的里面被检查拦下的比例。",
        markup=False,
    )
    targets = dict.fromkeys(("compliance", "low_barrier", "relevance", "tone"), KAPPA)
    for split in ("tune", "held_out", "all"):
        console.print(_agreement_table(f"外部集 · {SPLIT_ZH[split]}", outside["checks"][split], targets))
    table = Table(title="外部集 · 词表覆盖率（词 × 位置都被拦下的比例）")
    table.add_column("词表", overflow="fold")
    for col in ("全部", "留出词", *POSITION_ZH.values(), "最低"):
        table.add_column(col)
    for name, entry in outside["coverage"].items():
        cells = [fmt(entry["all"]["coverage"]), fmt(entry["held_out"]["coverage"])]
        cells += [fmt(entry["positions"][p]["coverage"]) for p in POSITION_ZH]
        low = entry["min_position"]
        mark = "green" if entry["meets_target"] else "red"
        table.add_row(name, *cells, f"[{mark}]{fmt(low)}[/]")
    console.print(table)
    table = Table(title="外部集 · 必须满足的目标")
    for col in ("目标", "实际", "结果"):
        table.add_column(col)
    for t in outside["targets"]:
        table.add_row(t["target"], fmt(t["actual"]), "[green]✓[/]" if t["holds"] else "[red]✗[/]")
    console.print(table)
    changes = outside["label_changes"]
    console.print(
        f"标签改动：{len(changes)} 条（evals/datasets/outside/label_changes.jsonl，每条都有理由）。"
    )
    second = outside["second_labeller"]
    if second is None:
        console.print("第二位标注者：还没有 second_labels.jsonl，未计算标注者间一致性。")
        return
    table = Table(title=f"标注者间一致性（第二位标注者 {second['n']} 条）")
    for col in ("维度", "n", "一致率", "Cohen's κ"):
        table.add_column(col)
    for dim, m in second["dimensions"].items():
        table.add_row(dim, str(m["n"]), fmt(m["accuracy"]), fmt(m["kappa"]))
    console.print(table)


def print_judge(console: Console, result: dict[str, Any], asked: bool) -> None:
    judge = result["judge"]
    if not judge:
        if asked:
            console.print("未配置 LLM（HUATI_LLM_BASE_URL / HUATI_LLM_API_KEY），只校准了规则检查。")
        return
    table = Table(title=f"LLM 评判（{judge['model']}）")
    for col in ("检查", "n", "准确率", "κ", "TPR", "TNR"):
        table.add_column(col)
    for name, m in judge["metrics"]["all"].items():
        table.add_row(
            NAMES_ZH[name], str(m["n"]), fmt(m["accuracy"]), fmt(m["kappa"]), fmt(m["tpr"]), fmt(m["tnr"])
        )
    console.print(table)
    if judge["failed"]:
        console.print(
            f"LLM 评判失败 {judge['failed']}/{judge['calls']} 次（回复不是合法 JSON 或调用出错），"
            "这些条目不计入评判的一致性："
            + "；".join(f"{e['id']} {e['check']}" for e in judge["errors"][:5]),
            markup=False,
        )
    else:
        console.print(f"LLM 评判 {judge['calls']} 次，全部成功。")
