"""Curated knowledge: the product catalogue, group personas and case files under `knowledge_base/`."""

from assistant.knowledge.audiences import audience_names, find_audience, load_audiences
from assistant.knowledge.cases import CASE_REQUIRED, Case, load_cases, parse_case, split_front_matter
from assistant.knowledge.catalogue import (
    ADHOC_CATEGORY,
    MAX_PRODUCT_NAME,
    find_product,
    load_products,
    resolve_product,
)
from assistant.knowledge.files import clear_cache, norm_key

__all__ = [
    "ADHOC_CATEGORY",
    "CASE_REQUIRED",
    "MAX_PRODUCT_NAME",
    "Case",
    "audience_names",
    "clear_cache",
    "find_audience",
    "find_product",
    "load_audiences",
    "load_cases",
    "load_products",
    "norm_key",
    "parse_case",
    "resolve_product",
    "split_front_matter",
]
