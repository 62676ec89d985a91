"""The offline engine: fills the pattern library (`knowledge_base/patterns/patterns.yaml`) from the product,
the audience and the day's hooks, scores every candidate with the same checks as the eval harness, drops
failures, and picks diverse winners with MMR. Deterministic for the same inputs.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass, field
from datetime import date as Date
from functools import lru_cache
from pathlib import Path
from typing import Any

from assistant.models import Audience, CalendarEvent, Hook, Product, Topic, TopicType, TrendItem, stable_id
from assistant.ranking import bigrams, is_contained, is_near_duplicate, jaccard, mmr
from assistant.settings import Settings, get_settings

MAX_CHARS = 60
HOOK_BONUS = 0.2
_END_PUNCT = re.compile(r"[。！!，,；;～~\s]+$")
_TITLE_PUNCT = re.compile(r"[？?！!。～~#]+$")
_QUESTION = re.compile(r"[？?]")
JITTER = 0.06  # per-pattern, seeded: different days and groups see different shapes
LENGTH_FREE = 28  # characters; longer topics lose a little rank per character


@dataclass(frozen=True)
class DayHook:
    kind: str  # trend | calendar | season | none
    title: str = ""
    source: str = ""
    opening: str = "none"  # key into the library's openings
    days: int = 0
    weight: float = 0.0

    def as_hook(self) -> Hook | None:
        if self.kind == "none":
            return None
        return Hook(kind=self.kind, title=self.title, source=self.source)  # type: ignore[arg-type]


@dataclass
class DayContext:
    product: Product
    audience: Audience | None
    date: Date
    trends: list[TrendItem] = field(default_factory=list)
    events: list[CalendarEvent] = field(default_factory=list)
    user_trends: list[str] = field(default_factory=list)
    recent: list[str] = field(default_factory=list)

    def seed(self) -> str:
        parts = [
            self.product.id,
            self.product.name,
            self.audience.id if self.audience else "-",
            self.date.isoformat(),
        ]
        return stable_id(*parts, *self.user_trends, *(t.title for t in self.trends))


@dataclass
class Candidate:
    topic: Topic
    pattern: str
    hook: DayHook
    passed: bool
    compliant: bool
    rank: float


# --------------------------------------------------------------------------- library


def library_path(settings: Settings | None = None) -> Path:
    return Path((settings or get_settings()).kb_dir) / "patterns" / "patterns.yaml"


@lru_cache(maxsize=4)
def _load(path: str, mtime: float) -> dict[str, Any]:
    import yaml

    from assistant.errors import DataError

    try:
        loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml: ~10x faster cold start
        data = yaml.load(Path(path).read_text(encoding="utf-8"), Loader=loader)  # noqa: S506 - safe loader
    except (OSError, yaml.YAMLError) as exc:
        raise DataError(f"{path}: 话题模式库读不出来：{exc}") from exc
    if not isinstance(data, dict) or not data.get("patterns"):
        raise DataError(f"{path}: 话题模式库里没有 patterns")
    for p in data["patterns"]:
        if p.get("type") not in TopicType.__members__:
            raise DataError(f"{path}: 模式 {p.get('id')} 的 type 不认识：{p.get('type')}")
    return data


def library(settings: Settings | None = None) -> dict[str, Any]:
    path = library_path(settings)
    try:
        mtime = path.stat().st_mtime
    except FileNotFoundError as exc:
        from assistant.errors import DataError

        raise DataError(f"{path}: 找不到话题模式库") from exc
    return _load(str(path), mtime)


def version(settings: Settings | None = None) -> str:
    return str(library(settings).get("version", "patterns"))


def _word(table: dict[str, Any], product: Product, default: str) -> str:
    return table.get("by_product", {}).get(product.id) or table.get("by_category", {}).get(
        product.category, table.get("default", default)
    )


def verb_for(product: Product, lib: dict[str, Any]) -> str:
    return _word(lib.get("verbs", {}), product, "用")


def everyday_noun(product: Product) -> str:
    """The product's everyday noun with claim words cut out: 美白祛斑精华 -> 精华, 最好用的拖把 -> 拖把."""
    from assistant.checks import check_compliance

    noun = product.noun
    result = check_compliance(noun, None)
    if result.passed:
        return noun
    spans = sorted((f["span"] for f in result.details.get("findings", []) if f.get("span")), reverse=True)
    for start, end in spans:
        noun = noun[:start] + " " + noun[end:]
    parts = [p.strip("的之 ，,、") for p in noun.split()]
    best = max(parts, key=len, default="")
    return best if len(best) >= 2 else product.category or product.noun


# --------------------------------------------------------------------------- hooks


def _affinity(text: str, product: Product) -> float:
    words = [product.noun, *product.keywords]
    if any(w and w in text for w in words):
        return 1.0
    grams = bigrams(text)
    return 0.4 if any(bigrams(w) & grams for w in words if len(w) >= 2) else 0.0


