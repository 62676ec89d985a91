"""What the model is asked to return (`DraftTopic`, `DraftTopics`) and how an answer becomes a `Topic`."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

from assistant.drafting.context import DayContext
from assistant.drafting.plan import title_key
from assistant.drafting.screening import unsafe_trend
from assistant.models import Hook, Product, Topic, TopicType


class DraftTopic(BaseModel):
    type: TopicType = TopicType.experience
    opening: str = ""
    question: str = Field(..., min_length=2, max_length=200)
    hook_kind: Literal["trend", "calendar", "season", "scenario", "case"] | None = None
    hook_title: str = ""
    bridge: str = ""
    follow_ups: list[str] = []

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
    topics: list[DraftTopic] = Field(..., min_length=1)


class NoUsableTopics(ValueError):
    """Every topic the model wrote repeated a recent one or failed the checks."""


def hook_sources(ctx: DayContext) -> dict[str, str]:
    out = {title_key(t.title): (t.url or f"{t.platform} {t.date.isoformat()}") for t in ctx.trends}
    out.update(
        {title_key(e.name): f"calendar:{e.date.isoformat()}" for e in ctx.events if e.kind != "season"}
    )
    out.update({title_key(t): "用户输入" for t in ctx.user_trends})
    return out
