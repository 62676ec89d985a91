"""Topic checks: compliance, low barrier, relevance, tone.

`run_checks` (rules.py) is what drafting calls as a guard and ranker; `check_topic` (topic.py) is the contract
of `huati check`, `POST /v1/checks`, the chat and the eval harness. The optional LLM judge lives in
`assistant.checks.judge` and is never called from here.
"""

from assistant.checks.compliance import check_compliance
from assistant.checks.low_barrier import check_low_barrier
from assistant.checks.relevance import check_relevance
from assistant.checks.rules import CHECK_NAMES, MAX_TOPIC_CHARS, run_checks, versions
from assistant.checks.tone import check_tone
from assistant.checks.topic import TopicCheck, check_topic

__all__ = [
    "CHECK_NAMES",
    "MAX_TOPIC_CHARS",
    "TopicCheck",
    "check_compliance",
    "check_low_barrier",
    "check_relevance",
    "check_tone",
    "check_topic",
    "run_checks",
    "versions",
]
