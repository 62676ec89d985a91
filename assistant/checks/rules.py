"""The four deterministic checks on one topic, combined (`run_checks`), and the versions of their rules."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date as Date
from typing import Any

from assistant.checks import lexicon
from assistant.checks.compliance import check_compliance
from assistant.checks.low_barrier import check_low_barrier
from assistant.checks.normalize import normalize
from assistant.checks.relevance import check_relevance
from assistant.checks.tone import check_tone
from assistant.errors import InputError
from assistant.models import Audience, CheckReport, Product, TrendItem

CHECK_NAMES = ("compliance", "low_barrier", "relevance", "tone")
MAX_TOPIC_CHARS = 2000


def _product(product: Product | str) -> Product:
    if isinstance(product, Product):
        return product
    from assistant.knowledge import norm_key, resolve_product

    key = norm_key(str(product or ""))
    for p in lexicon.catalogue():
        if key and key in (p.id, norm_key(p.name)):
            return p
    return resolve_product(product)


def _audience(audience: Audience | str | None) -> Audience | None:
    if audience is None or isinstance(audience, Audience):
        return audience
    if not str(audience).strip():
        return None
    from assistant.knowledge import find_audience

    return find_audience(audience)


def _trends(trend: Any) -> list[str]:
    if trend is None:
        return []
    if isinstance(trend, str | TrendItem):
        trend = [trend]
    out = []
    for t in trend:
        title = t.title if isinstance(t, TrendItem) else str(t)
        if title.strip():
            out.append(title.strip())
    return out


def _date(value: Date | str | None) -> Date | None:
    """A `date` (range-checked) or a strict YYYY-MM-DD string (`assistant.dates`)."""
    from assistant.dates import check_range, parse_day

    if value is None:
        return None
    if isinstance(value, Date):
        return check_range(value)
    if not str(value).strip():
        return None
    return parse_day(str(value))


def run_checks(
    text: str,
    product: Product | str,
    *,
    audience: Audience | str | None = None,
    date: Date | str | None = None,
    trend: str | TrendItem | Sequence[str | TrendItem] | None = None,
    catalogue: list[Product] | None = None,
) -> CheckReport:
    """All four checks on one topic. Overall `pass` = every check passes; `score` = their mean."""
    if text is None or not str(text).strip():
        raise InputError("话题内容不能为空", field="topic")
    text = str(text)
    if len(text) > MAX_TOPIC_CHARS:
        raise InputError(
            f"话题太长（{len(text)} 字），单条话题请控制在 {MAX_TOPIC_CHARS} 字以内", field="topic"
        )
    prod = _product(product)
    aud = _audience(audience)
    norm = normalize(text)
    compliance = check_compliance(text, prod, norm=norm)
    results = {
        "compliance": compliance,
        "low_barrier": check_low_barrier(text, norm=norm),
        "relevance": check_relevance(
            text, prod, catalogue=catalogue, trend=_trends(trend), date=_date(date), norm=norm
        ),
        "tone": check_tone(text, aud, norm=norm, product=prod, claims=compliance.details["spans"]),
    }
    score = sum(r.score for r in results.values()) / len(results)
    return CheckReport.model_construct(
        passed=all(r.passed for r in results.values()), score=round(score, 3), checks=results
    )


_VERSIONS: list[tuple[tuple[int, ...], dict[str, str]]] = []
_FILES = (
    ("compliance", "lexicon.yaml"),
    ("compliance", "claims.yaml"),
    ("compliance", "categories.yaml"),
    ("style", "low_barrier.yaml"),
    ("style", "relevance.yaml"),
    ("style", "fit.yaml"),
    ("style", "tone.yaml"),
)


def versions() -> dict[str, str]:
    """Versions of the word lists behind the deterministic checks (recorded in eval results); worked out again
    only when one of the files is reloaded."""
    key = tuple(id(lexicon.load_yaml(lexicon.kb_file(*parts))) for parts in _FILES)
    if _VERSIONS and _VERSIONS[0][0] == key:
        return dict(_VERSIONS[0][1])
    found = _versions()
    _VERSIONS[:] = [(key, found)]
    return dict(found)


def _versions() -> dict[str, str]:
    from assistant.checks.catalogue_terms import words
    from assistant.checks.categories import versions as category_versions
    from assistant.checks.claims import versions as claim_versions
    from assistant.checks.compliance import lexicon
    from assistant.checks.fit import version as fit_version
    from assistant.checks.low_barrier import rules as lb_rules
    from assistant.checks.tone import rules as tone_rules

    return {
        "compliance_lexicon": lexicon().version,
        **claim_versions(),
        **category_versions(),
        "low_barrier_rules": lb_rules().version,
        "relevance_rules": words().version,
        "fit_rules": fit_version(),
        "tone_rules": tone_rules().version,
    }
