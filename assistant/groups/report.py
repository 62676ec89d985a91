"""The group report: the same charts and tables as HTML (a page fragment for the web page, a whole document
for `huati report`) and as Markdown with the charts as SVG files beside it."""

from __future__ import annotations

from collections.abc import Callable
from html import escape
from pathlib import Path
from typing import Any

from assistant.drafting.learning import TYPE_NAMES
from assistant.groups import charts
from assistant.groups.summary import summary_lines

CSS = """body{font-family:"Noto Sans CJK SC","PingFang SC","Microsoft YaHei",sans-serif;max-width:960px;margin:24px auto;
padding:0 16px;color:#212529}table{border-collapse:collapse;margin:8px 0 16px}td,th{border:1px solid #dee2e6;
padding:4px 8px;text-align:left}.chart svg{max-width:100%;height:auto}.note{color:#495057}"""


def render_charts(s: dict[str, Any]) -> dict[str, str]:
    name = f"huati-{s['group']}"
    base = s["learned"]["base"]["mean"] if s["learned"]["base"] else None
    return {
        "heatmap": charts.heat_map(s["heat"], name),
        "replies": charts.replies_over_time(s["posts"], name),
        "types": charts.types_ranked(s["learned"]["types"], base, name),
        "hours": charts.best_hours(s["by_hour"], name),
    }


SECTIONS = (
    ("heatmap", "什么时候有人在聊"),
    ("hours", "最佳时段"),
    ("replies", "每个话题的回复"),
    ("types", "哪类话题回复多"),
)


def _table(head: list[str], rows: list[list[Any]]) -> str:
    cells = "".join(f"<th>{escape(h)}</th>" for h in head)
    body = "".join("<tr>" + "".join(f"<td>{escape(str(c))}</td>" for c in row) + "</tr>" for row in rows)
    return f"<table><thead><tr>{cells}</tr></thead><tbody>{body}</tbody></table>"


def _tables(s: dict[str, Any]) -> dict[str, tuple[list[str], list[list[Any]]]]:
    learned = s["learned"]
    return {
        "hours": (
            ["时段", "每周约多少条"],
            [[f"{b['weekday']} {b['hour']}", b["messages"]] for b in s["best_times"]],
        ),
        "replies": (
            ["日期", "话题", "类型", "回复", "来源"],
            [
                [
                    p["date"],
                    p["text"],
                    TYPE_NAMES.get(p["type"], p["type"]),
                    p["replies"],
                    "群聊记录" if p["source"] == "import" else "运营记录",
                ]
                for p in s["posts"]
            ],
        ),
        "types": (
            ["类型", "估计回复数", "95% 区间", "发过", "这个群的平均", "先验（别的群）"],
            [
                [r["label"], r["mean"], f"{r['low']}–{r['high']}", r["posted"], r["average"], r["prior"]]
                for r in learned["types"]
            ],
        ),
    }


def fragment(
    s: dict[str, Any], svgs: dict[str, str] | None = None, chart_url: Callable[[str], str] | None = None
) -> str:
    """The report as an HTML fragment. With `chart_url`, each chart is an image at that address (the web page:
    its content policy allows no inline styles, which SVG drawings carry); else the SVG is inline."""
    svgs = {} if chart_url else (svgs or render_charts(s))
    tables = _tables(s)
    parts = [f'<section class="group-report" data-group="{escape(s["group"])}">']
    parts.append(f"<h2>群 {escape(s['group'])} 的报告（{escape(s['since'])} 到 {escape(s['until'])}）</h2>")
    parts += [f'<p class="note">{escape(line)}</p>' for line in summary_lines(s)]
    for key, title in SECTIONS:
        chart = (
            f'<img class="chart-img" alt="{escape(title)}" src="{escape(chart_url(key))}">'
            if chart_url
            else svgs[key]
        )
        parts.append(f'<h3>{title}</h3><div class="chart" data-chart="{key}">{chart}</div>')
        if key in tables and tables[key][1]:
            parts.append(_table(*tables[key]))
    if s["regulars"]:
        parts.append("<h3>常客</h3>")
        parts.append(
            _table(
                ["成员（名字已加密）", "说话天数", "消息数"],
                [[r["member"], r["days"], r["messages"]] for r in s["regulars"]],
            )
        )
    parts.append("</section>")
    return "\n".join(parts)


def document(s: dict[str, Any], svgs: dict[str, str] | None = None) -> str:
    return (
        f'<!doctype html><html lang="zh-CN"><head><meta charset="utf-8"><title>群 {escape(s["group"])} 的报告</title>'
        f"<style>{CSS}</style></head><body>{fragment(s, svgs)}</body></html>\n"
    )


def _md_cell(value: Any) -> str:
    return str(value).replace("|", "｜").replace("\n", " ")


def markdown(s: dict[str, Any]) -> str:
    tables = _tables(s)
    lines = [f"# 群 {s['group']} 的报告（{s['since']} 到 {s['until']}）", ""]
    lines += [f"> {line}" for line in summary_lines(s)] + [""]
    for key, title in SECTIONS:
        lines += [f"## {title}", "", f"![{title}]({key}.svg)", ""]
        if key in tables and tables[key][1]:
            head, rows = tables[key]
            lines += ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
            lines += ["| " + " | ".join(_md_cell(c) for c in row) + " |" for row in rows]
            lines.append("")
    if s["regulars"]:
        lines += ["## 常客", "", "| 成员（名字已加密） | 说话天数 | 消息数 |", "|---|---|---|"]
        lines += [f"| {r['member']} | {r['days']} | {r['messages']} |" for r in s["regulars"]]
    return "\n".join(lines) + "\n"


def write_report(s: dict[str, Any], folder: Path) -> tuple[Path, Path]:
    """report.html (charts inline) and report.md (charts as SVG files in the same folder)."""
    folder.mkdir(parents=True, exist_ok=True)
    svgs = render_charts(s)
    for key, svg in svgs.items():
        (folder / f"{key}.svg").write_text(svg, encoding="utf-8")
    html, md = folder / "report.html", folder / "report.md"
    html.write_text(document(s, svgs), encoding="utf-8")
    md.write_text(markdown(s), encoding="utf-8")
    return html, md
