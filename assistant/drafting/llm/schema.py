"""What the model is asked to return (`DraftTopic`, `DraftTopics`) and how an answer becomes a `Topic`."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, Field, ValidationError, field_validator, model_validator

from assistant.drafting.context import DayContext
from assistant.drafting.plan import title_key
from assistant.drafting.screening import unsafe_trend
from assistant.models import Hook, Product, Topic, TopicType

# What models write for a type instead of the enum value.
TYPE_ALIASES = {
    "photo": "photo_share", "share": "photo_share", "晒图": "photo_share", "choice": "either_or",
    "either-or": "either_or", "二选一": "either_or", "poll": "vote", "投票": "vote", "tips": "tips_swap",
    "tip": "tips_swap", "妙招": "tips_swap", "回忆": "memory", "story": "experience", "经历": "experience",
    "吐槽": "confession", "坦白": "confession", "predict": "prediction", "预测": "prediction",
}  # fmt: skip


class DraftTopic(BaseModel):
    type: TopicType = TopicType.experience
    opening: str = ""
    question: str = Field(..., min_length=2, max_length=200)
    hook_kind: Literal["trend", "calendar", "season", "scenario", "case"] | None = None
    hook_title: str = ""
    bridge: str = ""
    follow_ups: list[str] = []

    @field_validator("type", mode="before")
    @classmethod
    def _type_alias(cls, value: Any) -> Any:
        """A near miss ("photo", "二选一") is mapped; an unknown type becomes `experience`, not an error."""
        if isinstance(value, str):
            key = value.strip().lower()
            key = TYPE_ALIASES.get(key, key)
            return key if key in TopicType.__members__ else TopicType.experience.value
        return value

    @field_validator("hook_kind", mode="before")
    @classmethod
    def _hook_kind(cls, value: Any) -> Any:
        allowed = ("trend", "calendar", "season", "scenario", "case")
        return value if value is None or value in allowed else None

    def to_topic(self, sources: dict[str, str], product: Product) -> Topic:
        """The topic; a trend hook named after an unsafe title (spam, an instruction, bad news) is dropped."""
        hook = None
        title = self.hook_title.strip()
        if self.hook_kind == "trend" and unsafe_trend(title, product):
            title = ""
        if self.hook_kind and title:
            hook = Hook(kind=self.hook_kind, title=title, source=sources.get(title_key(title), "llm"))
        return Topic(
            type=self.type,
            opening=self.opening.strip(),
            question=self.question.strip(),
            hook=hook,
            bridge=self.bridge.strip(),
            follow_ups=[f.strip() for f in self.follow_ups if f.strip()][:3],
        )


class DraftTopics(BaseModel):
    """The model's candidates. Each is validated on its own: a malformed one is dropped (and counted in
    `rejected`), the rest are kept; only an answer with no usable candidate at all is an error."""

    topics: list[DraftTopic] = Field(..., min_length=1)
    rejected: int = Field(0, exclude=True)

    @model_validator(mode="before")
    @classmethod
    def _each_on_its_own(cls, data: Any) -> Any:
        if not isinstance(data, dict) or not isinstance(data.get("topics"), list):
            return data
        kept, rejected = [], 0
        for item in data["topics"]:
            try:
                kept.append(DraftTopic.model_validate(item))
            except ValidationError:
                rejected += 1
        return {**data, "topics": kept, "rejected": rejected}


class NoUsableTopics(ValueError):
    """Every topic the model wrote repeated a recent one or failed the checks."""


def hook_sources(ctx: DayContext) -> dict[str, str]:
    out = {title_key(t.title): (t.url or f"{t.platform} {t.date.isoformat()}") for t in ctx.trends}
    out.update(
        {title_key(e.name): f"calendar:{e.date.isoformat()}" for e in ctx.events if e.kind != "season"}
    )
    out.update({title_key(t): "用户输入" for t in ctx.user_trends})
    return out
