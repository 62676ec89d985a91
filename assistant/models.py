"""Domain models shared by retrieval, checks, drafting, storage, API and evals."""

from __future__ import annotations

import hashlib
from datetime import date as Date
from datetime import datetime
from enum import StrEnum
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator


def stable_id(*parts: str, length: int = 12) -> str:
    """Content hash used for ids of chunks, topics and plans inputs."""
    h = hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest()
    return h[:length]


class Product(BaseModel):
    """A product from `knowledge_base/products/*.yaml`, or an ad hoc one (`ad_hoc=True`).

    `scenarios` may be written as plain strings or as `{text: 在图书馆自习, for: [大学生群]}`; the groups
    land in `scenario_audiences` and `scenarios` stays a list of strings."""

    id: str
    name: str
    aliases: list[str] = []
    category: str
    subject: str = Field("", description="everyday noun people use, e.g. 牙膏 for 亮白牙膏")
    selling_points: list[str] = []
    scenarios: list[str] = Field([], description="everyday moments of use, e.g. 早上刷牙")
    scenario_audiences: dict[str, list[str]] = Field(
        {}, description="scenario -> groups it suits; absent = all"
    )
    audience: list[str] = []
    keywords: list[str] = Field([], description="words that tie a topic to this product")
    forbidden_claims: list[str] = Field([], description="claims that must never be made")
    seasons: list[str] = []
    traits: list[str] = Field([], description="what kind of thing it is: food, durable, personal ...")
    verb: str = Field("", description="everyday verb: 用 / 吃 / 穿 / 戴 / 读 / 铺 / 喂")
    own: str = Field("", description="possessive before the noun: 你家的 / 你的 / 孩子的")
    unit: str = Field("", description="counting unit: 支 / 罐 / 袋 / 台")
    moment: str = Field("", description="fills 说说你{moment}的时刻, e.g. 最想马上刷个牙")
    rivals: list[str] = Field([], description="what people use instead, e.g. 热水袋 for 电热毯")
    questions: list[str] = Field([], description="hand-written everyday questions about this product")
    question_audiences: dict[str, list[str]] = Field({}, description="question -> groups it suits")
    tie_ins: dict[str, list[str]] = Field(
        {}, description="hook (calendar event, library theme, or `direct`) -> questions about that hook"
    )
    ad_hoc: bool = False

    @model_validator(mode="before")
    @classmethod
    def _tagged_lists(cls, data: Any) -> Any:
        if not isinstance(data, dict):
            return data
        data = dict(data)
        for field, tags in (("scenarios", "scenario_audiences"), ("questions", "question_audiences")):
            items = data.get(field)
            if not isinstance(items, list):
                continue
            plain: list[Any] = []
            tagged = dict(data.get(tags) or {})
            for item in items:
                if isinstance(item, dict) and "text" in item:
                    groups = item.get("for") or []
                    plain.append(item["text"])
                    if groups:
                        tagged[str(item["text"])] = [groups] if isinstance(groups, str) else groups
                else:
                    plain.append(item)
            data[field], data[tags] = plain, tagged
        return data

    @property
    def noun(self) -> str:
        return self.subject or self.name

    def suits(self, text: str, audience: Audience | None, tags: dict[str, list[str]]) -> bool:
        groups = tags.get(text)
        return not groups or audience is None or bool({audience.id, audience.name} & set(groups))

    def scenes_for(self, audience: Audience | None) -> list[str]:
        """Scenarios that fit this group (untagged ones fit every group)."""
        return [s for s in self.scenarios if self.suits(s, audience, self.scenario_audiences)]

    def questions_for(self, audience: Audience | None) -> list[str]:
        return [q for q in self.questions if self.suits(q, audience, self.question_audiences)]


class ActiveWindow(BaseModel):
    start: str = Field(..., pattern=r"^\d{2}:\d{2}$")
    end: str = Field(..., pattern=r"^\d{2}:\d{2}$")
    label: str = ""


