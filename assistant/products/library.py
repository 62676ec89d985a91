"""The product-type library: `knowledge_base/product_types/*.yaml` loaded, validated and indexed.

One file per category (`<slug>.yaml`: category, slug, aliases, defaults, types); category defaults apply to
every type that does not override them. Two more files start with `_`: `_aliases.yaml` (the allowlist of
aliases several types may share, and umbrella category words such as 食品生鲜 that span several categories)
and `_natures.yaml` (everyday lines per nature, used when only a category or only a name is known).

A malformed file raises `DataError` with `path:line: reason`. Loads are cached and re-read when a file of the
directory changes (mtime/size), like the other knowledge-base loaders.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

from assistant.errors import DataError
from assistant.knowledge.files import cached, display_path, kb_dir, norm_key
from assistant.products.vocab import NATURES, ClaimRisk, Facet, Nature, Season, Theme, UserKind
from assistant.products.yamlfile import fail, node_line, validated
from assistant.settings import Settings, get_settings

SLUG = r"^[a-z0-9]+(-[a-z0-9]+)*$"
MIN_SCENES, MIN_PAINS, MIN_DEBATES = 5, 3, 2


def _debate(value: Any) -> tuple[str, str]:
    if isinstance(value, tuple | list):
        value = "|".join(str(v) for v in value)
    parts = [p.strip() for p in str(value).split("|")]
    if len(parts) != 2 or not all(parts):
        raise ValueError(f"二选一要写成「甲|乙」（当前：{value}）")
    return parts[0], parts[1]


class Lines(BaseModel):
    """Everyday lines about a kind of thing: moments of use, annoyances, either-or choices, substitutes."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    scenes: list[str] = Field(min_length=MIN_SCENES)
    pains: list[str] = Field(min_length=MIN_PAINS)
    debates: list[tuple[str, str]] = Field(min_length=MIN_DEBATES)
    alternatives: list[str] = []

    @field_validator("debates", mode="before")
    @classmethod
    def _split(cls, value: Any) -> Any:
        return [_debate(v) for v in value] if isinstance(value, list) else value


