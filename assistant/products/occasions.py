"""The occasion vocabulary (`knowledge_base/occasions.yaml`): which themes a calendar event, a trend title or a
date window carries, and which of a day's occasions fit a product profile (`fitting`).

A fit comes from the profile, never from the product's name: its themes (情人节 → romance → 鲜花, 口红), who
uses it (儿童节 → kids → anything for children), its nature (双12 → shopping → consumables and food), its
facets (outdoor → outings) and its season or months (harvest only in the months it is in season).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date as Date
from datetime import timedelta
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from assistant.knowledge.files import cached, kb_dir
from assistant.models import CalendarEvent, TrendItem
from assistant.products.profile import ProductProfile
from assistant.products.vocab import THEMES, Season, Theme
from assistant.products.yamlfile import fail, node_line, validated
from assistant.settings import Settings

OCCASIONS_FILE = "occasions.yaml"
Via = Literal["theme", "users", "nature", "facet", "season", "name"]
_MMDD = r"^(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$"
ANCHORS = ("春节", "端午节", "中秋节")  # events a window may be counted back from


class Window(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    name: str = Field(min_length=1)
    start: str | None = Field(None, alias="from", pattern=_MMDD)
    end: str | None = Field(None, alias="to", pattern=_MMDD)
    before_event: str | None = None
    days: int | None = Field(None, ge=1, le=60)

    @model_validator(mode="after")
    def _one_kind(self) -> Window:
        fixed = self.start is not None and self.end is not None
        relative = self.before_event is not None and self.days is not None
        if fixed == relative:
            raise ValueError("时间段要么写 from 和 to，要么写 before_event 和 days")
        if self.before_event is not None and self.before_event not in ANCHORS:
            raise ValueError(f"before_event 只能是 {'、'.join(ANCHORS)}")
        return self


class ThemeSpec(BaseModel):
    model_config = ConfigDict(extra="forbid")

    label: str = Field(min_length=1)
    words: list[str] = []
    events: list[str] = []
    windows: list[Window] = []
    why: str = Field(min_length=1, description="why an occasion of this theme fits; {noun} {verb}")


class _OccasionsFile(BaseModel):
    model_config = ConfigDict(extra="forbid")

    version: str
    themes: dict[Theme, ThemeSpec]


class Occasion(BaseModel):
    """Something that makes a day special: a calendar event, a named window, a trend, or a product's season."""

    name: str
    kind: Literal["event", "window", "trend", "season"]
    themes: list[Theme] = []
    date: Date | None = Field(None, description="the event's date, or the window's first day")
    days_from: int = Field(0, description="event date minus the day (negative: under way)")
    days_into: int = Field(0, description="days since a window began")
    days_left: int = Field(0, description="days until a window ends")
    event_kind: str = Field("", description="the calendar kind of an event (solar_term, festival ...)")


class OccasionFit(BaseModel):
    occasion: Occasion
    theme: Theme | None = Field(None, description="the theme it fits through (None: a trend naming it)")
    label: str = ""
    via: Via
    score: float = Field(..., ge=0, le=1)
    why: str = Field(..., description="a Chinese line saying why this occasion fits the product")


@dataclass(frozen=True)
class OccasionLibrary:
    version: str
    themes: dict[Theme, ThemeSpec]
    by_event: dict[str, tuple[Theme, ...]]


def _build(files: list[Path]) -> OccasionLibrary:
    if not files:
        raise fail(Path("knowledge_base") / OCCASIONS_FILE, 1, "文件不存在")
    path = files[0]
    data, node = validated(path, _OccasionsFile)
    missing = [t for t in THEMES if t not in data.themes]
    if missing:
        raise fail(path, node_line(node, ["themes"]), f"缺少主题 {'、'.join(missing)}")
    by_event: dict[str, list[Theme]] = {}
    for theme, spec in data.themes.items():
        for event in spec.events:
            by_event.setdefault(event, []).append(theme)
    # The more specific theme first (情人节: romance, then gift): fewer events means more specific.
    size = {t: len(spec.events) for t, spec in data.themes.items()}
    ordered = {e: tuple(sorted(ts, key=lambda t: size[t])) for e, ts in by_event.items()}
    return OccasionLibrary(data.version, data.themes, ordered)


def load_occasions(settings: Settings | None = None) -> OccasionLibrary:
    """The validated occasion vocabulary (cached until the file changes)."""
    return cached("occasions", kb_dir(settings), OCCASIONS_FILE, _build)


def themes_of_event(name: str, settings: Settings | None = None) -> list[Theme]:
    """Themes a calendar event carries (情人节 → gift, romance)."""
    return list(load_occasions(settings).by_event.get(name.strip(), ()))