def _safe(title: str, product: Product) -> bool:
    """A trend title quoted in a topic must not bring a claim word along (禁止宣传美白 ...)."""
    from assistant.checks import check_compliance

    return not any(c in title for c in product.forbidden_claims) and check_compliance(title, product).passed


def day_hooks(ctx: DayContext, lib: dict[str, Any]) -> list[DayHook]:
    """The day's hooks, best first: typed trends, trends matching the product, calendar, season."""
    event_names = {e.name for e in ctx.events}
    hooks = [DayHook("trend", _TITLE_PUNCT.sub("", t.strip()), "用户输入", "trend", 0, 1.0)
             for t in ctx.user_trends
             if t.strip() and t.strip() not in event_names and _safe(t, ctx.product)]  # fmt: skip
    found = []
    for item in ctx.trends:
        title = _TITLE_PUNCT.sub("", item.title).strip()
        aff = _affinity(title, ctx.product)
        if aff >= 1.0 and 2 <= len(title) <= 20 and not _QUESTION.search(title) and _safe(title, ctx.product):
            age = max(0, (ctx.date - item.date).days)
            src = item.url or f"{item.platform} {item.date.isoformat()}"
            found.append(DayHook("trend", title, src, "trend", 0, round(aff * (1 - age / 8), 3)))
    hooks += sorted(found, key=lambda h: -h.weight)[:3]
    kind_weight = {"shopping_festival": 0.6, "public_holiday": 0.5, "lunar_festival": 0.5, "solar_term": 0.5,
                   "festival": 0.1}  # fmt: skip
    cal = []
    for e in ctx.events:
        if e.kind == "season" or not 0 <= e.days_from <= 7:
            continue
        aff = 1.0 if _affinity(e.name, ctx.product) == 1.0 else kind_weight.get(e.kind, 0.4)
        key = ("calendar_today", "calendar_tomorrow")[e.days_from] if e.days_from < 2 else "calendar_soon"
        src = f"calendar:{e.date.isoformat()}"
        cal.append(DayHook("calendar", e.name, src, key, e.days_from, round(aff * (1 - e.days_from / 10), 3)))
    hooks += sorted(cal, key=lambda h: -h.weight)[:3]
    season = next((e for e in ctx.events if e.kind == "season"), None)
    word = lib.get("seasons", {}).get(season.name) if season else None
    if season and word:
        seasons = ctx.product.seasons
        weight = 0.5 if season.name in seasons else 0.3 if (not seasons or "全年" in seasons) else 0.0
        if weight:
            hooks.append(DayHook("season", word, "calendar:season", "season", 0, weight))
    return hooks


def _openings(hook: DayHook, lib: dict[str, Any], address: str) -> list[str]:
    table = lib.get("openings", {})
    if hook.kind == "season":
        options = table.get("season", {}).get(hook.title, [])
    elif hook.kind == "none" and not address:
        return [""]
    else:
        options = table.get(hook.opening if hook.kind != "none" else "none", [])
    return [o.format(hook=hook.title, days=hook.days, addr=address) for o in options]


# --------------------------------------------------------------------------- candidates


def _fits(pattern: dict[str, Any], product: Product, lib: dict[str, Any]) -> bool:
    if product.id in pattern.get("skip", []):
        return False
    kinds = pattern.get("kinds")
    if not kinds or product.id in pattern.get("also", []):
        return True
    if product.ad_hoc:  # unknown product: only the shapes that fit anything
        return False
    kind = "durable" if product.id in lib.get("durables", []) else "consumable"
    return kind in kinds


def _questions(pattern: dict[str, Any], slots: dict[str, str], scenes: list[str]) -> list[tuple[str, str]]:
    out = []
    for template in pattern["questions"]:
        for scene in scenes if "{scene}" in template else [""]:
            out.append((template.format(**{**slots, "scene": scene}), scene))
    return out


def _hooks_for(pattern: dict[str, Any], hooks: list[DayHook], season_ok: bool) -> list[DayHook]:
    needs = pattern.get("needs", "none")
    none = DayHook("none")
    if needs == "calendar":
        return [h for h in hooks if h.kind == "calendar"]
    if needs == "trend":
        return [h for h in hooks if h.kind == "trend"]
    if needs == "season":
        return [none, *[h for h in hooks if h.kind == "trend"][:2]] if season_ok else []
    return [none, *hooks[:5]]


def _bridge(product: Product, noun: str, lib: dict[str, Any], index: int, rng: random.Random) -> str:
    from assistant.checks import check_compliance

    points = [_END_PUNCT.sub("", p) for p in product.selling_points if p.strip()]
    templates = lib.get("bridges", [])
    for point in ([points[index % len(points)]] if points else []) + [""]:
        for name in (product.name, noun):
            template = rng.choice(templates) if point else lib.get("bridge_no_point", "{name}")
            text = template.format(name=name, noun=noun, point=point)
            if check_compliance(text, product).passed:
                return text
    return ""


