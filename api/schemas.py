"""Request and response bodies of the HTTP API (OpenAPI shows these)."""

from __future__ import annotations

from datetime import date as Date
from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    HttpUrl,
    StringConstraints,
    model_validator,
)

from assistant.models import CheckResult, DailyPlan, Hook, PlanRequest, TopicType
from assistant.service.delivery.targets import Delivery


def _day(value: Any) -> Date:
    """Dates from clients: strict YYYY-MM-DD inside the supported range (assistant.dates), else a 422."""
    from assistant.dates import check_range, parse_day
    from assistant.errors import InputError

    try:
        if isinstance(value, str):
            return parse_day(value)
        if isinstance(value, Date) and not isinstance(value, datetime):
            return check_range(value)
    except InputError as exc:
        raise ValueError(exc.message) from None
    raise ValueError("应是日期，格式 YYYY-MM-DD，例如 2026-12-22")


# Rules JSON Schema cannot state for a date string: the range, as extensions next to `format: date`.
DAY_RANGE = {"x-minimum": "1901-01-01", "x-maximum": "2099-12-31"}
ApiDay = Annotated[Date, BeforeValidator(_day), Field(json_schema_extra=DAY_RANGE)]
Short = Annotated[str, StringConstraints(max_length=100)]


class PlanCreate(PlanRequest):
    """`huati draft`'s options, plus optional delivery targets. Types are strict: `n` must be a JSON integer
    (`"3"` and `true` are refused), and every bound the server enforces is declared here, so /openapi.json
    shows it."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "description": '与 huati draft 的选项相同，外加可选的投递。类型严格：n 必须是 JSON 整数（"3"、true 都是 422）'
        },
    )

    date: ApiDay | None = Field(
        None, description="YYYY-MM-DD（1901-01-01 到 2099-12-31），默认今天（北京时间）"
    )
    audience: str | None = Field(None, max_length=50, description="群类型：编号、名称或别名（如 宝妈群）")
    n: int = Field(3, ge=1, le=10, strict=True, description="话题数（整数 1–10）")
    trend: list[Short] = Field([], max_length=20, description="当天的热点（最多 20 条，每条最多 100 字）")
    category: str | None = Field(None, max_length=50, description="目录外商品的品类")
    points: list[Short] = Field(
        [], max_length=20, description="目录外商品的卖点（最多 20 条，每条最多 100 字）"
    )
    delivery: Delivery | None = Field(
        None,
        description="生成后投递到 Postiz 草稿 / 企业微信群机器人（可选）；各目标的 topic 不能大于 n；地址须是公网地址，"
        "内网接收方要由运维加入 HUATI_OUTBOUND_ALLOW",
    )

    def plan_request(self) -> PlanRequest:
        return PlanRequest.model_validate(self.model_dump(exclude={"delivery"}))


class TopicPublic(BaseModel):
    id: str
    text: str = Field(..., description="开场白 + 问题，直接可发的全文")
    type: TopicType
    opening: str = ""
    question: str
    hook: Hook | None = None
    bridge: str = ""
    follow_ups: list[str] = []
    checks: dict[str, CheckResult] = {}
    score: float = 0.0
    pattern: str | None = None
    note: str = ""
    engine: Literal["offline", "llm"] = Field(
        ..., description="写这个话题的引擎（大模型方案里可能有离线补足的话题）"
    )
    model: str = Field(..., description="写这个话题的模型")


class PlanPublic(DailyPlan):
    """`plan.public_dict()`: the same JSON as `huati draft --json`."""

    topics: list[TopicPublic]  # type: ignore[assignment]  # the public shape of each Topic
    delivery: list[dict[str, Any]] | None = Field(
        None, description="各投递目标的结果（请求里有 delivery 时）"
    )


class PlanList(BaseModel):
    items: list[PlanPublic]
    total: int
    limit: int
    offset: int


def _topic_ref(value: Any) -> int | str:
    if (
        isinstance(value, bool)
        or not isinstance(value, int | str)
        or (isinstance(value, str) and not value.strip())
    ):
        raise ValueError("应是话题序号（从 1 开始的整数）或话题 id")
    return value


Count = Annotated[int | None, Field(None, ge=0, le=100_000)]


class TopicFeedbackCreate(BaseModel):
    """A verdict on one topic and, for a posted one, what it drew."""

    model_config = ConfigDict(extra="forbid")

    verdict: Literal["accepted", "rejected", "edited", "posted"]
    text: str | None = Field(None, max_length=500, description="edited 时改后的全文")
    note: str | None = Field(None, max_length=500, description="备注，例如 太普通了，群里没人回")
    posted_at: str | None = Field(
        None,
        max_length=40,
        description="什么时候发的（北京时间）：2026-12-04T21:02，或只写 21:02（方案那天）",
    )
    replies: Count = Field(None, description="回复了多少条")
    repliers: Count = Field(None, description="多少人接话")
    orders: Count = Field(None, description="成交了多少单")


class FeedbackCreate(TopicFeedbackCreate):
    topic: Annotated[int | str, BeforeValidator(_topic_ref)] = Field(
        ..., description="第几个话题（从 1 开始，同 huati feedback）或话题 id"
    )


class FeedbackPublic(BaseModel):
    plan_id: str
    topic_index: int = Field(..., description="从 1 开始")
    topic_id: str
    verdict: str
    edited_text: str | None
    note: str | None
    created_at: str
    posted_at: str | None = None
    replies: int | None = None
    repliers: int | None = None
    orders: int | None = None
    measured: list[str] = Field([], description="群聊记录里数到的回复（这个话题在已导入的聊天里找得到时）")


class GroupImport(BaseModel):
    group: str
    file: str
    format: str
    room: str | None
    messages: int = Field(..., description="读到的消息")
    new: int = Field(..., description="新增（之前没导入过）的消息")
    duplicates: int
    first_at: str | None
    last_at: str | None
    topics_found: int = Field(..., description="在聊天里找到并数了回复的方案话题")
    text_kept: bool
    issues: list[dict[str, Any]] = Field(
        ..., description="读不了或有疑问的行（最多列 500 条）：line、reason（中文）"
    )
    issues_total: int = Field(..., description="读不了或有疑问的行一共多少")


class GroupRow(BaseModel):
    id: str
    plans: int
    posted: int
    messages: int
    first_at: str | None
    last_at: str | None


class GroupDeleted(BaseModel):
    group: str
    deleted: dict[str, int] = Field(
        ..., description="每张表删除的行数；plans_untied 是不再关联这个群的方案数"
    )


MAX_BATCH_ITEMS = (
    5000  # a batch for every group of an agency; the body limit (HUATI_API_MAX_BODY_BYTES) also applies
)


class BatchCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    items: list[PlanCreate] = Field(
        ...,
        min_length=1,
        max_length=MAX_BATCH_ITEMS,
        description="每个群一条 {date, product, audience}（或一周 7 天）；字段与 POST /v1/plans 相同（含可选的 delivery）",
    )
    callback_url: HttpUrl | None = Field(
        None,
        description="完成后 POST 结果到这里（Standard Webhooks 签名：webhook-id / webhook-timestamp / "
        "webhook-signature）；需要服务端设置 HUATI_WEBHOOK_SECRET；须是公网地址，内网接收方要由运维加入 "
        "HUATI_OUTBOUND_ALLOW",
    )


class WebhookAttempt(BaseModel):
    attempt: int
    url: str
    status_code: int | None
    error: str | None = Field(None, description="失败原因（中文）")
    reason: str | None = Field(None, description="技术原因（HTTP 状态或异常），便于排查")
    seconds: float
    at: str


class JobCallback(BaseModel):
    url: str
    state: Literal["pending", "delivered", "failed"]
    attempts: list[WebhookAttempt]


class JobPublic(BaseModel):
    id: str
    status: Literal["queued", "running", "done", "failed"]
    total: int
    completed: int
    failed: int
    items: list[dict[str, Any]]
    results: list[dict[str, Any]] = Field(
        ..., description="每条：index、status（ok/error）、plan_id、plan 或 error"
    )
    error: str | None
    resumes: int = Field(..., description="执行进程中断后，停滞的条目被重新入队的次数")
    created_at: str
    updated_at: str
    callback: JobCallback | None


class CheckCreate(BaseModel):
    """`huati check`'s options. The topic is `text` or `topic` (the key `huati check --file` lines use)."""

    model_config = ConfigDict(extra="forbid")

    text: str | None = Field(
        None, min_length=1, max_length=500, description="要检查的话题全文（或写在 topic 里）"
    )
    topic: str | None = Field(None, min_length=1, max_length=500, description="同 text：要检查的话题全文")
    product: str = Field(..., min_length=1, max_length=100)
    category: str | None = Field(None, max_length=50)
    audience: str | None = Field(None, max_length=50)
    date: ApiDay | None = None
    trend: list[Short] = Field([], max_length=20)

    @model_validator(mode="after")
    def _one_topic(self) -> CheckCreate:
        if self.text is None and self.topic is None:
            raise ValueError("缺少话题：请写在 text（或 topic）里")
        if self.text is not None and self.topic is not None and self.text != self.topic:
            raise ValueError("text 和 topic 都是话题本身，只写其中一个（或写成一样的）")
        return self

    @property
    def topic_text(self) -> str:
        return str(self.text if self.text is not None else self.topic)


