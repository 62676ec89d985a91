"""The report's charts, drawn with matplotlib as SVG text.

matplotlib renders offline with no browser, no JavaScript and no network, and its SVG goes both inline into the
HTML page and into files next to the Markdown. Text stays text in the SVG (`svg.fonttype: none`), so Chinese
labels are drawn by whatever CJK font the viewer has; the server needs none (the layout uses one when found).
`Figure` is used directly (no pyplot): no global state, safe in the API's threads."""

from __future__ import annotations

import io
import logging
import warnings
from collections.abc import Sequence
from datetime import date as Date
from datetime import timedelta
from functools import lru_cache
from typing import Any

from assistant.drafting.learning import TYPE_NAMES
from assistant.drafting.rhythm import WEEKDAYS

CJK_FONTS = ("Noto Sans CJK SC", "Source Han Sans SC", "WenQuanYi Zen Hei", "Microsoft YaHei", "PingFang SC")
ACCENT, MUTED = "#d9480f", "#adb5bd"


@lru_cache(maxsize=1)
def _fonts() -> list[str]:
    from matplotlib import font_manager

    logging.getLogger("matplotlib.font_manager").setLevel(logging.ERROR)
    have = {f.name for f in font_manager.fontManager.ttflist}
    return [name for name in CJK_FONTS if name in have] + list(CJK_FONTS) + ["DejaVu Sans", "sans-serif"]


def _svg(fig: Any, name: str) -> str:
    import matplotlib

    buf = io.StringIO()
    with matplotlib.rc_context({"svg.fonttype": "none", "svg.hashsalt": name}), warnings.catch_warnings():
        warnings.simplefilter("ignore")  # glyphs missing from the layout font on a server without CJK fonts
        fig.savefig(buf, format="svg", bbox_inches="tight", metadata={"Date": None})
    text = buf.getvalue()
    return text[text.index("<svg") :]  # inline-able: no XML declaration or doctype


def _figure(width: float, height: float) -> Any:
    import matplotlib
    from matplotlib.figure import Figure

    with matplotlib.rc_context({"font.family": _fonts()}):
        fig = Figure(figsize=(width, height), dpi=100)
    fig.set_layout_engine("constrained")
    return fig


def _styled(draw: Any) -> Any:
    import matplotlib

    def run(*args: Any, **kwargs: Any) -> str:
        with (
            matplotlib.rc_context(
                {
                    "font.family": _fonts(),
                    "font.size": 9,
                    "axes.spines.top": False,
                    "axes.spines.right": False,
                }
            ),
            warnings.catch_warnings(),
        ):
            warnings.simplefilter("ignore")
            return draw(*args, **kwargs)

    return run


@_styled
def heat_map(heat: Sequence[Sequence[float]], name: str) -> str:
    """Hour × weekday: average messages per week in each hour."""
    fig = _figure(8.0, 3.0)
    ax = fig.add_subplot()
    image = ax.imshow(heat, aspect="auto", cmap="Oranges", interpolation="nearest")
    ax.set_yticks(range(7), [f"周{d}" for d in WEEKDAYS])
    ax.set_xticks(range(0, 24, 2), [f"{h}点" for h in range(0, 24, 2)])
    ax.set_title("每周各时段的消息数（周平均）")
    fig.colorbar(image, ax=ax, shrink=0.9, label="条/小时")
    return _svg(fig, name + "-heat")


@_styled
def replies_over_time(posts: Sequence[dict[str, Any]], name: str) -> str:
    """Each posted topic's replies by date, one colour per topic type."""
    import matplotlib.dates as mdates

    fig = _figure(8.0, 3.0)
    ax = fig.add_subplot()
    kinds = sorted({p["type"] for p in posts})
    for kind in kinds:
        mine = [p for p in posts if p["type"] == kind]
        ax.plot(
            [Date.fromisoformat(p["date"]) for p in mine],
            [p["replies"] for p in mine],
            "o",
            label=TYPE_NAMES.get(kind, kind),
            alpha=0.85,
        )
    if not posts:
        ax.text(0.5, 0.5, "这段时间还没有带回复数的话题", ha="center", va="center", transform=ax.transAxes)
    if posts:
        days = [Date.fromisoformat(p["date"]) for p in posts]
        ax.set_xlim(min(days) - timedelta(days=2), max(days) + timedelta(days=2))
    ax.xaxis.set_major_locator(mdates.AutoDateLocator(minticks=2, maxticks=8))
    ax.xaxis.set_major_formatter(mdates.DateFormatter("%m-%d"))
    ax.set_ylabel("回复数")
    ax.set_title("每个话题引来的回复（群聊记录里 60 分钟内，或运营记的数）")
    if kinds:
        ax.legend(loc="upper left", fontsize=8, frameon=False, ncols=min(4, len(kinds)))
    return _svg(fig, name + "-replies")


@_styled
def types_ranked(rows: Sequence[dict[str, Any]], base: float | None, name: str) -> str:
    """Topic types by estimated replies per topic, with their 95% intervals."""
    rows = list(reversed(rows))  # best at the top
    fig = _figure(8.0, 0.45 * max(3, len(rows)) + 0.8)
    ax = fig.add_subplot()
    ys = range(len(rows))
    for y, r in zip(ys, rows, strict=True):
        color = ACCENT if r["effect"] > 0 else ("#1c7ed6" if r["effect"] < 0 else MUTED)
        ax.errorbar(
            r["mean"],
            y,
            xerr=[[r["mean"] - r["low"]], [r["high"] - r["mean"]]],
            fmt="o",
            color=color,
            capsize=3,
        )
        ax.annotate(
            f"发过 {r['posted']} 次" if r["posted"] else "没发过（别的群的数）",
            (r["high"], y),
            xytext=(6, -3),
            textcoords="offset points",
            fontsize=8,
            color="#495057",
        )
    ax.set_yticks(list(ys), [r["label"] for r in rows])
    if base:
        ax.axvline(base, color=MUTED, linestyle="--", linewidth=1)
    ax.set_xlabel("估计每个话题的回复数（点）和 95% 区间（线）；虚线是这个群的平均")
    ax.set_title("哪类话题回复多")
    if not rows:
        ax.text(0.5, 0.5, "还没有带回复数的话题", ha="center", va="center", transform=ax.transAxes)
    return _svg(fig, name + "-types")


@_styled
def best_hours(by_hour: Sequence[float], name: str) -> str:
    """Average messages in each hour of the day, the three busiest hours highlighted."""
    fig = _figure(8.0, 2.6)
    ax = fig.add_subplot()
    top = set(sorted(range(24), key=lambda h: -by_hour[h])[:3]) if any(by_hour) else set()
    ax.bar(range(24), by_hour, color=[ACCENT if h in top else MUTED for h in range(24)])
    ax.set_xticks(range(0, 24, 2), [f"{h}点" for h in range(0, 24, 2)])
    ax.set_ylabel("条/小时")
    ax.set_title("一天里几点最热闹（橙色是最热闹的三个小时）")
    return _svg(fig, name + "-hours")
