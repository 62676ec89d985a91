"""`profile_for(name, category, points)`: a `ProductProfile` for any product.

1. The title is read (`text.read_name`): width, case and listing fluff folded away.
2. Library words in it are scored (`ranking.rank`): longer and nearer the end of the title is better, the
   operator's category moves the scores, and cue words (儿童, 狗狗 …) rule types in or out.
3. Nothing named: the operator's category alone (basis "category"), else the nearest type by the offline
   embedding (low confidence), else only the name (basis "name", the neutral everyday lines).
4. A catalogue product: the same reading, then the catalogue's own fields on top (basis "catalogue").
Deterministic: the same inputs give the same profile.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from assistant.errors import HuatiError, InputError
from assistant.knowledge.catalogue import ADHOC_CATEGORY, find_product
from assistant.models import Product
from assistant.products.categories import CategoryRead, resolve_category
from assistant.products.library import Lines, ProductType, TypeLibrary, load_library
from assistant.products.matching import key_of
from assistant.products.points import PointMatch, fit_points, match_points, points_in_name
from assistant.products.profile import ProductProfile, TypeCandidate
from assistant.products.ranking import ACCEPT, Scored, rank
from assistant.products.reasons import catalogue_overlay, evidence_lines, hint_lines
from assistant.products.text import USER_CUES, Name, head_nature, head_noun, is_word, read_name, spoken
from assistant.products.vocab import NATURE_FACETS, NATURE_WORDS, Nature, Theme, UserKind
from assistant.settings import Settings

SEMANTIC_MIN = 0.7  # nearest-type similarity below this is not taken as the type


@dataclass(frozen=True)
class Inference:
    """A profile with what led to it (for `explain`)."""

    profile: ProductProfile
    name: Name
    category: CategoryRead
    ranked: tuple[Scored, ...]
    semantic: tuple[tuple[str, float], ...] = ()
    semantic_error: str = ""


def _confidence(top: Scored, ranked: Sequence[Scored], category: CategoryRead, lib: TypeLibrary) -> float:
    conf = min(0.95, 0.25 + 0.1 * top.score)
    conf = min(conf, {"word": 0.95, "split": 0.85, "part": 0.55}[top.hit.kind])
    rival = next((s for s in ranked[1:] if s.type_id != top.type_id), None)
    if rival is not None and top.score - rival.score < 1.0:
        conf *= 0.85
    if category.known and lib.types[top.type_id].category not in category.slugs:
        conf = min(conf, 0.6)
    return round(conf, 2)


def _noun(ptype: ProductType, top: Scored, name: Name) -> str:
    """The everyday word for topics: the type's word as the title writes it, the one ending nearest the head
    noun (packaging words after it do not count); of those the type's name (the library's everyday head
    noun), else the shortest everyday word (奶油草莓 → 草莓; 花月卡 is no word), else the shortest."""
    if top.hit.kind == "part":
        return top.hit.word
    core_end = len(name.core)
    found = []
    for word in ptype.keys:
        key = key_of(word)
        if len(key) >= 2 and key in name.text:
            end = min(name.text.rfind(key) + len(key), core_end)
            found.append((end, word == ptype.name, is_word(key), -len(key), word))
    if found:
        return max(found)[4]
    if top.hit.kind == "split":
        # 桂花…酒 read as 桂花酒: the title's own head (米酒) when it says more than the part it shares (酒)
        head = head_noun(name)
        if top.hit.second and head.endswith(top.hit.second) and len(head) > len(top.hit.second):
            return head
    return ptype.name


def _bigrams(text: str) -> set[str]:
    return {
        text[i : i + 2]
        for i in range(len(text) - 1)
        if all("\u4e00" <= c <= "\u9fff" for c in text[i : i + 2])
    }


def _plausible(name: Name, ptype: ProductType) -> bool:
    """Guards on the embedding, which on short or odd titles can be close to anything (噗噗噗 → 笋干, 点读笔 →
    中性笔): the nearest type counts only when one of its words shares two characters in a row with the title
    (not counting words like 儿童 that only say who it is for), and a service, course, subscription or outing
    only when the title ends like one."""
    text = name.text
    for words in USER_CUES.values():
        for word in words:
            text = text.replace(word, " ")
    if not any(_bigrams(text) & _bigrams(key_of(word)) for word in ptype.keys):
        return False
    if ptype.nature in ("service", "course", "subscription", "experience"):
        return head_nature(name)[0] == ptype.nature
    return True


def _users(base: Sequence[UserKind], name: Name) -> list[UserKind]:
    extra = [u for u in name.users if u not in base]
    return list(base) + extra if extra else list(base)


def _category_themes(lib: TypeLibrary, slugs: Sequence[str]) -> list[Theme]:
    """Themes shared by at least two in five types of the categories."""
    types = [t for s in slugs for t in lib.category(s).types]
    counts = Counter(theme for t in types for theme in t.themes)
    return [
        theme
        for theme, n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
        if n * 5 >= len(types) * 2
    ]


def _from_lines(lines: Lines) -> dict:
    return {
        "scenes": list(lines.scenes),
        "pains": list(lines.pains),
        "debates": list(lines.debates),
        "alternatives": list(lines.alternatives),
    }


def _points(
    points: Sequence[str], name: Name, skip: Sequence[str], nature: Nature | None, settings: Settings | None
) -> list[PointMatch]:
    given = fit_points(match_points(points, settings), nature)
    seen = {m.entry.phrase for m in given if m.entry}
    in_name = fit_points(points_in_name(name.raw, skip, settings), nature)
    from_name = [m for m in in_name if m.entry and m.entry.phrase not in seen]
    return given + from_name


def _candidates(
    chosen: str | None, ranked: Sequence[Scored], semantic: Sequence[tuple[str, float]], lib: TypeLibrary
) -> list[TypeCandidate]:
    out: list[TypeCandidate] = []
    for type_id, score in [(s.type_id, min(0.95, max(0.0, 0.25 + 0.1 * s.score))) for s in ranked] + [
        (t, max(0.0, min(0.4, sim - 0.4))) for t, sim in semantic
    ]:
        if type_id == chosen or any(c.type_id == type_id for c in out) or score <= 0:
            continue
        ptype = lib.types[type_id]
        out.append(
            TypeCandidate(
                type_id=type_id, type_name=ptype.name, category=ptype.category_name, score=round(score, 2)
            )
        )
    return out[:4]


def _by_type(ptype: ProductType, top: Scored | None, name: Name, conf: float) -> dict:
    nature: Nature = ptype.nature
    verb, unit = ptype.verb, ptype.unit
    cue, _word = head_nature(name)
    if cue is not None and cue != nature and nature not in ("service", "course", "subscription"):
        nature = cue
        verb, unit = NATURE_WORDS[cue]
    facets = list(dict.fromkeys([*NATURE_FACETS[nature], *ptype.facets]))
    return {
        "noun": _noun(ptype, top, name) if top is not None else head_noun(name),
        "type_id": ptype.id,
        "type_name": ptype.name,
        "category": ptype.category_name,
        "category_slug": ptype.category,
        "nature": nature,
        "users": _users(ptype.users, name),
        "verb": verb,
        "unit": unit,
        **_from_lines(ptype),
        "themes": list(ptype.themes),
        "seasons": list(ptype.seasons),
        "months": list(ptype.months),
        "facets": facets,
        "claim_risk": ptype.claim_risk,
        "confidence": conf,
        "basis": "type",
    }


def _by_category(lib: TypeLibrary, category: CategoryRead, name: Name) -> dict | None:
    cats = [lib.category(s) for s in category.slugs]
    if len({c.defaults.nature for c in cats}) != 1:
        return None
    first = cats[0].defaults
    single = len(cats) == 1
    nature, verb, unit = first.nature, first.verb, first.unit
    cue, _word = head_nature(name)
    if cue is not None and cue != nature:
        nature = cue
        verb, unit = NATURE_WORDS[cue]
    return {
        "noun": head_noun(name),
        "type_name": cats[0].name if single else category.text,
        "category": cats[0].name if single else category.text,
        "category_slug": cats[0].slug if single else None,
        "nature": nature,
        "users": _users(first.users, name),
        "verb": verb,
        "unit": unit,
        **_from_lines(lib.lines_for(nature, first.users)),
        "themes": _category_themes(lib, category.slugs),
        "seasons": list(first.seasons),
        "facets": list(NATURE_FACETS[nature]),
        "claim_risk": first.claim_risk,
        "confidence": 0.4 if single else 0.3,
        "basis": "category",
    }


def _by_name(lib: TypeLibrary, name: Name) -> dict:
    nature = name.nature
    verb, unit = NATURE_WORDS[nature] if nature else ("用", "个")
    noun = head_noun(name) if name.has_cjk else (name.text[:12] or name.raw.strip()[:12])
    return {
        "noun": noun,
        "type_name": noun,
        "nature": nature,
        "users": _users([], name) or ["self"],
        "verb": verb,
        "unit": unit,
        **_from_lines(lib.lines_for(nature, name.users)),
        "facets": list(NATURE_FACETS[nature]) if nature else [],
        "confidence": 0.15 if nature else 0.1,
        "basis": "name",
    }


_SAID = ("service", "course", "subscription", "experience")  # natures whose listing words people do not say
_DOING = ("安装", "清洗", "维修", "保养", "拍摄", "代办")  # a service word that takes the thing as its object
_STAYS = ("酒店", "民宿", "客栈")


def _said(fields: dict, ptype: ProductType | None, name: Name) -> None:
    """The noun people say and the activity they name: 温泉周末套票 → 温泉, 泡温泉; 钢琴陪练课 → 上钢琴陪练课;
    窗帘上门安装 → 窗帘, 安装窗帘."""
    noun, nature, verb = fields["noun"], fields.get("nature"), fields["verb"]
    if ptype is not None and ptype.word and noun in (ptype.name, spoken(ptype.name)):
        noun = ptype.word
    elif nature in _SAID:
        noun = spoken(noun)
    cue, word = head_nature(name)
    if (
        ptype is not None
        and ptype.act
        and noun in (ptype.word, ptype.name, spoken(ptype.name), *ptype.aliases)
    ):
        act = ptype.act
    elif cue is not None and word in _DOING and (ptype is None or ptype.nature != cue):
        act = word + noun
    elif nature == "course":
        act = ("上" if noun.endswith(("课", "班")) else "学") + noun
    elif nature == "experience" and ptype is None:
        act = ("住" if noun.endswith(_STAYS) else "去") + noun
    else:
        act = verb + noun
    fields["noun"], fields["activity"] = noun, act


def infer(
    name: str,
    category: str | None = None,
    points: Sequence[str] = (),
    *,
    product: Product | None = None,
    settings: Settings | None = None,
) -> Inference:
    """The profile and the evidence behind it. InputError for an empty name; anything else gives a profile."""
    raw = "" if name is None else str(name)
    if not raw.strip():
        raise InputError("产品名不能为空，请写上今天要推的产品，例如：儿童雨靴", field="product")
    if product is not None and product.ad_hoc:
        category = category or (product.category if product.category != ADHOC_CATEGORY else None)
        points = list(points) or list(product.selling_points)
        product = None
    elif product is None:
        product = find_product(raw, settings)
    lib = load_library(settings)
    read = read_name(raw)
    cat = resolve_category(category or (product.category if product else None), lib)
    ranked = rank(read, lib, cat)
    if product is not None and product.subject:
        # the catalogue's everyday noun says what it is (少儿英语绘本 is a 绘本, not an English course)
        by_subject = rank(read_name(product.subject), lib, cat)
        if by_subject and by_subject[0].score >= ACCEPT:
            ranked = by_subject
    if product is not None and not (ranked and ranked[0].score >= ACCEPT):
        for other in (product.subject, *product.aliases):
            again = rank(read_name(other), lib, cat) if other else []
            if again and again[0].score >= ACCEPT:
                ranked = again
                break
    top = ranked[0] if ranked and ranked[0].score >= ACCEPT else None
    semantic: list[tuple[str, float]] = []
    error = ""
    fields: dict | None = None
    if top is not None:
        fields = _by_type(lib.types[top.type_id], top, read, _confidence(top, ranked, cat, lib))
    elif cat.known:
        fields = _by_category(lib, cat, read)
    if fields is None and read.has_cjk:
        try:
            from assistant.products.semantic import nearest_types

            semantic = nearest_types(read.core or read.text, lib, settings, within=cat.slugs)
        except HuatiError as exc:
            error = exc.message
        if semantic and semantic[0][1] >= SEMANTIC_MIN and _plausible(read, lib.types[semantic[0][0]]):
            type_id, sim = semantic[0]
            conf = round(min(0.35, 0.2 + (sim - SEMANTIC_MIN)), 2)
            fields = _by_type(lib.types[type_id], None, read, conf)
    if fields is None:
        fields = _by_name(lib, read)
    _said(fields, lib.types[fields["type_id"]] if fields.get("type_id") else None, read)
    skip = lib.types[fields["type_id"]].keys if fields.get("type_id") else ()
    profile = ProductProfile(
        name=" ".join(raw.split())[:200],
        candidates=_candidates(fields.get("type_id"), ranked, semantic, lib),
        points=_points(points, read, skip, fields.get("nature"), settings),
        **fields,
    )
    profile.evidence = evidence_lines(profile, read, cat, ranked, semantic, error, lib)
    profile.hints = hint_lines(profile, cat, points, settings)
    if product is not None:
        profile = catalogue_overlay(profile, product, settings)
    return Inference(profile, read, cat, tuple(ranked), tuple(semantic), error)


def profile_for(
    name: str,
    category: str | None = None,
    points: Sequence[str] = (),
    *,
    product: Product | None = None,
    settings: Settings | None = None,
) -> ProductProfile:
    """What Huati understands about `name` (see the module docstring). InputError when the name is empty."""
    return infer(name, category, points, product=product, settings=settings).profile
