"""The product as both engines draft from it: what `assistant.products` understood, in the words a topic needs.

- `filled(product, profile)`: an ad hoc product gets the profile's noun, verb, unit, scenes, alternatives,
  seasons and traits (a catalogue product keeps its own fields: they are overrides);
- `traits_for(profile)`: the pattern library's traits (baby, kids, pet, household, personal, placed,
  cleanable, optional …) read from the profile's nature, users, facets and category;
- `who(profile, audience)`: whom a question is about in this group (你家孩子, 你家毛孩子, 你家爸妈 or 你);
- `for_group(lines, audience)`: scenes, pains and either-ors that are this group's life;
- `suits(natures, nature)`: whether a pattern suits the product's nature (unknown: only patterns for every
  nature).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from assistant.models import Audience, Product
from assistant.products import ProductProfile
from assistant.products.vocab import NATURES, SEASON_LABELS

GOODS = ("durable", "consumable", "fresh", "food", "wearable", "gift")
OUTINGS = ("service", "course", "subscription", "experience")
_SEASON_ZH = {s: f"{label}季" for s, label in SEASON_LABELS.items() if s != "all"} | {"all": "全年"}
_GADGETS = ("digital", "computer-office")
_CHILD_TITLE = ("儿童", "女童", "男童", "童装", "童鞋", "少儿", "幼儿", "小学生")
_APPLIANCES = ("appliances", "small-appliances")


def suits(natures: Sequence[str] | None, nature: str | None) -> bool:
    """A pattern fits when it lists the nature; with the nature unknown only when it lists every nature; a
    pattern that lists none fits everything."""
    if not natures:
        return True
    if nature is None:
        return set(NATURES) <= set(natures)
    return nature in natures


def traits_for(profile: ProductProfile) -> set[str]:
    """The pattern library's traits for a profile (knowledge_base/patterns/patterns.yaml `traits`)."""
    nature, users, facets = profile.nature, set(profile.users), set(profile.facets)
    out: set[str] = set()
    if nature in ("consumable", "food", "fresh") or "restock" in facets:
        out.add("consumable")
    if nature in ("food", "fresh"):
        out |= {"food", "expires"}
    if nature in ("durable", "wearable"):
        out.add("durable")
    if nature == "wearable":
        out.add("wearable")
    if "baby" in users:
        out.add("baby")
    if "child" in users and "self" not in users:
        out.add("kids")
    if "pet" in users:
        out.add("pet")
    if "family" in users or "shared" in facets:
        out.add("household")
    if users <= {"self", "gift_receiver"} and nature in ("durable", "wearable", "consumable"):
        out.add("personal")
    if "placed" in facets:
        out.add("placed")
    if "maintained" in facets:
        out.add("cleanable")
    if "occasional" in facets and nature in GOODS:
        out.add("optional")
    if "gift" in profile.themes or "gift_receiver" in users or nature == "gift":
        out.add("gift")
    if profile.category_slug in _GADGETS:
        out.add("gadget")
    if profile.category_slug in _APPLIANCES:
        out.add("appliance")
    return out


def for_group(lines: Iterable[str], audience: Audience | None) -> list[str]:
    """Lines (scenes, pains) that are this group's life: none with a word of its `scene_skip`."""
    skip = [w for w in (audience.scene_skip if audience else []) if w]
    return [line for line in lines if not any(w in line for w in skip)]


def debates_for(debates: Iterable[tuple[str, str]], audience: Audience | None) -> list[tuple[str, str]]:
    skip = [w for w in (audience.scene_skip if audience else []) if w]
    return [(a, b) for a, b in debates if not any(w in a or w in b for w in skip)]


def filled(product: Product, profile: ProductProfile | None) -> Product:
    """An ad hoc product with what its profile knows; a catalogue product as it is (its fields win)."""
    if profile is None or not product.ad_hoc:
        return product
    noun = profile.noun
    keywords = list(dict.fromkeys([noun, *product.keywords]))
    seasons = [_SEASON_ZH[s] for s in profile.seasons if s in _SEASON_ZH]
    return product.model_copy(
        update={
            "subject": noun,
            "verb": product.verb or profile.verb,
            "unit": product.unit or profile.unit,
            "scenarios": product.scenarios or list(profile.scenes),
            "rivals": product.rivals or [a for a in profile.alternatives if a and a != noun],
            "seasons": product.seasons or seasons,
            "traits": product.traits or sorted(traits_for(profile)),
            "keywords": keywords,
        }
    )


def _users(profile: ProductProfile) -> set[str]:
    users: set[str] = set(profile.users)
    if "child" in users and any(cue in profile.name for cue in _CHILD_TITLE):
        users -= {"self", "elder"}  # 女童汉服: the title says it is the child's
    return users


def _only(users: set[str], kinds: set[str], extra: frozenset[str] = frozenset({"family"})) -> bool:
    return bool(users & kinds) and users <= kinds | extra


def who(profile: ProductProfile | None, audience: Audience | None, noun: str = "") -> str:
    """Whom a question is about: 你家孩子 / 你家宝宝 (你家 for a baby's things a parent handles, 家里小孩 in
    银发群), 你家猫 / 你家狗子 / 你家毛孩子, 你家爸妈 (你 in 银发群), else 你. A child's thing in a group without
    children is about 你 (its lines about children are left out for that group)."""
    if profile is None:
        return "你"
    users = _users(profile)
    group = audience.id if audience else None
    if "pet" in users:
        text = profile.name + noun
        if "猫" in text and "狗" not in text:
            return "你家猫"
        if any(w in text for w in ("狗", "犬")) and "猫" not in text:
            return "你家狗子"
        return "你家毛孩子"
    if _only(users, {"baby", "child"}):
        if group == "students":
            return "你"
        if group == "seniors":
            return "家里小孩"
        if "child" not in users:
            return "你家" if profile.nature == "durable" else "你家宝宝"
        return "你家孩子"
    if _only(users, {"elder"}, frozenset({"gift_receiver"})):
        return "你" if group == "seniors" else "你家爸妈"
    return "你"


def side(profile: ProductProfile | None, audience: Audience | None, noun: str = "") -> str:
    """Who takes a side in an either-or: the pet, the household for what only a family, a child or an elder
    uses (the grown-ups choose), else 你."""
    found = who(profile, audience, noun)
    if found.startswith("你家猫") or found.startswith("你家狗") or found == "你家毛孩子":
        return found
    users = _users(profile) if profile is not None else set()
    household = users == {"family"} or (bool(users & {"baby", "child", "elder"}) and "self" not in users)
    if (audience is None or audience.id != "students") and household:
        return "你家"
    return "你"