class Audience(BaseModel):
    """A group persona from `knowledge_base/audiences/*.yaml`."""

    id: str
    name: str
    aliases: list[str] = []
    description: str = ""
    interests: list[str] = []
    pain_points: list[str] = []
    active_hours: list[ActiveWindow] = []
    tone: str = ""
    address: str = Field("大家", description="how the operator addresses the group, e.g. 宝妈们")
    trend_skip: list[str] = Field(
        [], description="trend words that belong to other groups' lives (打工人 ...)"
    )
    scene_skip: list[str] = Field(
        [], description="words of scenes that are not this group's life (宿舍 for 银发群, 送娃 for 大学生群)"
    )


class TrendItem(BaseModel):
    date: Date
    platform: str
    title: str
    heat: float | None = None
    category: str | None = None
    url: str | None = None
    sample: bool = False

    @property
    def id(self) -> str:
        return "trend-" + stable_id(self.date.isoformat(), self.platform, self.title)


CalendarKind = Literal[
    "solar_term", "public_holiday", "lunar_festival", "festival", "shopping_festival", "season"
]


class CalendarEvent(BaseModel):
    date: Date
    name: str
    kind: CalendarKind
    days_from: int = Field(0, description="event date minus the query date, in days")
    description: str = ""


class SearchHit(BaseModel):
    """One retrieval result; `huati search --json` prints a list of these."""

    id: str
    kind: Literal["cases", "trends", "calendar"]
    title: str
    text: str
    score: float
    source: str
    metadata: dict[str, Any] = {}


class CheckResult(BaseModel):
    """Outcome of one check. Serialise with `by_alias=True` so the key is `pass`."""

    model_config = ConfigDict(populate_by_name=True)

    passed: bool = Field(..., alias="pass")
    score: float = Field(..., ge=0, le=1)
    reasons: list[str] = []
    details: dict[str, Any] = {}


class CheckReport(BaseModel):
    model_config = ConfigDict(populate_by_name=True)

    passed: bool = Field(..., alias="pass")
    score: float = Field(..., ge=0, le=1)
    checks: dict[str, CheckResult]


class TopicType(StrEnum):
    experience = "experience"
    either_or = "either_or"
    vote = "vote"
    photo_share = "photo_share"
    memory = "memory"
    tips_swap = "tips_swap"
    confession = "confession"
    prediction = "prediction"


class Hook(BaseModel):
    """What makes the topic alive today."""

    kind: Literal["trend", "calendar", "season", "scenario", "case"]
    title: str
    source: str = Field("", description="id, path or url the hook came from")
    why: str = Field(
        "", description="why this hook fits the product (今天清明，雨水多的日子，雨靴正好派上用场)"
    )


class Topic(BaseModel):
    type: TopicType
    opening: str = Field("", description="a warm first line before the question")
    question: str
    hook: Hook | None = None
    bridge: str = Field("", description="line that leads from the discussion to the product")
    follow_ups: list[str] = Field([], description="2-3 replies the operator can post to keep it going")
    checks: dict[str, CheckResult] = {}
    score: float = 0.0
    pattern: str | None = Field(None, description="offline pattern id, when the offline engine wrote it")
    note: str = Field("", description="what the operator should know: a repeat, a skipped trend ...")
    reason: str = Field(
        "", description="why the group's own history moved this topic (replies its shape drew, or a try-out)"
    )

    @property
    def text(self) -> str:
        """The full topic as posted."""
        return f"{self.opening}{self.question}" if self.opening else self.question

    @property
    def id(self) -> str:
        return stable_id(self.text)


Stage = Literal["warm_up", "launch", "follow_up", "product_link", "wrap_up"]


class TimelineStep(BaseModel):
    time: str = Field(..., pattern=r"^\d{2}:\d{2}$")
    stage: Stage
    action: str
    text: str = ""


class SourceRef(BaseModel):
    id: str
    kind: str
    title: str
    source: str
    score: float = 0.0