def _follow_ups(pattern: dict[str, Any], slots: dict[str, str], scene: str, product: Product) -> list[str]:
    from assistant.checks import check_compliance

    lines = [f.format(**{**slots, "scene": scene}) for f in pattern.get("follow_ups", [])]
    return [line for line in lines if check_compliance(line, product).passed][:3]


def _slots(ctx: DayContext, lib: dict[str, Any], hooks: list[DayHook]) -> dict[str, str]:
    season = next((h.title for h in hooks if h.kind == "season"), "")
    return {
        "noun": everyday_noun(ctx.product),
        "verb": verb_for(ctx.product, lib),
        "want": _word(lib.get("wants", {}), ctx.product, "最需要"),
        "addr": ctx.audience.address if ctx.audience else "大家",
        "season": season,
    }


def candidates(ctx: DayContext, lib: dict[str, Any], hooks: list[DayHook] | None = None) -> list[Candidate]:
    """Every pattern x question x hook, checked; duplicates and recent near-duplicates removed."""
    from assistant.checks import run_checks

    hooks = day_hooks(ctx, lib) if hooks is None else hooks
    rng = random.Random(ctx.seed())
    slots = _slots(ctx, lib, hooks)
    season_hook = next((h for h in hooks if h.kind == "season"), None)
    season_ok = bool(season_hook and season_hook.weight >= 0.5)
    scenes = sorted(rng.sample(ctx.product.scenarios, min(3, len(ctx.product.scenarios))),
                    key=ctx.product.scenarios.index)  # fmt: skip
    recent = [r for r in ctx.recent if r]
    jitter = {p["id"]: rng.uniform(-JITTER, JITTER) for p in lib["patterns"]}
    seen: set[str] = set()
    out: list[Candidate] = []
    for pattern in lib["patterns"]:
        if not _fits(pattern, ctx.product, lib):
            continue
        if pattern.get("needs") == "scene" and not scenes:
            continue
        for question, scene in _questions(pattern, slots, scenes):
            for hook in _hooks_for(pattern, hooks, season_ok):
                options = _openings(hook, lib, slots["addr"] if ctx.audience else "")
                opening = rng.choice(options) if options else ""
                text = opening + question
                if text in seen or len(text) > MAX_CHARS:
                    continue
                seen.add(text)
                if recent and (is_near_duplicate(text, recent) or is_contained(question, recent)):
                    continue
                trend = [hook.title] if hook.kind == "trend" else None
                report = run_checks(text, ctx.product, audience=ctx.audience, date=ctx.date, trend=trend)
                topic = Topic(
                    type=TopicType(pattern["type"]),
                    opening=opening,
                    question=question,
                    hook=hook.as_hook(),
                    follow_ups=_follow_ups(pattern, slots, scene, ctx.product),
                    checks=report.checks,
                    pattern=pattern["id"],
                )
                rank = report.score + HOOK_BONUS * hook.weight + jitter[pattern["id"]]
                rank -= 0.004 * max(0, len(text) - LENGTH_FREE)
                out.append(Candidate(topic, pattern["id"], hook, report.passed,
                                     report.checks["compliance"].passed, round(rank, 4)))  # fmt: skip
    return out


def similarity(a: Candidate, b: Candidate) -> float:
    same_hook = a.hook.kind in ("trend", "calendar") and a.hook.title == b.hook.title
    same_hook += 0.4 * (a.hook.kind == "season" and b.hook.kind == "season")
    return (0.4 * jaccard(a.topic.text, b.topic.text) + 0.25 * (a.topic.type == b.topic.type)
            + 0.5 * same_hook + 0.1 * (a.pattern == b.pattern))  # fmt: skip


def pick(cands: list[Candidate], n: int) -> list[Candidate]:
    """Passing candidates ranked by MMR; compliant ones fill up if too few pass. Never a non-compliant one."""
    passing = sorted((c for c in cands if c.passed), key=lambda c: -c.rank)
    chosen = mmr(passing, [c.rank for c in passing], similarity, n)
    if len(chosen) < n:
        rest = sorted((c for c in cands if c.compliant and not c.passed), key=lambda c: -c.rank)
        chosen += mmr(rest, [c.rank for c in rest], similarity, n - len(chosen))
    return chosen


def draft_topics(ctx: DayContext, n: int, settings: Settings | None = None) -> list[Topic]:
    lib = library(settings)
    chosen = pick(candidates(ctx, lib), n)
    rng = random.Random(ctx.seed() + "bridge")
    topics = []
    for i, c in enumerate(chosen):
        c.topic.bridge = _bridge(ctx.product, everyday_noun(ctx.product), lib, i, rng)
        c.topic.score = round(c.rank, 3)
        topics.append(c.topic)
    return topics
