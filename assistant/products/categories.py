"""The operator's `--category` read against the library: one category (童装 → 童装童鞋), several (an umbrella
word such as 食品生鲜), a type it names outright (月饼, 狗粮), or nothing known (reported, never guessed)."""

from __future__ import annotations

from dataclasses import dataclass

from assistant.knowledge.files import norm_key
from assistant.products.library import TypeLibrary
from assistant.products.matching import words_in
from assistant.products.text import clean_text


@dataclass(frozen=True)
class CategoryRead:
    text: str = ""  # as the operator typed it ("" when none)
    slugs: tuple[str, ...] = ()  # library categories it means
    word: str = ""  # the library word that recognised it
    type_id: str | None = None  # a type the category names outright
    for_pets: bool = False  # every category it means is for pets

    @property
    def given(self) -> bool:
        return bool(self.text)

    @property
    def known(self) -> bool:
        return bool(self.slugs)

    @property
    def umbrella(self) -> bool:
        return len(self.slugs) > 1


def _type_named(key: str, lib: TypeLibrary) -> tuple[str, str] | None:
    """(type id, word) of the library word in `key` that ends nearest its end, longest first; only when the
    word names one type."""
    found = [(end, end - start, word, ids) for start, end, word, ids in words_in(key, lib) if len(word) >= 2]
    if not found:
        return None
    _end, _len, word, ids = max(found, key=lambda f: (f[0], f[1]))
    return (ids[0], word) if len(ids) == 1 else None


def resolve_category(text: str | None, lib: TypeLibrary) -> CategoryRead:
    typed = " ".join(str(text or "").split())
    if not typed:
        return CategoryRead()
    key = norm_key(clean_text(typed))
    words = lib.category_words
    slugs: tuple[str, ...] = words.get(key, ())
    word = key if slugs else ""
    named = None if slugs else _type_named(key, lib)
    if named:
        slugs, word = (lib.types[named[0]].category,), named[1]
    if not slugs:
        inside = [
            (key.rfind(w) + len(w), len(w), w) for w in words if w in key and (len(w) >= 2 or key.endswith(w))
        ]
        if inside:
            word = max(inside)[2]
            slugs = words[word]
    pets = bool(slugs) and all(lib.category(s).defaults.users == ["pet"] for s in slugs)
    return CategoryRead(
        text=typed, slugs=slugs, word=word, type_id=named[0] if named else None, for_pets=pets
    )