class TrendsPush(BaseModel):
    """JSON form of `POST /v1/trends`. Raw JSONL / CSV / DailyHotApi bodies are accepted too."""

    model_config = ConfigDict(extra="forbid")

    items: list[dict[str, Any]] | None = Field(
        None, max_length=5000, description="热点条目：title、date、platform、heat …"
    )
    text: str | None = Field(None, description="JSONL / CSV / DailyHotApi JSON 原文（同样最多 5000 条）")
    format: Literal["jsonl", "csv", "dailyhot"] | None = None
    date: ApiDay | None = Field(None, description="条目没写日期时用这个")
    platform: str | None = Field(None, max_length=50)


class TrendsResult(BaseModel):
    parsed: int
    saved: int
    duplicates: int
    errors: list[str]


class CaseCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    markdown: str = Field(
        ...,
        min_length=1,
        description="带 YAML front matter 的 Markdown 案例；front matter 不允许锚点、别名和自定义标签，最多 64 KB、"
        "嵌套 8 层；id 已存在时 409",
    )
    name: str | None = Field(
        None,
        max_length=80,
        pattern=r"^[A-Za-z0-9_-]+$",
        description="文件名（不含 .md）；已被别的案例使用时 409。不给时按 id 生成稳定且唯一的文件名",
    )


