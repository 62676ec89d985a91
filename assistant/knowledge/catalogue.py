"""The product catalogue (`knowledge_base/products/*.yaml`) and ad hoc products for names outside it.

Loads are cached per knowledge-base directory and re-read when a file changes (mtime/size).
Malformed files raise `DataError` whose message is `path:line: reason`.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Sequence
from pathlib import Path

import yaml

from assistant.errors import InputError
from assistant.knowledge.audiences import load_audiences
from assistant.knowledge.files import (
    cached,
    kb_dir,
    norm_key,
    unique_ids,
    yaml_items,
)
from assistant.models import Product, stable_id
from assistant.settings import Settings

MAX_PRODUCT_NAME = 50
ADHOC_CATEGORY = "其他"

# Words that say nothing about what a product is; dropped from ad hoc keywords.
_FLUFF = ("新款", "正品", "包邮", "特价", "官方", "旗舰", "爆款", "热卖", "限时", "家用", "款")
_SPLIT = re.compile(r"[^0-9a-z\u4e00-\u9fff]+")
_CJK_RUN = re.compile(r"[\u4e00-\u9fff]+|[0-9a-z]+")


# --------------------------------------------------------------------------- products


def _vocabulary(kb: Path) -> tuple[set[str], set[str]]:
    """(known traits, known tie-in keys) from the pattern library; empty sets when it is missing."""
    path = kb / "patterns" / "patterns.yaml"
    try:
        loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
        lib = yaml.load(path.read_text(encoding="utf-8"), Loader=loader) or {}  # safe loader
    except (OSError, yaml.YAMLError):
        return set(), set()
    themes = lib.get("themes") or {}
    keys = {"direct", *themes, *(str(e) for t in themes.values() for e in (t or {}).get("events") or [])}
    return set(lib.get("traits") or {}), keys


def _product_check(kb: Path, settings: Settings | None) -> Callable[[Product], tuple[str, str] | None]:
    traits, keys = _vocabulary(kb)
    groups = {k for a in load_audiences(settings) for k in (a.id, a.name)}

    def check(p: Product) -> tuple[str, str] | None:
        bad = [t for t in p.traits if traits and t not in traits]
        if bad:
            return "traits", f"不认识的特征 {'、'.join(bad)}（可选：{'、'.join(sorted(traits))}）"
        for field, tags in (("scenarios", p.scenario_audiences), ("questions", p.question_audiences)):
            unknown = sorted({g for gs in tags.values() for g in gs} - groups)
            if unknown and groups:
                return field, f"for 里的群不存在：{'、'.join(unknown)}"
        odd = "、".join(k for k in p.tie_ins if keys and k not in keys)
        return (
            ("tie_ins", f"不认识的由头 {odd}（写节日节气名、patterns.yaml 里的主题名，或 direct）")
            if odd
            else None
        )

    return check


def load_products(settings: Settings | None = None) -> list[Product]:
    """Every product in `knowledge_base/products/*.yaml`."""
    kb = kb_dir(settings)

    def build(files: list[Path]) -> list[Product]:
        check = _product_check(kb, settings)
        products = [p for f in files for p in yaml_items(f, Product, check=check)]
        unique_ids(products, files, "产品")
        return products

    return list(cached("products", kb_dir(settings) / "products", "*.yaml", build))


def find_product(name: str, settings: Settings | None = None) -> Product | None:
    """Catalogue product whose id, name or alias (then subject) matches, ignoring case/width/spaces."""
    key = norm_key(name or "")
    if not key:
        return None
    products = load_products(settings)
    for product in products:
        if key in {norm_key(product.id), norm_key(product.name), *map(norm_key, product.aliases)}:
            return product
    by_subject = [p for p in products if p.subject and norm_key(p.subject) == key]
    return by_subject[0] if len(by_subject) == 1 else None


def _terms(text: str) -> list[str]:
    """Meaningful words of a short phrase: whole runs plus the trailing noun (2-3 chars)."""
    clean = unicodedata.normalize("NFKC", text).lower()
    for fluff in _FLUFF:
        clean = clean.replace(fluff, " ")
    out: list[str] = []
    for part in _SPLIT.split(clean):
        for run in _CJK_RUN.findall(part):
            if len(run) < 2:
                continue
            out.append(run)
            if re.fullmatch(r"[\u4e00-\u9fff]+", run) and len(run) > 3:
                out.extend([run[-3:], run[-2:]])
    return out


def resolve_product(
    name: str,
    category: str | None = None,
    points: Sequence[str] = (),
    settings: Settings | None = None,
) -> Product:
    """The catalogue product called `name`, else an ad hoc product built from the name and points."""
    if name is None or not str(name).strip():
        raise InputError("产品名不能为空，请写上今天要推的产品，例如：亮白牙膏", field="product")
    name = re.sub(r"\s+", " ", str(name)).strip()
    if len(name) > MAX_PRODUCT_NAME:
        raise InputError(
            f"产品名太长（{len(name)} 个字），请控制在 {MAX_PRODUCT_NAME} 个字以内，卖点请单独填写",
            field="product",
        )
    found = find_product(name, settings)
    if found is not None:
        return found
    points = [p.strip() for p in points if p and p.strip()]
    keywords: list[str] = []
    for term in [*_terms(name), *(t for p in points for t in _terms(p))]:
        if term not in keywords:
            keywords.append(term)
    category = (category or "").strip() or ADHOC_CATEGORY
    return Product(
        id="adhoc-" + stable_id(norm_key(name), category),
        name=name,
        category=category,
        subject=name,
        selling_points=points,
        keywords=keywords or [name],
        ad_hoc=True,
    )
