"""Every table Huati keeps, on one `metadata`: plans and their topics, feedback and revisions; API keys, rate
buckets and browser sessions, batch jobs, webhook attempts, idempotency records and delivery results; chat
sessions; the LLM judge's cache; groups (the plans tied to each, outcomes of posted topics, imported activity).
Modules import their tables from here, so the storage layer knows the whole schema."""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy import Date as SqlDate

metadata = MetaData()
MAX_KEY_NAME = 64  # characters in an API key's name

# plans
plans = Table(
    "plans",
    metadata,
    Column("id", String(16), primary_key=True),
    Column("created_at", DateTime(timezone=True), nullable=False, index=True),
    Column("date", SqlDate, nullable=False, index=True),
    Column("product_id", String(64), nullable=False, index=True),
    Column("product_name", String(100), nullable=False),
    Column("audience", String(64), index=True),
    Column("engine", String(16), nullable=False),
    Column("model", String(120), nullable=False),
    Column("data", Text, nullable=False),  # the whole DailyPlan as JSON: inputs, outputs, provenance
)


# plans
plan_topics = Table(
    "plan_topics",
    metadata,
    Column("plan_id", String(16), ForeignKey("plans.id", ondelete="CASCADE"), primary_key=True),
    Column("idx", Integer, primary_key=True),  # 1-based rank
    Column("topic_id", String(16), nullable=False),
    Column("text", Text, nullable=False),
    Column("date", SqlDate, nullable=False, index=True),
    Column("audience", String(64), index=True),
    Column("product_id", String(64), index=True),
)


# plans
feedback = Table(
    "topic_feedback",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("plan_id", String(16), ForeignKey("plans.id", ondelete="CASCADE"), nullable=False, index=True),
    Column("topic_index", Integer, nullable=False),
    Column("topic_id", String(16), nullable=False),
    Column("verdict", String(16), nullable=False),
    Column("edited_text", Text),
    Column("note", Text),
    Column("created_at", DateTime(timezone=True), nullable=False),
)


# plans
revisions = Table(
    "topic_revisions",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("plan_id", String(16), ForeignKey("plans.id", ondelete="CASCADE"), nullable=False, index=True),
    Column("topic_index", Integer, nullable=False),
    Column("before_text", Text, nullable=False),
    Column("after_text", Text, nullable=False),
    Column("instruction", Text, nullable=False, default=""),
    Column("engine", String(16), nullable=False, default="offline"),
    Column("model", String(120), nullable=False, default=""),
    Column("source", String(64), nullable=False, default=""),  # e.g. chat:<session id>
    Column("created_at", DateTime(timezone=True), nullable=False),
)


# idempotency
idempotency = Table(
    "idempotency_keys",
    metadata,
    Column("key_id", String(32), nullable=False),
    Column("idem_key", String(255), nullable=False),
    Column("body_hash", String(64), nullable=False),
    Column("plan_id", String(64), nullable=True),
    Column("state", String(16), nullable=False),  # pending | done
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("owner", String(200), nullable=True),  # host:pid/token of the request drafting the plan
    Column("lease_until", DateTime(timezone=True), nullable=True),
    UniqueConstraint("key_id", "idem_key", name="uq_idempotency_key"),
)


# jobs
# A batch job. Its items, their inputs and results are rows of `job_items`; `items` keeps the inputs as shown to
# clients (delivery credentials masked). `results`, `owner` and `heartbeat_at` belong to the job runner of the
# release before the task queue: no longer written (kept one release so that a rollback still reads its jobs).
jobs = Table(
    "jobs",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("key_id", String(32), nullable=False, index=True),
    Column("status", String(16), nullable=False, index=True),  # queued | running | done | failed
    Column("items", JSON, nullable=False),
    Column("results", JSON, nullable=False),
    Column("callback_url", Text, nullable=True),
    Column("callback_state", String(16), nullable=False),  # none | pending | delivered | failed
    Column("error", Text, nullable=True),
    Column("owner", String(128), nullable=True),
    Column("heartbeat_at", DateTime(timezone=True), nullable=True),
    Column("resumes", Integer, nullable=False, default=0),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    Column("total", Integer, nullable=False, server_default="0"),
    Column("ok", Integer, nullable=False, server_default="0"),
    Column("failed", Integer, nullable=False, server_default="0"),
)