class Problem(BaseModel):
    """RFC 9457 problem details (`application/problem+json`)."""

    type: str = "about:blank"
    title: str
    status: int
    detail: str = Field(..., description="中文说明")
    instance: str | None = None
    field: str | None = Field(None, description="出错的字段")
    errors: list[dict[str, str]] | None = None


PROBLEM_TEXT = {
    400: "请求有误",
    401: "没有带密钥，或密钥无效（带 WWW-Authenticate: Bearer）",
    403: "密钥已吊销",
    404: "不存在",
    409: "冲突",
    413: "请求体超过大小上限",
    415: "不支持的内容类型",
    422: "输入有误：field 指出第一个出错的字段，errors 列出全部",
    429: "请求过于频繁：见 Retry-After（秒）",
    500: "服务器内部错误（细节只写进服务端日志）",
    502: "模型服务出错",
    503: "服务不可用：检索索引没建好，或请求了服务端没配置的功能",
}
PROBLEM_SCHEMA = {"$ref": "#/components/schemas/Problem"}


def problems(*extra: int, **described: str) -> dict[int | str, dict[str, Any]]:
    """OpenAPI `responses` for the errors every authenticated route can give, plus `extra` codes.
    `described` overrides a description: problems(409, d409="…")."""
    codes = sorted({401, 403, 413, 422, 429, 500, *extra})
    return {
        code: {
            "description": described.get(f"d{code}", PROBLEM_TEXT.get(code, "错误")),
            "content": {"application/problem+json": {"schema": PROBLEM_SCHEMA}},
        }
        for code in codes
    }


PROBLEMS = problems()
