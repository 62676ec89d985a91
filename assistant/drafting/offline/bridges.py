"""The line that leads from a topic's discussion to the product, posted when replies peak: one of the
library's `bridges` that suits the product's nature (我家最近在吃的 for food, 想去的 for an outing), carrying a
selling point (given, found in the name, or the catalogue's) that passes the compliance check."""

from __future__ import annotations

import random
import re
from typing import Any

from assistant.drafting.offline.fill import Fill, texts
from assistant.models import Product
from assistant.products import ProductProfile

_END_PUNCT = re.compile(r"[。！!，,；;～~\s]+$")
_VOUCHER = re.compile(r"(券|卡|票|套餐|套票)$")


def points_for(product: Product, profile: ProductProfile | None) -> list[str]:
    """Selling points a bridge may carry: the profile's (given, in the name, the catalogue's), else the
    product's own list; claims (零添加, 保分 …) never, the compliance check decides."""
    from assistant.checks import check_compliance

    raw = [m.point for m in profile.points] if profile is not None and profile.points else []
    raw = raw or list(product.selling_points)
    out = []
    for point in raw:
        clean = _END_PUNCT.sub("", point.strip())
        if clean and clean not in out and check_compliance(clean, product).passed:
            out.append(clean)
    return out


def bridge(
    product: Product,
    fill: Fill,
    lib: dict[str, Any],
    index: int,
    rng: random.Random,
    points: list[str],
) -> str:
    from assistant.checks import check_compliance

    s = fill.slots
    templates = texts(lib.get("bridges", []), fill)
    if _VOUCHER.search(product.name):  # 我家最近在吃的生日蛋糕券: a voucher is not what one eats
        templates = [t for t in templates if "最近在" not in t] or templates
    for point in ([points[index % len(points)]] if points else []) + [""]:
        options = [t for t in templates if "：" not in point or "{point}，" in t] or templates
        for name in (product.name, s["noun"]):
            template = rng.choice(options) if point and options else lib.get("bridge_no_point", "{name}")
            text = template.format(**{**s, "name": name, "point": point})
            if check_compliance(text, product).passed:
                return text
    # the noun itself is a claim word in a statement (养生壶): a line without it, with the point if it can
    for point in [points[index % len(points)]] if points else []:
        text = str(lib.get("bridge_plain_point", "")).format(point=point)
        if text and check_compliance(text, product).passed:
            return text
    plain = str(lib.get("bridge_plain", ""))
    return plain if plain and check_compliance(plain, product).passed else ""