def themes_of_text(title: str, settings: Settings | None = None) -> list[Theme]:
    """Themes a trend title touches: through their words (降温了大家都穿秋裤了吗 → cold) or an event it names
    (冬至吃什么 → the themes of 冬至)."""
    text = (title or "").lower()
    lib = load_occasions(settings)
    named = {t for event, themes in lib.by_event.items() if len(event) >= 2 and event in text for t in themes}
    return [t for t, spec in lib.themes.items() if t in named or any(w.lower() in text for w in spec.words)]


@lru_cache(maxsize=256)  # the lunar calendar is slow to compute (about 12 ms a year) and never changes
def _anchor(name: str, year: int) -> Date:
    from lunar_python import Lunar

    month, day = {"春节": (1, 1), "端午节": (5, 5), "中秋节": (8, 15)}[name]
    solar = Lunar.fromYmd(year, month, day).getSolar()
    return Date(solar.getYear(), solar.getMonth(), solar.getDay())


def _spans(window: Window, day: Date) -> list[tuple[Date, Date]]:
    """The window's date spans that could contain `day` (this year's and the one crossing into it)."""
    spans = []
    for year in (day.year - 1, day.year, day.year + 1):
        if window.before_event and window.days:
            anchor = _anchor(window.before_event, year)
            spans.append((anchor - timedelta(days=window.days), anchor - timedelta(days=1)))
        elif window.start and window.end:
            start = Date(year, int(window.start[:2]), int(window.start[3:]))
            end = Date(year, int(window.end[:2]), int(window.end[3:]))
            if end < start:
                end = Date(year + 1, end.month, end.day)
            spans.append((start, end))
    return spans


def windows_on(day: Date, settings: Settings | None = None) -> list[Occasion]:
    """The named windows active on `day` (one occasion per name, with every theme that lists it)."""
    found: dict[str, Occasion] = {}
    for theme, spec in load_occasions(settings).themes.items():
        for window in spec.windows:
            for start, end in _spans(window, day):
                if start <= day <= end:
                    hit = found.get(window.name)
                    if hit is None:
                        found[window.name] = Occasion(
                            name=window.name,
                            kind="window",
                            themes=[theme],
                            date=start,
                            days_into=(day - start).days,
                            days_left=(end - day).days,
                        )
                    elif theme not in hit.themes:
                        hit.themes.append(theme)
    return sorted(found.values(), key=lambda o: (o.date or day, o.name))


_CN = "零一两三四五六七八九十"


def when(occasion: Occasion) -> str:
    """How far the occasion is, in words: 今天冬至 / 情人节前两天 / 正值梅雨季 / 大家都在聊「…」."""
    name = occasion.name
    if occasion.kind == "window":
        return f"正值{name}"
    if occasion.kind == "trend":
        return f"大家都在聊「{name}」"
    if occasion.kind == "season":
        return name
    d = occasion.days_from
    term = occasion.event_kind == "solar_term"
    if d < 0:
        return f"正赶上{name}"
    if d == 0:
        return f"今天{name}" if term else f"今天是{name}"
    if d == 1:
        return f"明天{name}" if term else f"明天就是{name}"
    return f"{name}前{_CN[d] if d <= 10 else d}天"


def day_occasions(
    day: Date,
    events: Sequence[CalendarEvent] | None = None,
    trends: Sequence[TrendItem | str] = (),
    settings: Settings | None = None,
) -> list[Occasion]:
    """Every occasion of the day: calendar events (the next ten days when not given), windows, trend titles."""
    if events is None:
        from assistant.retrieval.calendar import events_for

        events = events_for(day)
    out: list[Occasion] = []
    for event in events:
        if event.kind == "season":
            continue
        out.append(
            Occasion(
                name=event.name,
                kind="event",
                themes=themes_of_event(event.name, settings),
                date=event.date,
                days_from=event.days_from,
                event_kind=event.kind,
            )
        )
    out.extend(windows_on(day, settings))
    for trend in trends:
        title = trend.title if isinstance(trend, TrendItem) else str(trend)
        title = re.sub(r"\s+", " ", title).strip()
        if title:
            out.append(Occasion(name=title, kind="trend", themes=themes_of_text(title, settings), date=day))
    return out


# --------------------------------------------------------------------------- which occasions fit a profile