class TokenUsage(BaseModel):
    calls: int = 0
    input_tokens: int = 0
    output_tokens: int = 0


class TopicOrigin(BaseModel):
    """Which engine and model wrote one topic of a plan."""

    engine: Literal["offline", "llm"]
    model: str


GROUP_ID_PATTERN = (
    r"^[^\s/\\?#%&\x00-\x1f\x7f]{1,64}$"  # any name the operator uses (中文 too), safe in a URL path
)


class PlanRequest(BaseModel):
    """Inputs of a daily plan (the `huati draft` options, the `POST /v1/plans` body)."""

    product: str = Field(..., min_length=1, max_length=100)
    date: Date | None = None
    audience: str | None = None
    n: int = Field(3, ge=1, le=10)
    trend: list[str] = Field([], description="today's hot topics typed by the user")
    category: str | None = None
    points: list[str] = Field([], description="selling points for an ad hoc product")
    engine: Literal["auto", "offline", "llm"] = "auto"
    group: str | None = Field(
        None,
        pattern=GROUP_ID_PATTERN,
        description="the real chat group the plan is for (its history shapes the plan); the audience stays the "
        "group's type",
    )

    @field_validator("date")
    @classmethod
    def _supported_date(cls, value: Date | None) -> Date | None:
        from assistant.dates import MAX_DATE, MIN_DATE

        if value is not None and not MIN_DATE <= value <= MAX_DATE:
            raise ValueError(f"只支持 {MIN_DATE.isoformat()} 到 {MAX_DATE.isoformat()} 之间的日期")
        return value


class ProfileSummary(BaseModel):
    """What product understanding made of the day's product, as a plan records it (`assistant.products` builds
    the full profile)."""

    type_id: str | None = Field(None, description="品类库里的类型 id；没认出类型时为空")
    type_name: str = Field("", description="类型名称（没认出类型时是大类名或商品名）")
    nature: str | None = Field(None, description="商品性质：durable、consumable、fresh、food、wearable 等")
    confidence: float = Field(..., ge=0, le=1, description="认得有多准，0 到 1")
    basis: str = Field(..., description="依据：catalogue、type、category 或 name")


class DailyPlan(BaseModel):
    id: str = ""
    date: Date
    product: Product
    audience: Audience | None = None
    topics: list[Topic]
    timeline: list[TimelineStep] = []
    engine: Literal["offline", "llm"]
    model: str
    notes: list[str] = Field(
        [],
        description="what the operator should know about the whole plan, e.g. a "
        "typed trend that was not used and why",
    )
    fallback_reason: str | None = Field(
        None,
        description="why the LLM was not used, when it was asked for (for the whole plan, or for the "
        "topics the offline engine filled in on an llm plan)",
    )
    prompt_versions: dict[str, str] = {}
    sources: list[SourceRef] = []
    calendar: list[CalendarEvent] = []
    trends: list[TrendItem] = []
    usage: TokenUsage = TokenUsage()
    created_at: datetime
    request: PlanRequest | None = None
    product_profile: ProfileSummary | None = Field(
        None, description="认出的商品类型、性质和把握（商品理解的结果）"
    )
    group: str | None = Field(None, description="the chat group the plan is for (`request.group`)")
    topic_origins: dict[str, TopicOrigin] = Field(
        {},
        description="topic id -> the engine and model that wrote it; a topic not listed is by the plan's "
        "engine and model",
    )

    def origin(self, topic: Topic) -> TopicOrigin:
        return self.topic_origins.get(topic.id) or TopicOrigin(engine=self.engine, model=self.model)

    def public_dict(self) -> dict[str, Any]:
        """JSON shape promised by `huati draft --json` and the API: topics carry `text` and `checks`, and
        `engine` / `model` (who wrote that topic)."""
        data = self.model_dump(mode="json", by_alias=True)
        for topic, raw in zip(self.topics, data["topics"], strict=True):
            raw["text"] = topic.text
            raw["id"] = topic.id
            raw.update(self.origin(topic).model_dump())
        return data
