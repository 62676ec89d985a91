"""The Chinese lines a profile carries: why it was read that way (`evidence`), what would help when unsure
(`hints`), and the catalogue's own fields laid over an inferred profile (`catalogue_overlay`)."""

from __future__ import annotations

from collections.abc import Sequence

from assistant.models import Product
from assistant.products.categories import CategoryRead
from assistant.products.library import TypeLibrary
from assistant.products.occasions import themes_of_event
from assistant.products.points import PointMatch, fit_points, match_points
from assistant.products.profile import LOW_CONFIDENCE, ProductProfile
from assistant.products.ranking import Scored
from assistant.products.text import Name, head_nature
from assistant.products.vocab import (
    NATURE_LABELS,
    SEASON_FROM_ZH,
    THEMES,
    USER_LABELS,
    Nature,
    Theme,
    UserKind,
)
from assistant.settings import Settings

CATEGORY_EXAMPLES = "水果、零食、粮油调味、母婴、童装童鞋、小家电、宠物用品、教育课程、旅游酒店"


def _hit_line(top: Scored, name: Name, type_name: str) -> str:
    word = top.hit.word
    if top.hit.kind == "split":
        return f"名字里分开写着「{word}」的两部分，合起来指的是「{type_name}」"
    if top.hit.kind == "part":
        return f"名字末尾的「{word}」只出现在「{type_name}」的说法里，把握不大"
    at_end = top.hit.end >= len(name.core)
    where = "，在名字末尾，一般就是商品本身" if at_end else ""
    same = word == type_name
    return f"名字里有「{word}」{where}" if same else f"名字里的「{word}」是「{type_name}」的说法{where}"


def evidence_lines(
    profile: ProductProfile,
    name: Name,
    category: CategoryRead,
    ranked: Sequence[Scored],
    semantic: Sequence[tuple[str, float]],
    error: str,
    lib: TypeLibrary,
) -> list[str]:
    lines: list[str] = []
    top = ranked[0] if ranked and ranked[0].type_id == profile.type_id else None
    if profile.basis == "type" and top is not None:
        lines.append(_hit_line(top, name, profile.type_name))
        lines.extend(top.notes)
    elif profile.basis == "type":
        sim = dict(semantic).get(profile.type_id or "", 0.0)
        lines.append(
            f"名字里没有品类库认得的词；按意思相近程度，最接近「{profile.type_name}」（相似度 {sim:.2f}），只能作参考"
        )
    if category.given:
        if category.known:
            names = "、".join(lib.category(s).name for s in category.slugs)
            lines.append(f"运营填的品类「{category.text}」对应品类库的「{names}」")
        else:
            lines.append(f"没认出品类「{category.text}」")
    if profile.basis == "category":
        lines.append(f"名字里没有认得的具体类型，按「{profile.category}」这一类的通用说法来理解")
    if profile.basis == "name":
        lines.append("名字和品类都没能认出具体是什么，只用通用的说法")
        if name.nature:
            lines.append(f"从名字里的「{name.nature_word}」看，像是{NATURE_LABELS[name.nature]}")
    cue, word = head_nature(name)
    if profile.basis == "type" and cue is not None and profile.nature == cue and top is not None:
        base = lib.types[top.type_id].nature
        if base != cue:
            lines.append(f"名字以「{word}」收尾，按{NATURE_LABELS[cue]}来理解")
    if name.users and profile.basis != "type":
        lines.append("名字里说了是给" + "、".join(USER_LABELS[u] for u in name.users) + "的")
    if error:
        lines.append(f"向量模型暂时用不了（{error}），没有按意思找相近的类型")
    if profile.points:
        known = [m.matched for m in profile.points if m.entry]
        if known:
            lines.append("认出的卖点：" + "、".join(dict.fromkeys(known)))
    return lines


