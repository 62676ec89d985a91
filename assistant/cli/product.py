"""`huati product explain NAME`: how Huati reads a product (type, nature, scenes, confidence and why)."""

from __future__ import annotations

import json
import re
from typing import TYPE_CHECKING, Annotated

import typer

from assistant.cli.common import console

if TYPE_CHECKING:
    from assistant.products.explain import ProductExplanation


def _points(text: str | None) -> list[str]:
    return [p.strip() for p in re.split(r"[,，、;；]", text or "") if p.strip()]


def _show(found: ProductExplanation) -> None:
    from rich.markup import escape
    from rich.table import Table

    from assistant.products.occasions import load_occasions
    from assistant.products.vocab import CLAIM_RISK_LABELS, NATURE_LABELS, SEASON_LABELS, USER_LABELS

    p = found.profile
    themes = load_occasions().themes
    colour = "yellow" if found.low_confidence else "green"
    console.print(f"[bold]{escape(p.name)}[/]  [{colour}]{escape(found.why[0])}[/]", highlight=False)
    rows = [
        ("话题里的叫法", p.noun),
        ("类型", f"{p.type_name}（{p.type_id}）" if p.type_id else p.type_name),
        ("大类", p.category or "—"),
        ("性质", NATURE_LABELS[p.nature] if p.nature else "不明"),
        ("给谁用", "、".join(USER_LABELS[u] for u in p.users) or "—"),
        ("动词 / 量词", f"{p.verb} / {p.unit}"),
        ("使用场景", "、".join(p.scenes)),
        ("常见的麻烦", "、".join(p.pains)),
        ("二选一", "、".join(f"{a}还是{b}" for a, b in p.debates)),
        ("平时用什么代替", "、".join(p.alternatives) or "—"),
        ("适合的由头", "、".join(themes[t].label for t in p.themes) or "—"),
        (
            "季节",
            "、".join(SEASON_LABELS[s] for s in p.seasons)
            + (f"（{'、'.join(map(str, p.months))}月）" if p.months else ""),
        ),
        ("宣传要求按", CLAIM_RISK_LABELS[p.claim_risk]),
        ("卖点", "、".join(m.point + (f"→{m.entry.pain}" if m.entry else "") for m in p.points) or "—"),
    ]
    table = Table(show_header=False, box=None, pad_edge=False)
    table.add_column(style="bold cyan", no_wrap=True)
    table.add_column(overflow="fold")
    for label, value in rows:
        table.add_row(label, escape(value or "—"))
    console.print(table)
    if found.matches:
        matches = Table(title="可能的类型", title_justify="left")
        for col in ("类型", "大类", "分数", "认出的词", "怎么认出来的"):
            matches.add_column(col)
        for m in found.matches:
            mark = "✓ " if m.chosen else ""
            matches.add_row(
                mark + escape(m.type_name), escape(m.category), f"{m.score:.2f}", escape(m.word), m.how
            )
        console.print(matches)
    console.print("[bold]为什么[/]")
    for line in found.why[1:]:
        console.print(f"  · {escape(line)}", highlight=False)
    for hint in found.hints:
        console.print(f"[yellow]提示：{escape(hint)}[/]", highlight=False)


def explain_cmd(
    name: Annotated[str, typer.Argument(help="商品名，例如：加厚防滑儿童雨靴")],
    category: Annotated[str | None, typer.Option("--category", "-c", help="品类，例如：童装")] = None,
    points: Annotated[str | None, typer.Option("--points", help='卖点，逗号分隔："防滑,加厚"')] = None,
    as_json: Annotated[bool, typer.Option("--json", help="输出 JSON")] = False,
) -> None:
    """看看 Huati 怎么理解一个商品：类型、性质、场景、把握和理由。"""
    from assistant.products.explain import explain

    found = explain(name, category, _points(points))
    if as_json:
        typer.echo(json.dumps(found.model_dump(mode="json"), ensure_ascii=False, indent=2))
        return
    _show(found)


def register(app: typer.Typer) -> None:
    product = typer.Typer(help="商品理解：看看 Huati 怎么理解一个商品。", no_args_is_help=True)
    product.command("explain")(explain_cmd)
    app.add_typer(product, name="product")