class Defaults(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    nature: Nature
    users: list[UserKind] = Field(min_length=1)
    verb: str = Field(min_length=1)
    unit: str = Field(min_length=1)
    claim_risk: ClaimRisk
    seasons: list[Season] = ["all"]


class _TypeEntry(Lines):
    """A type as written in a category file (overrides optional)."""

    id: str = Field(pattern=SLUG)
    name: str = Field(min_length=1)
    aliases: list[str] = []
    word: str | None = Field(
        None, description="what people say when the name is a listing word (温泉套票: 温泉)"
    )
    act: str | None = Field(
        None, description="the activity people name (泡温泉, 上钢琴课); default verb + word"
    )
    nature: Nature | None = None
    users: list[UserKind] | None = Field(None, min_length=1)
    verb: str | None = None
    unit: str | None = None
    claim_risk: ClaimRisk | None = None
    themes: list[Theme] = []
    seasons: list[Season] | None = None
    months: list[int] = []
    facets: list[Facet] = []

    @field_validator("months")
    @classmethod
    def _months(cls, value: list[int]) -> list[int]:
        bad = [m for m in value if not 1 <= m <= 12]
        if bad:
            raise ValueError(f"月份应在 1 到 12 之间（当前：{bad}）")
        return value


class _CategoryFile(BaseModel):
    model_config = ConfigDict(extra="forbid")

    category: str = Field(min_length=1)
    slug: str = Field(pattern=SLUG)
    aliases: list[str] = []
    defaults: Defaults
    types: list[_TypeEntry] = Field(min_length=1)


class ProductType(Lines):
    """A leaf type with its category defaults applied."""

    id: str
    name: str
    aliases: list[str]
    word: str | None = None
    act: str | None = None
    category: str = Field(description="category slug")
    category_name: str
    nature: Nature
    users: list[UserKind]
    verb: str
    unit: str
    claim_risk: ClaimRisk
    themes: list[Theme]
    seasons: list[Season]
    months: list[int]
    facets: list[Facet]

    @property
    def keys(self) -> tuple[str, ...]:
        """The name and aliases: every word that means this type."""
        return (self.name, *self.aliases)


class Category(BaseModel):
    model_config = ConfigDict(frozen=True)

    slug: str
    name: str
    aliases: list[str]
    defaults: Defaults
    types: list[ProductType]
    path: str = Field("", description="the file it came from, for messages")


class _SharedAlias(BaseModel):
    model_config = ConfigDict(extra="forbid")

    alias: str
    types: list[str] = Field(min_length=2)
    why: str = Field(min_length=4, description="why several types may answer to this word")


class _Umbrella(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str
    aliases: list[str] = []
    categories: list[str] = Field(min_length=2)


class _AliasesFile(BaseModel):
    model_config = ConfigDict(extra="forbid")

    shared_aliases: list[_SharedAlias] = []
    umbrellas: list[_Umbrella] = []


class _NaturesFile(BaseModel):
    model_config = ConfigDict(extra="forbid")

    natures: dict[Nature, Lines]
    neutral: Lines
    users: dict[UserKind, Lines] = {}


@dataclass(frozen=True)
class TypeLibrary:
    """Every category and type, with lookups by id and by (normalised) word."""

    categories: tuple[Category, ...]
    types: dict[str, ProductType]
    aliases: dict[str, str] = field(repr=False)  # norm_key(word) -> type id (shared words: first type)
    shared: dict[str, tuple[str, ...]] = field(repr=False)  # allowlisted shared words -> type ids
    category_words: dict[str, tuple[str, ...]] = field(repr=False)  # norm_key(word) -> category slugs
    nature_lines: dict[str, Lines] = field(repr=False)  # nature (or "neutral") -> fallback lines
    user_lines: dict[str, Lines] = field(repr=False, default_factory=dict)  # user kind -> fallback lines
    digest: str = ""

    def category(self, slug: str) -> Category:
        return next(c for c in self.categories if c.slug == slug)

    def type_ids_for(self, word: str) -> tuple[str, ...]:
        key = norm_key(word)
        return self.shared.get(key) or ((self.aliases[key],) if key in self.aliases else ())

    def lines_for(self, nature: Nature | None, users: Iterable[str] = ()) -> Lines:
        """Everyday lines when no type is known: for things only one kind of user has (pets, babies,
        children, elders) that user's, else the nature's, else the neutral ones."""
        kinds = set(users)
        if len(kinds) == 1 and (only := next(iter(kinds))) in self.user_lines:
            return self.user_lines[only]
        return self.nature_lines.get(nature or "neutral") or self.nature_lines["neutral"]


def _resolve(entry: _TypeEntry, cat: _CategoryFile) -> ProductType:
    d = cat.defaults
    aliases = list(dict.fromkeys(a for a in entry.aliases if norm_key(a) != norm_key(entry.name)))
    return ProductType(
        id=entry.id,
        name=entry.name,
        aliases=aliases,
        word=entry.word,
        act=entry.act,
        category=cat.slug,
        category_name=cat.category,
        nature=entry.nature or d.nature,
        users=entry.users or d.users,
        verb=entry.verb or d.verb,
        unit=entry.unit or d.unit,
        claim_risk=entry.claim_risk or d.claim_risk,
        scenes=entry.scenes,
        pains=entry.pains,
        debates=entry.debates,
        alternatives=entry.alternatives,
        themes=entry.themes,
        seasons=entry.seasons or d.seasons,
        months=entry.months,
        facets=entry.facets,
    )


def _build(files: list[Path]) -> TypeLibrary:
    directory = files[0].parent if files else None
    side = {f.name: f for f in files if f.name.startswith("_")}
    category_files = [f for f in files if not f.name.startswith("_")]
    if not category_files or directory is None:
        raise DataError("knowledge_base/product_types/: 没有品类文件（<slug>.yaml）")
    for name in ("_aliases.yaml", "_natures.yaml"):
        if name not in side:
            raise DataError(f"{display_path(directory / name)}: 文件不存在")
    extras, _ = validated(side["_aliases.yaml"], _AliasesFile)
    natures, natures_node = validated(side["_natures.yaml"], _NaturesFile)
    missing = [n for n in NATURES if n not in natures.natures]
    if missing:
        raise fail(
            side["_natures.yaml"], node_line(natures_node, ["natures"]), f"缺少性质 {'、'.join(missing)}"
        )

    categories: list[Category] = []
    types: dict[str, ProductType] = {}
    where: dict[str, str] = {}  # type id -> file
    owners: dict[str, list[tuple[str, Path, int]]] = {}  # word -> (type id, file, line)
    category_words: dict[str, list[str]] = {}
    for path in category_files:
        cat, node = validated(path, _CategoryFile)
        if cat.slug != path.stem:
            raise fail(path, node_line(node, ["slug"]), f"slug {cat.slug} 应与文件名 {path.stem} 一致")
        resolved = []
        for index, entry in enumerate(cat.types):
            line = node_line(node, ["types", index, "id"])
            if entry.id in types:
                raise fail(path, line, f"类型 id 重复：{entry.id}（{where[entry.id]} 里已有）")
            ptype = _resolve(entry, cat)
            types[ptype.id], where[ptype.id] = ptype, display_path(path)
            resolved.append(ptype)
            for word in dict.fromkeys(norm_key(k) for k in ptype.keys):
                owners.setdefault(word, []).append((ptype.id, path, line))
        categories.append(
            Category(
                slug=cat.slug,
                name=cat.category,
                aliases=cat.aliases,
                defaults=cat.defaults,
                types=resolved,
                path=display_path(path),
            )
        )
        for word in dict.fromkeys(norm_key(w) for w in (cat.category, cat.slug, *cat.aliases)):
            category_words.setdefault(word, []).append(cat.slug)

    shared = _shared_aliases(extras, types, side["_aliases.yaml"])
    for word, found in owners.items():
        ids = tuple(dict.fromkeys(t for t, _p, _l in found))
        if len(ids) > 1 and set(ids) != set(shared.get(word, ())):
            _tid, path, line = found[-1]
            raise fail(
                path,
                line,
                f"别名「{word}」同时属于 {'、'.join(ids)}；只留给一个类型，确实通用的写进 _aliases.yaml 的 "
                "shared_aliases 并说明理由",
            )
    for word, slugs in category_words.items():
        if len(slugs) > 1:
            raise DataError(
                f"{display_path(directory)}: 品类别名「{word}」同时属于 {'、'.join(slugs)}；"
                "跨品类的大类词写进 _aliases.yaml 的 umbrellas"
            )
    words = {w: tuple(s) for w, s in category_words.items()}
    known = {c.slug for c in categories}
    for umbrella in extras.umbrellas:
        unknown = [s for s in umbrella.categories if s not in known]
        if unknown:
            raise fail(
                side["_aliases.yaml"], 1, f"umbrellas「{umbrella.name}」里的品类不存在：{'、'.join(unknown)}"
            )
        for word in (umbrella.name, *umbrella.aliases):
            if norm_key(word) in words:
                raise fail(
                    side["_aliases.yaml"], 1, f"umbrellas「{word}」已是品类 {words[norm_key(word)][0]} 的别名"
                )
            words[norm_key(word)] = tuple(umbrella.categories)

    digest = hashlib.sha256()
    for f in files:
        digest.update(f.name.encode() + b"\0" + f.read_bytes())
    lines: dict[str, Lines] = {**natures.natures, "neutral": natures.neutral}
    return TypeLibrary(
        categories=tuple(categories),
        types=types,
        aliases={w: found[0][0] for w, found in owners.items()},
        shared=shared,
        category_words=words,
        nature_lines=lines,
        user_lines=dict(natures.users),
        digest=digest.hexdigest()[:16],
    )


def _shared_aliases(
    extras: _AliasesFile, types: dict[str, ProductType], path: Path
) -> dict[str, tuple[str, ...]]:
    shared: dict[str, tuple[str, ...]] = {}
    for item in extras.shared_aliases:
        unknown = [t for t in item.types if t not in types]
        if unknown:
            raise fail(path, 1, f"shared_aliases「{item.alias}」里的类型不存在：{'、'.join(unknown)}")
        shared[norm_key(item.alias)] = tuple(item.types)
    return shared


def types_dir(settings: Settings | None = None) -> Path:
    return kb_dir(settings) / "product_types"


def load_library(settings: Settings | None = None) -> TypeLibrary:
    """The validated type library (cached until a file in the directory changes)."""
    home = (settings or get_settings()).home
    return cached("product_types", types_dir(settings), "*.yaml", _build, disk=home / "cache")