def _implied(profile: ProductProfile) -> dict[Theme, Via]:
    """Themes a profile takes part in without listing them: through its users, nature, facets, seasons."""
    out: dict[Theme, Via] = {}
    users, nature, seasons = set(profile.users), profile.nature, set(profile.seasons)
    if users & {"child", "baby"}:
        out["kids"] = "users"
    if "pet" in users:
        out["pets"] = "users"
    if "elder" in users:
        out["family_care"] = "users"
    if "gift_receiver" in users or nature == "gift":
        out["gift"] = "users" if "gift_receiver" in users else "nature"
    if nature in ("consumable", "food"):
        out["shopping"] = "nature"
    if nature in ("food", "fresh", "gift"):
        out["nianhuo"] = "nature"
    if nature == "fresh" and profile.months:
        out["harvest"] = "season"
    if "outdoor" in profile.facets:
        out["outing"] = "facet"
    if profile.claim_risk == "medical_device":
        out["health"] = "nature"  # a 血糖仪 or a 体检 on a health day (never a claim: the checks still run)
    if nature in ("wearable", "durable") and seasons and "all" not in seasons:
        if "winter" in seasons and seasons <= {"autumn", "winter"}:
            out["cold"] = "season"
        if "summer" in seasons and seasons <= {"spring", "summer"}:
            out["hot"] = "season"
    return out


def profile_themes(profile: ProductProfile) -> list[Theme]:
    """Every theme a profile takes part in: its own, then those its users, nature, facets or season imply."""
    own = list(profile.themes)
    return own + [t for t in _implied(profile) if t not in own]


def season_of(day: Date) -> Season:
    """The season people feel in this month (December to February is winter)."""
    return _season(day)  # type: ignore[return-value]


def _season(day: Date) -> str:
    return {12: "winter", 1: "winter", 2: "winter", 3: "spring", 4: "spring", 5: "spring"}.get(
        day.month, "summer" if day.month <= 8 else "autumn"
    )


def _nearness(occasion: Occasion) -> float:
    if occasion.kind == "window":
        return 0.8
    if occasion.kind in ("trend", "season"):
        return 0.85
    d = occasion.days_from
    return (
        0.85 if d < 0 else 1.0 if d == 0 else 0.95 if d == 1 else 0.9 if d <= 3 else 0.75 if d <= 7 else 0.6
    )


def _reason(spec: ThemeSpec, profile: ProductProfile) -> str:
    return spec.why.replace("{noun}", profile.noun).replace("{verb}", profile.verb)


def fitting(
    profile: ProductProfile,
    day: Date,
    events: Sequence[CalendarEvent] | None = None,
    trends: Sequence[TrendItem | str] = (),
    settings: Settings | None = None,
) -> list[OccasionFit]:
    """The day's occasions that fit the profile, best first, each with a Chinese `why`.

    `events` default to the calendar's events of `day` and the next ten days; `trends` are trend items or titles.
    """
    lib = load_occasions(settings)
    own, implied = set(profile.themes), _implied(profile)
    off_season = (
        "all" not in profile.seasons and bool(profile.seasons) and _season(day) not in profile.seasons
    )
    in_month = not profile.months or day.month in profile.months
    occasions = day_occasions(day, events, trends, settings)
    if profile.months and day.month in profile.months and profile.nature in ("fresh", "food"):
        occasions.append(Occasion(name=f"{day.month}月当季", kind="season", themes=["harvest"], date=day))
    best: dict[tuple[str, str], OccasionFit] = {}
    for occasion in occasions:
        fits: list[OccasionFit] = []
        if occasion.kind == "trend" and _names(occasion.name, profile):
            why = f"大家都在聊「{occasion.name}」，正好说到{profile.noun}"
            fits.append(OccasionFit(occasion=occasion, via="name", score=0.95, why=why))
        for theme in occasion.themes:
            if theme == "harvest" and not in_month:
                continue
            via: Via | None = "theme" if theme in own else implied.get(theme)
            if via is None:
                continue
            score = (1.0 if via == "theme" else 0.7) * _nearness(occasion) * (0.6 if off_season else 1.0)
            spec = lib.themes[theme]
            lead = when(occasion)
            why = (
                f"{lead}，{_reason(spec, profile)}"
                if lead and occasion.kind != "season"
                else _reason(spec, profile)
            )
            fits.append(
                OccasionFit(
                    occasion=occasion, theme=theme, label=spec.label, via=via, score=round(score, 3), why=why
                )
            )
        for fit in fits:
            key = (occasion.kind, occasion.name)
            if key not in best or fit.score > best[key].score:
                best[key] = fit
    return sorted(best.values(), key=lambda f: (-f.score, abs(f.occasion.days_from), f.occasion.name))


def _names(title: str, profile: ProductProfile) -> bool:
    words = {w for w in (profile.noun, profile.type_name) if w and len(w) >= 2}
    return any(w in title for w in words)
