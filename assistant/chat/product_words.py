"""What an operator says about a product in a chat message besides its name: its category (教育课程, 童装)
and its selling points (卖点一对一、可回放). "明天卖钢琴陪练课，教育课程，卖点一对一、可回放" gives the category
教育课程 and the points 一对一, 可回放; drafting reads both like `--category` and `--points`."""

from __future__ import annotations

import re

from assistant.knowledge import norm_key
from assistant.settings import Settings

_POINTS = re.compile(r"(?:卖点|亮点|特点)(?:是|有|为|：|:)?\s*([^。！!？?\n]{1,80})")
_SPLIT = re.compile(r"[、，,；;/／]|和|还有")
_CATEGORY_SAID = re.compile(r"(?:品类|类目|分类|类别)(?:是|为|：|:)?\s*([\u4e00-\u9fffA-Za-z]{2,12})")
_NOT_POINT = re.compile(
    r"群$|话题|^(给我|来|要|帮我)|[今明后]天"
)  # the rest of the request: 宝妈群, 给我三个话题
MAX_POINTS = 6


def points_in(text: str) -> list[str]:
    """Selling points written after 卖点 / 亮点 / 特点, split at 、，和 …; at most six, in order."""
    m = _POINTS.search(text or "")
    if not m:
        return []
    parts = [p.strip(" ：:，,。") for p in _SPLIT.split(m[1])]
    out = [p for p in parts if 1 < len(p) <= 20 and not _NOT_POINT.search(p)]
    return list(dict.fromkeys(out))[:MAX_POINTS]


def category_in(text: str, product: str | None = None, settings: Settings | None = None) -> str | None:
    """A category the message names: after 品类 / 类目, else the longest library category word in the text
    outside the product's own name and its selling points."""
    from assistant.products import load_library

    rest = _POINTS.sub(" ", text or "")
    if product:
        rest = rest.replace(product, " ")
    if m := _CATEGORY_SAID.search(rest):
        return m[1]
    key = norm_key(rest)
    words = load_library(settings).category_words
    found = [w for w in words if len(w) >= 2 and w in key]
    return max(found, key=len) if found else None
