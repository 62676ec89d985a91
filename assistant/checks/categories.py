"""Product categories and the claims each must not make (`knowledge_base/compliance/categories.yaml`).

An operator types a category in free text ("保健品", "医疗器械（儿童）", "母婴/儿童用品"); `category_for` maps it
to an entry: the exact alias, else the longest alias contained in it. When the category maps to nothing, the
product's name is tried the same way ("蜂胶软胶囊" → 保健食品), so an ad hoc product still gets its claim rules.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from assistant.checks.lexicon import compiled, kb_file, load_yaml, norm_term
from assistant.models import Product


@dataclass(frozen=True)
class Category:
    name: str
    kind: str
    basis: str
    claims: tuple[str, ...]
    patterns: tuple[re.Pattern[str], ...] = ()


@lru_cache(maxsize=8)
def _categories(key: int) -> tuple[str, dict[str, Category], list[tuple[str, str]]]:
    data = load_yaml(kb_file("compliance", "categories.yaml"))
    entries: dict[str, Category] = {}
    aliases: dict[str, str] = {}
    for name, spec in (data.get("categories") or {}).items():
        spec = spec or {}
        entries[name] = Category(
            name,
            spec.get("kind", name),
            spec.get("basis", ""),
            tuple(str(c) for c in spec.get("claims", [])),
            tuple(re.compile(p) for p in spec.get("patterns", [])),
        )
        for alias in [name, *spec.get("aliases", [])]:
            aliases.setdefault(norm_term(str(alias)), name)
    ordered = sorted(aliases.items(), key=lambda kv: -len(kv[0]))  # longest alias first
    return str(data.get("version", "0")), entries, ordered


def categories() -> tuple[str, dict[str, Category], list[tuple[str, str]]]:
    """(version, entries by name, (alias, entry name) longest first)."""
    return compiled(("compliance", "categories.yaml"), lambda data: _categories(id(data)))


def _lookup(text: str | None) -> Category | None:
    if not text:
        return None
    return _lookup_in(text, id(categories()))


@lru_cache(maxsize=4096)
def _lookup_in(text: str, _key: int) -> Category | None:
    _version, entries, aliases = categories()
    key = norm_term(text)
    if not key:
        return None
    for alias, entry in aliases:
        if alias == key:
            return entries[entry]
    for alias, entry in aliases:
        if len(alias) >= 2 and alias in key:
            return entries[entry]
    return None


def category_for(name: str | None, product_name: str | None = None) -> Category | None:
    """The entry for a category as typed; else the one the product's name suggests; else None."""
    return _lookup(name) or _lookup(product_name)


def product_category(product: Product | None) -> Category | None:
    if product is None:
        return None
    return category_for(product.category, product.name)


def versions() -> dict[str, Any]:
    return {"category_claims": categories()[0]}
