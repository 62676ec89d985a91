"""What Huati understands about one product: `ProductProfile` (everything the engines, checks and chat read)
and `ProfileSummary` (the few fields a stored plan keeps)."""

from __future__ import annotations

from pydantic import BaseModel, Field

from assistant.models import ProfileSummary
from assistant.products.points import PointMatch
from assistant.products.vocab import Basis, ClaimRisk, Facet, Nature, Season, Theme, UserKind

LOW_CONFIDENCE = 0.6  # below this a plan should say it guessed, and what would help


class TypeCandidate(BaseModel):
    """Another library type the product could be."""

    type_id: str
    type_name: str
    category: str = Field(..., description="the category's name in the library")
    score: float = Field(..., ge=0, le=1)


class ProductProfile(BaseModel):
    name: str = Field(..., description="the product name as given")
    noun: str = Field(..., description="the everyday noun for topics (雨靴 for 加厚防滑儿童雨靴男女童)")
    type_id: str | None = Field(None, description="the library type it was read as; None when none fits")
    type_name: str = Field("", description="that type's name, or the category's, or the noun")
    category: str | None = Field(None, description="the library category's name")
    category_slug: str | None = None
    candidates: list[TypeCandidate] = Field([], description="other plausible types, best first")
    nature: Nature | None = Field(None, description="what kind of thing it is; None: nothing tells")
    users: list[UserKind] = []
    verb: str = "用"
    unit: str = "个"
    activity: str = Field("", description="the activity people name: 泡温泉, 上钢琴课, 穿雨靴 (verb + noun)")
    scenes: list[str] = Field([], description="everyday moments of use, without a subject")
    pains: list[str] = Field([], description="everyday annoyances people share about it")
    debates: list[tuple[str, str]] = Field([], description="either-or choices ordinary people argue about")
    alternatives: list[str] = Field([], description="what people use instead")
    themes: list[Theme] = Field([], description="occasions it fits")
    seasons: list[Season] = []
    months: list[int] = Field([], description="months it is really in season")
    facets: list[Facet] = []
    claim_risk: ClaimRisk = "general"
    points: list[PointMatch] = Field(
        [], description="selling points: given, from the catalogue, or in the name"
    )
    confidence: float = Field(..., ge=0, le=1)
    basis: Basis
    evidence: list[str] = Field([], description="why it was read this way (Chinese)")
    hints: list[str] = Field([], description="what would help when the reading is unsure (Chinese)")

    @property
    def low_confidence(self) -> bool:
        return self.confidence < LOW_CONFIDENCE

    def summary(self) -> ProfileSummary:
        return ProfileSummary(
            type_id=self.type_id,
            type_name=self.type_name,
            nature=self.nature,
            confidence=self.confidence,
            basis=self.basis,
        )