# jobs
# One row per item of a batch job: the ledger that makes running an item twice change nothing. `input` is the
# item's request (delivery credentials sealed, and masked once the item is finished); `result` the public result.
job_items = Table(
    "job_items",
    metadata,
    Column("job_id", String(32), ForeignKey("jobs.id", ondelete="CASCADE"), primary_key=True),
    Column("idx", Integer, primary_key=True),
    Column("status", String(16), nullable=False),  # queued | drafted | delivering | ok | error
    Column("input", JSON, nullable=False),
    Column("plan_id", String(16), nullable=True),
    Column("result", JSON, nullable=True),
    Column("attempts", Integer, nullable=False, server_default="0"),
    Column("started_at", DateTime(timezone=True), nullable=True),  # of the latest run
    Column("claimed_at", DateTime(timezone=True), nullable=True),  # when its deliveries were last taken
    Column("updated_at", DateTime(timezone=True), nullable=False),
    Index("ix_job_items_status_updated", "status", "updated_at"),
)


# jobs
webhook_attempts = Table(
    "webhook_attempts",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("job_id", String(32), nullable=False, index=True),
    Column("attempt", Integer, nullable=False),
    Column("url", Text, nullable=False),
    Column("status_code", Integer, nullable=True),
    Column("error", Text, nullable=True),  # Chinese, for people
    Column("seconds", Float, nullable=False),
    Column("at", DateTime(timezone=True), nullable=False),
    Column("reason", Text, nullable=True),  # technical reason (exception), added after the first release
)


# keys
api_keys = Table(
    "api_keys",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("name", String(MAX_KEY_NAME), nullable=False, unique=True),
    Column("prefix", String(16), nullable=False),
    Column("hash", String(64), nullable=False, unique=True),
    Column("kind", String(16), nullable=False, default="api"),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("revoked_at", DateTime(timezone=True), nullable=True),
)


# keys
# Per-key token buckets for the API rate limit, in the shared database so that every worker (and every machine
# on the same PostgreSQL) draws from one bucket. `updated` is unix seconds.
rate_buckets = Table(
    "rate_buckets",
    metadata,
    Column("key_id", String(32), primary_key=True),
    Column("tokens", Float, nullable=False),
    Column("updated", Float, nullable=False),
)


# keys
# Browser sessions of the web page: the cookie carries a random token, only its SHA-256 is kept here. Times are
# unix seconds; `revoked_at` is set when the API key the browser signed in with is revoked.
web_sessions = Table(
    "web_sessions",
    metadata,
    Column("token_hash", String(64), primary_key=True),
    Column("key_id", String(32), nullable=False, index=True),
    Column("created_at", Float, nullable=False),
    Column("last_seen", Float, nullable=False),
    Column("user_agent", String(200), nullable=False, default=""),
    Column("revoked_at", Float, nullable=True),
)


