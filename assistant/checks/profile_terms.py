"""What the product profile tells relevance about one product: the words that name it or its kind, what people
use instead, and what kind of thing it is.

Built once per product from `assistant.products.profile_for` (catalogue entries with their own fields on top; ad
hoc products from their name, category and selling points): the names are the product's name, aliases and
subject, the profile's everyday noun and the library type's name and aliases (大容量保温杯 → 保温杯, 水杯 …);
the alternatives are the profile's, the type's and the catalogue's rivals (暖气 for an electric blanket: a
topic about them is about something else).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

from assistant.checks.lexicon import norm_term
from assistant.checks.scenes import words_for
from assistant.checks.semantic import library
from assistant.models import Product
from assistant.products import ProductProfile, profile_for

_CACHE: dict[tuple[object, ...], ProductTerms] = {}
_LOCK = threading.Lock()


@dataclass(frozen=True)
class ProductTerms:
    profile: ProductProfile
    names: tuple[str, ...]  # normalised, two characters or more, longest first
    alternatives: tuple[str, ...]  # normalised
    type_id: str | None
    scenes: tuple[str, ...] = ()  # words of the type's scenes, pains and debates that few other types share

    @property
    def noun(self) -> str:
        return self.profile.noun or self.profile.name

    @property
    def nature(self) -> str | None:
        return self.profile.nature


def _key(product: Product) -> tuple[object, ...]:
    return (
        product.id,
        product.name,
        product.category,
        product.subject,
        tuple(product.aliases),
        tuple(product.selling_points),
        tuple(product.rivals),
    )


def terms_for(product: Product) -> ProductTerms:
    """The product's terms (cached per product; the profile is inferred once)."""
    key = _key(product)
    hit = _CACHE.get(key)
    if hit is not None:
        return hit
    profile = profile_for(product.name, product=product)
    lib = library()
    ptype = lib.types.get(profile.type_id) if profile.type_id else None
    names = {product.name, product.subject, *product.aliases, profile.noun}
    alternatives = {*profile.alternatives, *product.rivals}
    scenes: tuple[str, ...] = ()
    if ptype is not None:
        names.update(ptype.keys)
        alternatives.update(ptype.alternatives)
        scenes = words_for(ptype.id)
    normal = {norm_term(n) for n in names if n}
    normal = {n for n in normal if len(n) >= 2}
    alts = {norm_term(a) for a in alternatives if a}
    alts = {a for a in alts if len(a) >= 2 and not any(a in n or n in a for n in normal)}
    terms = ProductTerms(
        profile=profile,
        names=tuple(sorted(normal, key=lambda n: (-len(n), n))),
        alternatives=tuple(sorted(alts, key=lambda n: (-len(n), n))),
        type_id=profile.type_id,
        scenes=tuple(w for w in scenes if w not in normal and w not in alts),
    )
    with _LOCK:
        if len(_CACHE) > 4096:
            _CACHE.clear()
        _CACHE[key] = terms
    return terms


def clear() -> None:
    with _LOCK:
        _CACHE.clear()
