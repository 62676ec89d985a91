"""Catalogue entries an ad hoc product is the same kind of thing as: a topic about one is not about a rival."""

from __future__ import annotations

from collections.abc import Mapping

from assistant.checks.lexicon import norm_term
from assistant.models import Product


def twins(product: Product, catalogue: Mapping[str, Product]) -> list[str]:
    """Ids of catalogue entries whose name, subject or alias is the ad hoc product's everyday noun (a
    5L空气炸锅 from the operator and the catalogue's 空气炸锅)."""
    if not product.ad_hoc or not product.subject or product.subject == product.name:
        return []
    noun = norm_term(product.subject)
    return [
        pid
        for pid, p in catalogue.items()
        if noun in {norm_term(w) for w in (p.name, p.subject, *p.aliases) if w}
    ]
