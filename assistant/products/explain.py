"""`explain(name, category, points)`: the profile, the library types it was matched against with scores, and why
(the contract of `huati product explain --json` and `POST /v1/products/explain`)."""

from __future__ import annotations

from collections.abc import Sequence

from pydantic import BaseModel, Field

from assistant.products.infer import Inference, infer
from assistant.products.library import load_library
from assistant.products.profile import ProductProfile
from assistant.products.vocab import BASIS_LABELS, NATURE_LABELS
from assistant.settings import Settings

HOW = {
    "word": "名字里有它的说法",
    "split": "名字里分开写着它的说法",
    "part": "名字末尾的词只在它的说法里出现",
    "semantic": "意思相近（向量相似度）",
}


class TypeMatch(BaseModel):
    type_id: str
    type_name: str
    category: str
    score: float = Field(..., ge=0, le=1, description="0 到 1，越大越像")
    word: str = Field("", description="名字里认出的词（按意思相近时为空）")
    how: str = Field(..., description="怎么认出来的")
    chosen: bool = False


class ProductExplanation(BaseModel):
    name: str
    category: str | None = None
    points: list[str] = []
    profile: ProductProfile
    matches: list[TypeMatch] = Field([], description="认作的类型在前，其余可能的类型按分数排")
    why: list[str] = Field([], description="为什么这样理解")
    hints: list[str] = Field([], description="把握不大时，补什么能认得更准")
    low_confidence: bool


def _matches(found: Inference, settings: Settings | None) -> list[TypeMatch]:
    lib = load_library(settings)
    chosen = found.profile.type_id
    out: list[TypeMatch] = []
    for scored in found.ranked:
        if scored.score <= 0:
            continue
        ptype = lib.types[scored.type_id]
        out.append(
            TypeMatch(
                type_id=ptype.id,
                type_name=ptype.name,
                category=ptype.category_name,
                score=round(min(0.95, max(0.0, 0.25 + 0.1 * scored.score)), 2),
                word=scored.hit.word,
                how=HOW[scored.hit.kind],
                chosen=ptype.id == chosen,
            )
        )
    for type_id, sim in found.semantic:
        if any(m.type_id == type_id for m in out):
            continue
        ptype = lib.types[type_id]
        out.append(
            TypeMatch(
                type_id=type_id,
                type_name=ptype.name,
                category=ptype.category_name,
                score=round(max(0.0, min(1.0, sim)), 2),
                how=HOW["semantic"],
                chosen=type_id == chosen,
            )
        )
    if chosen is not None and found.profile.basis != "catalogue":
        for m in out:  # the chosen type's score is the profile's confidence
            if m.chosen:
                m.score = found.profile.confidence
    out.sort(key=lambda m: (not m.chosen, -m.score, m.type_id))
    return out[:6]


def _summary(profile: ProductProfile) -> str:
    nature = NATURE_LABELS[profile.nature] if profile.nature else "性质不明"
    sure = f"把握 {round(profile.confidence * 100)}%"
    if profile.type_id:
        return f"认作「{profile.type_name}」（{profile.category}，{nature}），依据：{BASIS_LABELS[profile.basis]}，{sure}"
    if profile.basis == "category":
        return f"没认出具体类型，按「{profile.category}」这一类理解（{nature}），{sure}"
    return f"没认出是什么，按{nature if profile.nature else '通用'}的说法理解，{sure}"


def explain(
    name: str,
    category: str | None = None,
    points: Sequence[str] = (),
    *,
    settings: Settings | None = None,
) -> ProductExplanation:
    """How Huati reads a product. InputError when the name is empty."""
    found = infer(name, category, points, settings=settings)
    profile = found.profile
    return ProductExplanation(
        name=profile.name,
        category=category.strip() if category and category.strip() else None,
        points=[p.point for p in profile.points if p.source == "given"],
        profile=profile,
        matches=_matches(found, settings),
        why=[_summary(profile), *profile.evidence],
        hints=list(profile.hints),
        low_confidence=profile.low_confidence,
    )
