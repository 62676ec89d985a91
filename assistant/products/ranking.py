"""Ranking the types a title names: the word evidence from `matching.py`, moved by the operator's category
(a type inside it gains, one outside it loses) and by who the title says it is for (a 狗狗磨牙棒 is not a baby's
teether). A type below `ACCEPT` is not taken from the title alone."""

from __future__ import annotations

from dataclasses import dataclass

from assistant.products.categories import CategoryRead
from assistant.products.library import ProductType, TypeLibrary
from assistant.products.matching import Hit, find_hits
from assistant.products.text import Name, user_cues

ACCEPT = 2.5
HARD_CONFLICT = -6.0


@dataclass(frozen=True)
class Scored:
    """A type with its best hit and the final score after the category and cue adjustments."""

    type_id: str
    hit: Hit
    score: float
    notes: tuple[str, ...] = ()


def _cue_penalty(ptype: ProductType, name: Name, hit: Hit, category: CategoryRead) -> tuple[float, str]:
    """Who the title says it is for, against who the type is for."""
    outside = name.text[: hit.start] + " " + name.text[hit.end :]
    cues = set(user_cues(outside))
    users = set(ptype.users)
    if "pet" in cues and "pet" not in users:
        return HARD_CONFLICT, "名字说的是给宠物用的，这个类型不是"
    if users == {"pet"} and "pet" not in cues and not category.for_pets:
        return -1.5, "这个类型是给宠物的，名字里却没提宠物"
    if cues & {"child", "baby"} and not users & {"child", "baby"}:
        return -1.0, "名字说的是给孩子的，这个类型主要是大人用"
    if "self" in cues and users <= {"child", "baby"}:
        return HARD_CONFLICT, "名字说的是大人用的，这个类型是给孩子的"
    return 0.0, ""


def _inside_category(hits: list[Hit], lib: TypeLibrary, category: CategoryRead) -> list[Hit]:
    """A word the title has (羽绒服) may be the head of a more specific word of a type inside the operator's
    category (儿童羽绒服 in 童装童鞋): that type becomes a candidate too, a little weaker than the word itself."""
    if not category.slugs:
        return []
    out: list[Hit] = []
    for hit in hits:
        if hit.kind != "word" or lib.types[hit.type_id].category in category.slugs:
            continue
        for slug in category.slugs:
            for ptype in lib.category(slug).types:
                longer = [k for k in ptype.keys if k.endswith(hit.word) and len(k) > len(hit.word)]
                if longer:
                    out.append(
                        Hit(ptype.id, min(longer, key=len), hit.start, hit.end, "split", hit.score - 0.5)
                    )
    return out


def rank(name: Name, lib: TypeLibrary, category: CategoryRead) -> list[Scored]:
    """Types the title names, best first (ties by id), with the category and cue adjustments applied."""
    hits = find_hits(name, lib)
    best: dict[str, Hit] = {}
    words: dict[str, set[str]] = {}
    for hit in hits:
        words.setdefault(hit.type_id, set()).add(hit.word)
        if hit.type_id not in best or hit.score > best[hit.type_id].score:
            best[hit.type_id] = hit
    for hit in _inside_category(hits, lib, category):
        if hit.type_id not in best:
            best[hit.type_id] = hit
            words[hit.type_id] = {hit.word}
    if category.type_id and category.type_id not in best:
        best[category.type_id] = Hit(category.type_id, category.word, 0, 0, "word", 1.0)
        words[category.type_id] = {category.word}
    out: list[Scored] = []
    for type_id, hit in best.items():
        ptype = lib.types[type_id]
        score = hit.score + min(0.5, 0.25 * (len(words[type_id]) - 1))
        notes: list[str] = []
        if category.type_id == type_id:
            score += 3.0
            notes.append(f"品类「{category.text}」直接说的就是「{ptype.name}」")
        elif category.slugs:
            inside = ptype.category in category.slugs
            single = len(category.slugs) == 1
            score += (2.0 if single else 1.0) if inside else (-1.0 if single else -0.5)
            if inside:
                notes.append(f"在运营填的品类「{category.text}」里")
        penalty, why = _cue_penalty(ptype, name, hit, category)
        if penalty <= HARD_CONFLICT:
            continue  # the title says it is for someone this type is never for
        if penalty:
            score += penalty
            notes.append(why)
        out.append(Scored(type_id, hit, round(score, 3), tuple(notes)))
    out.sort(key=lambda s: (-s.score, s.type_id))
    return out
