"""`huati check`: run the four topic checks on one topic or a JSONL file of topics."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer

from assistant.cli.common import console
from assistant.errors import HuatiError, InputError

NAMES_ZH = {"compliance": "合规", "low_barrier": "低门槛", "relevance": "相关性", "tone": "语气"}
FIELDS = ("topic", "product", "category", "audience", "date", "trend")


def _check_one(
    topic: str,
    product: str,
    category: str | None,
    audience: str | None,
    date: str | None,
    trend: list[str],
) -> dict[str, Any]:
    from assistant.checks import run_checks, versions
    from assistant.knowledge import resolve_product

    prod = resolve_product(product, category=category)
    report = run_checks(topic, prod, audience=audience, date=date, trend=trend)
    data = report.model_dump(mode="json", by_alias=True)
    return {
        "pass": data["pass"],
        "score": data["score"],
        "checks": data["checks"],
        "product": {"id": prod.id, "name": prod.name, "ad_hoc": prod.ad_hoc},
        "engine": "offline",
        "model": "huati-rules",
        "versions": versions(),
    }


def _read_jsonl(path: Path) -> list[tuple[int, dict[str, Any]]]:
    if not path.is_file():
        raise InputError(f"找不到文件：{path}", field="file")
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except UnicodeDecodeError as exc:
        raise InputError(f"{path}:1: 文件不是 UTF-8 编码") from exc
    rows: list[tuple[int, dict[str, Any]]] = []
    for no, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError as exc:
            raise InputError(f"{path}:{no}: 不是合法的 JSON（{exc.msg}，第 {exc.colno} 列）") from exc
        if not isinstance(row, dict):
            raise InputError(f'{path}:{no}: 每行应是一个 JSON 对象，例如 {{"topic": ..., "product": ...}}')
        for key in ("topic", "product"):
            if not isinstance(row.get(key), str) or not row[key].strip():
                raise InputError(f"{path}:{no}: 缺少字段 {key}（需要非空字符串）")
        trend = row.get("trend")
        if trend is not None and not isinstance(trend, str | list):
            raise InputError(f"{path}:{no}: trend 应是字符串或字符串列表")
        rows.append((no, row))
    if not rows:
        raise InputError(f"{path}: 文件里没有话题（每行一个 JSON 对象）")
    return rows


def _as_list(trend: Any) -> list[str]:
    if trend is None:
        return []
    return [trend] if isinstance(trend, str) else [str(t) for t in trend]


def _print_rich(topic: str, result: dict[str, Any]) -> None:
    from rich.table import Table
    from rich.text import Text

    text = Text(topic)
    for check in result["checks"].values():
        if not check["pass"]:
            for a, b in check.get("details", {}).get("spans", []):
                text.stylize("bold red underline", a, b)
    verdict = "[bold green]通过[/]" if result["pass"] else "[bold red]不通过[/]"
    product = result["product"]
    console.print(text)
    console.print(
        f"{verdict}  总分 {result['score']:.2f}  商品：{product['name']}"
        f"{'（目录外）' if product['ad_hoc'] else ''}  引擎：offline（规则检查 huati-rules）"
    )
    table = Table(show_lines=True)
    table.add_column("检查")
    table.add_column("结果", justify="center")
    table.add_column("分数", justify="right")
    table.add_column("原因", overflow="fold")
    for name, check in result["checks"].items():
        mark = "[green]✓[/]" if check["pass"] else "[red]✗[/]"
        table.add_row(NAMES_ZH.get(name, name), mark, f"{check['score']:.2f}", "\n".join(check["reasons"]))
    console.print(table)
    rewrite = result["checks"]["compliance"].get("details", {}).get("rewrite")
    if rewrite:
        console.print(f"建议改写（去掉绝对化用语）：{rewrite}")


def check(
    topic: Annotated[str | None, typer.Argument(help="要检查的话题文本")] = None,
    product: Annotated[
        str | None, typer.Option("--product", "-p", help="今天主推的商品（目录外的也行）")
    ] = None,
    category: Annotated[str | None, typer.Option("--category", help="目录外商品的品类")] = None,
    audience: Annotated[str | None, typer.Option("--audience", "-a", help="群类型，例如 宝妈群")] = None,
    date: Annotated[str | None, typer.Option("--date", "-d", help="日期 YYYY-MM-DD")] = None,
    trend: Annotated[list[str] | None, typer.Option("--trend", "-t", help="今天的热点，可写多次")] = None,
    file: Annotated[Path | None, typer.Option("--file", "-f", help="JSONL 文件，每行一个话题")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="输出 JSON")] = False,
) -> None:
    """检查话题：合规、低门槛、相关性、语气。无论是否通过都返回 0，输入有误才返回非 0。"""
    if file is not None:
        if topic is not None:
            raise InputError("--file 和话题文本只能二选一")
        rows = _read_jsonl(file)
        results = []
        for no, row in rows:
            try:
                result = _check_one(
                    row["topic"], row["product"], row.get("category"), row.get("audience"),
                    row.get("date"), _as_list(row.get("trend")),
                )  # fmt: skip
            except HuatiError as exc:
                raise InputError(f"{file}:{no}: {exc}") from exc
            results.append((row["topic"], {"line": no, "topic": row["topic"], **result}))
        for text, result in results:
            if as_json:
                typer.echo(json.dumps(result, ensure_ascii=False))
            else:
                _print_rich(text, result)
        return
    if topic is None or not topic.strip():
        raise InputError('请给出要检查的话题，例如：huati check "你用过美白类牙膏吗？" --product 亮白牙膏')
    if product is None or not product.strip():
        raise InputError("请用 --product 指定今天主推的商品", field="product")
    result = _check_one(topic, product, category, audience, date, trend or [])
    if as_json:
        typer.echo(json.dumps(result, ensure_ascii=False))
    else:
        _print_rich(topic, result)


def register(app: typer.Typer) -> None:
    app.command(name="check")(check)