# records
plan_deliveries = Table(
    "plan_deliveries",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("plan_id", String(64), nullable=False, index=True),
    Column("results", JSON, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    # `<job id>.<index>` for a batch item, `plan.<plan id>` otherwise: stable across a crash and a resend
    Column("event_id", String(80), nullable=True),
    Index("uq_plan_deliveries_event_id", "event_id", unique=True),
)


# sessions
chat_sessions = Table(
    "chat_sessions",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("title", String(200), nullable=False, default=""),
    Column("plan_id", String(64), nullable=True),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
)


# sessions
chat_messages = Table(
    "chat_messages",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column(
        "session_id",
        String(32),
        ForeignKey("chat_sessions.id", ondelete="CASCADE"),
        nullable=False,
        index=True,
    ),
    Column("role", String(16), nullable=False),
    Column("content", Text, nullable=False),
    Column("engine", String(16), nullable=True),
    Column("model", String(200), nullable=True),
    Column("data", Text, nullable=True),  # JSON: tool name, args, plan id ...
    Column("created_at", DateTime(timezone=True), nullable=False),
)


# judge
judge_cache = Table(
    "judge_cache",
    metadata,
    Column("key", String(64), primary_key=True),
    Column("model", String(200), nullable=False),
    Column("prompt_version", String(100), nullable=False),
    Column("dimension", String(40), nullable=False),
    Column("result", Text, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
)


# groups: a group id ties plans to one real chat group (the audience type stays the persona)
chat_groups = Table(
    "chat_groups",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
)


# groups
plan_groups = Table(
    "plan_groups",
    metadata,
    Column("plan_id", String(16), ForeignKey("plans.id", ondelete="CASCADE"), primary_key=True),
    Column("group_id", String(64), nullable=False, index=True),
)


# groups: what a posted topic drew. source "feedback" = the operator's word (replies / repliers / orders);
# source "import" = counted in an imported chat (replies in the first 30 / 60 / 120 minutes).
topic_outcomes = Table(
    "topic_outcomes",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("plan_id", String(16), ForeignKey("plans.id", ondelete="CASCADE"), nullable=False, index=True),
    Column("topic_index", Integer, nullable=False),
    Column("topic_id", String(16), nullable=False),
    Column("group_id", String(64), nullable=True, index=True),
    Column("source", String(16), nullable=False),
    Column("feedback_id", Integer, nullable=True),
    Column("posted_at", DateTime, nullable=True),  # Beijing wall-clock time, as chats record it
    Column("replies", Integer, nullable=True),
    Column("repliers", Integer, nullable=True),
    Column("orders", Integer, nullable=True),
    Column("replies_30", Integer, nullable=True),
    Column("replies_60", Integer, nullable=True),
    Column("replies_120", Integer, nullable=True),
    Column("repliers_120", Integer, nullable=True),
    Column("match_score", Float, nullable=True),
    Column("topic_type", String(16), nullable=True),
    Column("hook_kind", String(16), nullable=True),
    Column("pattern", String(64), nullable=True),
    Column("created_at", DateTime(timezone=True), nullable=False),
)


# groups: one row per imported message. `speaker` is a salted hash of the name, `digest` a salted hash of the
# whole message (re-importing an overlapping export adds nothing twice); `text` only with --keep-text.
group_messages = Table(
    "group_messages",
    metadata,
    Column("group_id", String(64), primary_key=True),
    Column("digest", String(24), primary_key=True),
    Column("at", DateTime, nullable=False),
    Column("speaker", String(16), nullable=False),
    Column("kind", String(8), nullable=False),
    Column("text", Text, nullable=True),
    Column("import_id", Integer, nullable=True),
    Index("ix_group_messages_at", "group_id", "at"),
)


# groups: messages and distinct speakers per day and hour, recomputed from group_messages after each import
group_hours = Table(
    "group_hours",
    metadata,
    Column("group_id", String(64), primary_key=True),
    Column("day", SqlDate, primary_key=True),
    Column("hour", Integer, primary_key=True),
    Column("messages", Integer, nullable=False),
    Column("speakers", Integer, nullable=False),
)


# groups
group_imports = Table(
    "group_imports",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("group_id", String(64), nullable=False, index=True),
    Column("file_name", String(255), nullable=False),
    Column("format", String(16), nullable=False),
    Column("messages_read", Integer, nullable=False),
    Column("messages_new", Integer, nullable=False),
    Column("issues", Integer, nullable=False),
    Column("first_at", DateTime, nullable=True),
    Column("last_at", DateTime, nullable=True),
    Column("keep_text", Boolean, nullable=False, default=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
)

GROUP_TABLES = (chat_groups, plan_groups, topic_outcomes, group_messages, group_hours, group_imports)
