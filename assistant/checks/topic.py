"""Checking one topic someone wrote, the contract behind `huati check --json`, `POST /v1/checks`, the chat's
check tool and the eval harness: the product and group are resolved from names, the four checks run, and the
result names the rules' versions (and, when asked for, the LLM judge's verdicts)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date as Date
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from assistant.checks.rules import run_checks, versions
from assistant.models import Audience, CheckReport, Product

RULES_MODEL = "huati-rules"


class ProductRef(BaseModel):
    id: str
    name: str
    ad_hoc: bool
    category: str


class JudgeVerdict(BaseModel):
    model_config = ConfigDict(populate_by_name=True)

    passed: bool = Field(..., alias="pass")
    score: float
    reasons: list[str] = []
    cached: bool = False


class JudgeReport(BaseModel):
    """The LLM judge's verdicts per check; a dimension whose call failed is in `errors`, not in `checks`."""

    engine: Literal["llm"] = "llm"
    model: str
    prompt_versions: dict[str, str] = {}
    checks: dict[str, JudgeVerdict] = {}
    errors: dict[str, str] = {}


class TopicCheck(CheckReport):
    """`pass`, `score` and `checks` as `run_checks` reports them, plus what was checked against and by what."""

    product: ProductRef
    engine: Literal["offline"] = "offline"
    model: str = RULES_MODEL
    versions: dict[str, str] = {}
    judge: JudgeReport | None = None

    def public_dict(self) -> dict:
        return self.model_dump(mode="json", by_alias=True)


def resolve(
    product: str | Product, category: str | None = None, audience: str | Audience | None = None
) -> tuple[Product, Audience | None]:
    """The product (catalogue, or ad hoc with `category`) and the group, from names; InputError when unknown."""
    from assistant.knowledge import find_audience, resolve_product

    prod = product if isinstance(product, Product) else resolve_product(product, category=category)
    if audience is None or isinstance(audience, Audience):
        return prod, audience
    return prod, find_audience(audience) if audience.strip() else None


def check_topic(
    text: str,
    product: str | Product,
    *,
    category: str | None = None,
    audience: str | Audience | None = None,
    date: str | Date | None = None,
    trend: Sequence[str] = (),
) -> TopicCheck:
    prod, aud = resolve(product, category, audience)
    report = run_checks(text, prod, audience=aud, date=date, trend=list(trend))
    ref = ProductRef(id=prod.id, name=prod.name, ad_hoc=prod.ad_hoc, category=prod.category)
    return TopicCheck.model_construct(
        passed=report.passed,
        score=report.score,
        checks=report.checks,
        product=ref,
        engine="offline",
        model=RULES_MODEL,
        versions=versions(),
        judge=None,
    )
