"""Finding a plan's topic in the chat: the message that posted it, by time and text.

The operator rarely pastes a topic untouched (an emoji, a line above, a word changed), so a message matches a
topic when the topic's question core (the ranking's own `question_core`: opening, example answer and emoji
cut) is mostly inside it. Only messages on the plan's date are looked at; when the operator said when it went
out (`feedback … posted --at`), a message within 15 minutes of that time needs less wording in common."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date as Date
from datetime import datetime, timedelta

from assistant.drafting.ranking import bigrams, question_core
from assistant.storage.groups import GroupStore

TEXT_ONLY = 0.6  # share of the topic's wording a message needs on the plan's day
NEAR_HINT = 0.35  # ... within HINT_WINDOW of the time the operator gave
HINT_WINDOW = timedelta(minutes=15)


@dataclass
class PostedTopic:
    plan_id: str
    index: int
    topic_id: str
    day: Date
    type: str
    hook: str
    pattern: str
    texts: list[frozenset[str]]  # the topic as drafted, and as the operator edited it
    hint: datetime | None = None
    best: tuple[float, datetime, str] | None = field(default=None)  # (score, time, poster token)


def similarity(message: frozenset[str], topic: frozenset[str]) -> float:
    if not message or not topic:
        return 0.0
    shared = len(message & topic)
    return max(shared / len(message | topic), 0.9 * shared / len(topic))


class TopicMatcher:
    """Fed every text message of an import in order; remembers the best message for each topic."""

    def __init__(self, topics: list[PostedTopic]):
        self.topics = topics
        self._by_day: dict[Date, list[PostedTopic]] = {}
        for t in topics:
            self._by_day.setdefault(t.day, []).append(t)

    def see(self, at: datetime, speaker: str, text: str) -> None:
        todays = self._by_day.get(at.date())
        if not todays or not text:
            return
        grams = bigrams(question_core(text))
        for t in todays:
            score = max(similarity(grams, g) for g in t.texts)
            near = t.hint is not None and abs(at - t.hint) <= HINT_WINDOW
            if score < (NEAR_HINT if near else TEXT_ONLY):
                continue
            if t.best is None or score > t.best[0] + 1e-9:
                t.best = (round(score, 3), at, speaker)

    def found(self) -> list[PostedTopic]:
        return [t for t in self.topics if t.best is not None]


def topics_of(
    store: GroupStore, group: str, since: Date | None = None, until: Date | None = None
) -> list[PostedTopic]:
    """Every topic of the group's plans in the date range, with the operator's edited text and posting time."""
    plans = store.plans_of(group, since, until)
    ids = [p.id for p in plans]
    edited = store.edited_texts(ids)
    hints = store.manual_posts(ids)
    out = []
    for plan in plans:
        for i, topic in enumerate(plan.topics, 1):
            texts = [topic.text] + ([edited[(plan.id, i)]] if (plan.id, i) in edited else [])
            out.append(
                PostedTopic(
                    plan.id,
                    i,
                    topic.id,
                    plan.date,
                    topic.type.value,
                    topic.hook.kind if topic.hook else "none",
                    topic.pattern or "",
                    [bigrams(question_core(t)) for t in texts],
                    hints.get((plan.id, i)),
                )
            )
    return out
