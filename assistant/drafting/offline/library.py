"""The offline engine's pattern library (`knowledge_base/patterns/patterns.yaml`, cached by mtime) and the
slot values it fills templates with from a product and a group ({noun} {verb} {own} {unit} {moment} ...)."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any

from assistant.models import Audience, Product, TopicType
from assistant.settings import Settings, get_settings


def library_path(settings: Settings | None = None) -> Path:
    return Path((settings or get_settings()).kb_dir) / "patterns" / "patterns.yaml"


@lru_cache(maxsize=4)
def _load(path: str, mtime: float) -> dict[str, Any]:
    import yaml

    from assistant.errors import DataError

    try:
        loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml: ~10x faster cold start
        data = yaml.load(Path(path).read_text(encoding="utf-8"), Loader=loader)  # safe loader
    except (OSError, yaml.YAMLError) as exc:
        raise DataError(f"{path}: 话题模式库读不出来：{exc}") from exc
    if not isinstance(data, dict) or not data.get("patterns"):
        raise DataError(f"{path}: 话题模式库里没有 patterns")
    for p in data["patterns"]:
        if p.get("type") not in TopicType.__members__:
            raise DataError(f"{path}: 模式 {p.get('id')} 的 type 不认识：{p.get('type')}")
    for spec in (data.get("themes") or {}).values():  # YAML reads 618 as a number
        spec["words"] = [str(w) for w in spec.get("words") or []]
        spec["events"] = [str(e) for e in spec.get("events") or []]
    return data


def library(settings: Settings | None = None) -> dict[str, Any]:
    path = library_path(settings)
    try:
        mtime = path.stat().st_mtime
    except FileNotFoundError as exc:
        from assistant.errors import DataError

        raise DataError(f"{path}: 找不到话题模式库") from exc
    return _load(str(path), mtime)


def version(settings: Settings | None = None) -> str:
    return str(library(settings).get("version", "patterns"))


def _by_category(table: dict[str, Any], product: Product, default: str) -> str:
    return str(table.get("by_category", {}).get(product.category, table.get("default", default)))


def traits_of(product: Product, lib: dict[str, Any]) -> set[str]:
    if product.traits or not product.ad_hoc:
        return set(product.traits)
    return set(lib.get("ad_hoc", {}).get("traits", {}).get(product.category, []))


def verb_for(product: Product, lib: dict[str, Any]) -> str:
    return product.verb or _by_category(lib.get("verbs", {}), product, "用")


def everyday_noun(product: Product) -> str:
    """The product's everyday noun with claim words cut out: 美白祛斑精华 -> 精华, 最好用的拖把 -> 拖把."""
    from assistant.checks import check_compliance

    noun = product.noun
    result = check_compliance(noun, None)
    if result.passed:
        return noun
    spans = sorted((f["span"] for f in result.details.get("findings", []) if f.get("span")), reverse=True)
    for start, end in spans:
        noun = noun[:start] + " " + noun[end:]
    parts = [p.strip("的之 ，,、") for p in noun.split()]
    best = max(parts, key=len, default="")
    return best if len(best) >= 2 else product.category or product.noun


def slots(product: Product, audience: Audience | None, lib: dict[str, Any]) -> dict[str, str]:
    traits = traits_of(product, lib)
    owns = lib.get("owns", {})
    own = product.own or next((owns[t] for t in owns if t in traits), owns.get("default", "你家的"))
    mines, goods = lib.get("mines", {}), lib.get("goods", {})
    mine = next((mines[t] for t in mines if t in traits), mines.get("default", "我家"))
    if audience is not None and audience.id in lib.get("solo_audiences", []) and not product.own:
        own = owns.get("personal", own) if own == owns.get("default") else own
        mine = mines.get("personal", mine)
    return {
        "good": next((goods[t] for t in goods if t in traits), goods.get("default", "好用")),
        "mine": mine,
        "noun": everyday_noun(product),
        "verb": verb_for(product, lib),
        "own": own,
        "unit": product.unit or _by_category(lib.get("units", {}), product, "个"),
        "moment": product.moment,
        "rival": product.rivals[0] if product.rivals else "",
        "addr": audience.address if audience else "大家",
    }