def _example_points(nature: Nature | None, settings: Settings | None) -> str:
    """Three lexicon phrases written for this nature (any when the nature is unknown)."""
    from assistant.products.points import load_lexicon

    fits = [p.phrase for p in load_lexicon(settings).points if nature is None or nature in p.natures]
    return "、".join(fits[:3]) or "防滑、加厚、现摘现发"


def hint_lines(
    profile: ProductProfile, category: CategoryRead, points: Sequence[str], settings: Settings | None = None
) -> list[str]:
    hints: list[str] = []
    if category.given and not category.known:
        hints.append(f"没认出品类「{category.text}」，可以换个常见说法，例如：{CATEGORY_EXAMPLES}")
    if profile.confidence < LOW_CONFIDENCE:
        if not category.given:
            hints.append(f"填上品类能认得更准，例如：{CATEGORY_EXAMPLES.split('、')[0]}")
        if not any(str(p).strip() for p in points):
            examples = _example_points(profile.nature, settings)
            hints.append(f"补几个卖点（例如：{examples}），话题和引导语会更贴近商品")
        hints.append("经常卖的商品可以加进商品目录（knowledge_base/products/），写上它的使用场景和问题")
    return hints


_TRAIT_NATURES: tuple[tuple[str, Nature], ...] = (
    ("wearable", "wearable"),
    ("food", "food"),
    ("consumable", "consumable"),
    ("durable", "durable"),
)
_NOT_GOODS = ("service", "course", "subscription", "experience")
_TRAIT_USERS: dict[str, UserKind] = {"pet": "pet", "baby": "baby", "kids": "child", "household": "family"}


def catalogue_overlay(profile: ProductProfile, product: Product, settings: Settings | None) -> ProductProfile:
    """The catalogue's fields over the inferred profile: its scenes, verb, unit, rivals, seasons, selling points
    and tie-in themes win; the type still gives what the catalogue does not say (pains, debates, nature …)."""
    data = profile.model_dump()
    data["noun"] = product.noun
    data["activity"] = (product.verb or data["verb"]) + product.noun
    if product.scenarios:
        data["scenes"] = list(product.scenarios)
    if product.verb:
        data["verb"] = product.verb
    if product.unit:
        data["unit"] = product.unit
    if product.rivals:
        data["alternatives"] = list(product.rivals)
    seasons = list(dict.fromkeys(SEASON_FROM_ZH[s] for s in product.seasons if s in SEASON_FROM_ZH))
    if seasons:
        data["seasons"] = seasons
    themes: list[Theme] = list(profile.themes)
    for key in product.tie_ins:
        found = [key] if key in THEMES else themes_of_event(key, settings)
        themes.extend(t for t in found if t not in themes)
    data["themes"] = themes
    by_traits = next((n for t, n in _TRAIT_NATURES if t in product.traits), None)
    if profile.nature is None or (by_traits and profile.nature in _NOT_GOODS):
        data["nature"] = by_traits  # 少儿英语绘本 is a book, whatever 少儿英语 says
    users = list(profile.users) if profile.basis == "type" else []
    users.extend(u for t, u in _TRAIT_USERS.items() if t in product.traits and u not in users)
    data["users"] = users or profile.users
    given = [p for p in profile.points if p.source == "given"]
    seen = {p.point for p in given}
    catalogue = [
        PointMatch(point=m.point, entry=m.entry, matched=m.matched, source="catalogue")
        for m in fit_points(match_points(product.selling_points, settings), data["nature"])
        if m.point not in seen
    ]
    data["points"] = [p.model_dump() for p in given + catalogue]
    data["confidence"] = max(0.9, profile.confidence)
    data["basis"] = "catalogue"
    lead = f"商品目录里有「{product.name}」：场景、动词、量词、卖点以目录为准"
    rest = list(profile.evidence) if profile.type_id else ["品类库里没有对应的类型，痛点和二选一用通用的说法"]
    data["evidence"] = [lead, *rest]
    data["hints"] = []
    return ProductProfile.model_validate(data)
