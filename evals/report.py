"""Report rendering: Markdown and self-contained HTML (jinja2 templates in `evals/templates/`)."""

from __future__ import annotations

from functools import lru_cache
from html import escape
from pathlib import Path
from typing import Any

from markupsafe import Markup

TEMPLATES = Path(__file__).resolve().parent / "templates"
CHECK_ZH = {
    "compliance": "合规",
    "low_barrier": "低门槛",
    "relevance": "相关性",
    "tone": "语气",
    "overall": "总体",
}


@lru_cache(maxsize=1)
def _env():
    from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

    env = Environment(
        loader=FileSystemLoader(str(TEMPLATES)),
        undefined=StrictUndefined,
        autoescape=select_autoescape(["html.j2"]),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["pct"] = pct
    env.filters["num"] = num
    env.globals["zh"] = CHECK_ZH
    env.globals["highlight"] = highlight
    env.globals["histogram"] = histogram
    return env


def pct(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:.1f}%"


def num(value: float | None, digits: int = 3) -> str:
    return "—" if value is None else f"{value:.{digits}f}"


def highlight(text: str, spans: list[list[int]]) -> Markup:
    """HTML of `text` with the given [start, end) spans wrapped in <mark> (overlaps merged)."""
    merged: list[list[int]] = []
    for a, b in sorted((max(0, a), min(len(text), b)) for a, b in spans if b > a):
        if merged and a <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], b)
        else:
            merged.append([a, b])
    out, pos = [], 0
    for a, b in merged:
        out.append(escape(text[pos:a]))
        out.append(f"<mark>{escape(text[a:b])}</mark>")
        pos = b
    out.append(escape(text[pos:]))
    return Markup("".join(out))


def histogram(values: list[float], *, bins: int = 10, width: int = 220, height: int = 60) -> Markup:
    """Inline SVG bar chart of scores in [0, 1]."""
    counts = [0] * bins
    for v in values:
        counts[min(bins - 1, max(0, int(v * bins)))] += 1
    top = max(counts) or 1
    bar = width / bins
    rects = []
    for i, c in enumerate(counts):
        h = (height - 12) * c / top
        x, y = i * bar, height - 12 - h
        rects.append(
            f'<rect x="{x + 1:.1f}" y="{y:.1f}" width="{bar - 2:.1f}" height="{h:.1f}" fill="#4a7dbd">'
            f"<title>{i / bins:.1f}–{(i + 1) / bins:.1f}: {c}</title></rect>"
        )
    labels = (
        f'<text x="0" y="{height - 1}" font-size="9">0</text>'
        f'<text x="{width - 8}" y="{height - 1}" font-size="9">1</text>'
    )
    svg = (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" role="img" '
        f'aria-label="分数分布">{"".join(rects)}{labels}</svg>'
    )
    return Markup(svg)


def render(template: str, **context: Any) -> str:
    return _env().get_template(template).render(**context)


def write_reports(out_dir: Path, stem: str, context: dict[str, Any]) -> dict[str, Path]:
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = {"md": out_dir / f"{stem}.md", "html": out_dir / f"{stem}.html"}
    paths["md"].write_text(render(f"{stem}.md.j2", **context), encoding="utf-8")
    paths["html"].write_text(render(f"{stem}.html.j2", **context), encoding="utf-8")
    return paths
