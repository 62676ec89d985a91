"""Optional delivery of a finished plan: a Postiz draft post and/or a 企业微信 group robot message.

Postiz public API (createPost): `POST {base_url}/public/v1/posts`, header `Authorization: <API key>` (no
"Bearer"), body `{"type": "draft", "shortLink": false, "date": ISO-8601 UTC, "tags": [], "posts":
[{"integration": {"id": ...}, "value": [{"content": ..., "image": []}], "settings": {"__type": <provider>, ...}}]}`;
the settings object must name the channel's platform in `__type` (e.g. "x", "linkedin", "telegram").
企业微信 group robot: `POST https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=KEY` with
`{"msgtype": "text", "text": {"content": ≤ 2048 bytes, "mentioned_list": [...]}}` or
`{"msgtype": "markdown", "markdown": {"content": ≤ 4096 bytes}}` (markdown @-mentions are `<@userid>` in the
content); it answers `{"errcode": 0, "errmsg": "ok"}`.
Every request goes through the outbound policy (`assistant.service.outbound`: public addresses only, unless
`HUATI_OUTBOUND_ALLOW` lists the receiver; redirects are not followed). Failures are reported per target in the
result; the plan itself is already saved. A result keeps the receiver's status and at most 200 sanitised
characters of its answer (`response`), never the whole body. Results are stored
(`assistant.service.delivery.records`) and shown again by `GET /v1/plans/{id}`.

Each delivery has a stable event id (`<job id>.<index>` for a batch item, `plan.<plan id>` otherwise), kept in
its result: sent again after a crash, it is the same. Postiz gets it as `Idempotency-Key`; a 企业微信 robot
message has no field for it (a resend after a crash reaches the group twice).
"""

from __future__ import annotations

from datetime import UTC, datetime, time
from typing import Any, Literal
from zoneinfo import ZoneInfo

import httpx
from pydantic import BaseModel, ConfigDict, Field, HttpUrl, model_validator

from assistant.knowledge.untrusted import Limits, UntrustedInputError, parse_json
from assistant.service.neterrors import describe
from assistant.service.outbound import (
    READ_LIMIT,
    aread_capped,
    async_outbound_client,
    policy_of,
    sanitize_excerpt,
    summarize_response,
)
from assistant.settings import Settings

WECOM_SEND = "https://qyapi.weixin.qq.com/cgi-bin/webhook/send"
POSTIZ_CLOUD = "https://api.postiz.com"
WECOM_LIMITS = {"text": 2048, "markdown": 4096}  # bytes of UTF-8 content


class PostizTarget(BaseModel):
    """A Postiz draft post. Rules checked in code are stated in the schema's description."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "description": "provider 和 settings.__type 至少给一个（Postiz 要求写明频道平台）"
        },
    )

    api_key: str = Field(..., min_length=1, max_length=500, description="Postiz 公共 API 密钥")
    integration_id: str = Field(..., min_length=1, max_length=200, description="Postiz 频道（integration）ID")
    provider: str | None = Field(
        None,
        pattern=r"^[a-z0-9][a-z0-9-]{0,39}$",
        description="频道所在平台，写进 settings.__type（Postiz 要求），例如 x、linkedin、telegram、discord",
    )
    base_url: HttpUrl = Field(
        POSTIZ_CLOUD, validate_default=True, description="自建 Postiz 的后端地址；默认官方云服务"
    )
    time: str = Field(
        "20:00", pattern=r"^([01]\d|2[0-3]):[0-5]\d$", description="草稿的计划时间（当天，HH:MM，北京时间）"
    )
    topic: int = Field(
        1, ge=1, le=10, strict=True, description="发送第几个话题（从 1 开始，1 为排名第一；不能大于方案的 n）"
    )
    settings: dict[str, Any] = Field({}, description="原样转给 Postiz 的平台设置（可含 __type）")

    @model_validator(mode="after")
    def _needs_type(self) -> PostizTarget:
        if not self.provider and not self.settings.get("__type"):
            raise ValueError(
                "需要 provider（频道平台，例如 x、linkedin、telegram），或在 settings 里写 __type"
            )
        return self

    def post_settings(self) -> dict[str, Any]:
        return {**self.settings, "__type": self.provider or self.settings["__type"]}


class WecomTarget(BaseModel):
    """A 企业微信 group robot. Rules checked in code are stated in the schema's description."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "description": "webhook_url 和 key 至少给一个；text 消息最多 2048 字节、markdown 最多 4096 字节（UTF-8）；"
            "markdown 不支持 @all"
        },
    )

    webhook_url: HttpUrl | None = Field(None, description="群机器人完整地址（含 key）")
    key: str | None = Field(None, min_length=1, max_length=200, description="或只给 key")
    msgtype: Literal["text", "markdown"] = Field("text", description="消息类型：text（默认）或 markdown")
    topic: int = Field(
        1, ge=1, le=10, strict=True, description="发送第几个话题（从 1 开始；不能大于方案的 n）"
    )
    mentioned_list: list[str] = Field(
        [], max_length=50, description="要 @ 的成员 userid，text 消息可用 @all 提醒所有人"
    )

    @model_validator(mode="after")
    def _needs_address(self) -> WecomTarget:
        if self.webhook_url is None and not self.key:
            raise ValueError("需要 webhook_url（群机器人完整地址）或 key")
        if self.msgtype == "markdown" and "@all" in self.mentioned_list:
            raise ValueError("markdown 消息不支持 @all，只能 @ 具体成员的 userid")
        return self


class Delivery(BaseModel):
    model_config = ConfigDict(extra="forbid")

    postiz: PostizTarget | None = None
    wecom: WecomTarget | None = None

    @model_validator(mode="after")
    def _needs_target(self) -> Delivery:
        if self.postiz is None and self.wecom is None:
            raise ValueError("至少给一个投递目标：postiz 或 wecom")
        return self


def _topic(plan: dict[str, Any], index: int) -> dict[str, Any]:
    topics = plan.get("topics") or []
    if not 1 <= index <= len(topics):
        raise ValueError(f"方案只有 {len(topics)} 个话题，没有第 {index} 个")
    return topics[index - 1]


async def send_postiz(
    plan: dict[str, Any], target: PostizTarget, client: httpx.AsyncClient, event_id: str | None = None
) -> dict[str, Any]:
    topic = _topic(plan, target.topic)
    hh, mm = (int(x) for x in target.time.split(":"))
    day = datetime.fromisoformat(str(plan["date"])).date()
    when = datetime.combine(day, time(hh, mm), tzinfo=ZoneInfo("Asia/Shanghai")).astimezone(
        UTC
    )  # group's clock
    body = {
        "type": "draft",
        "shortLink": False,
        "date": when.strftime("%Y-%m-%dT%H:%M:%S.000Z"),
        "tags": [],
        "posts": [
            {
                "integration": {"id": target.integration_id},
                "value": [{"content": topic["text"], "image": []}],
                "settings": target.post_settings(),
            }
        ],
    }
    url = str(target.base_url).rstrip("/") + "/public/v1/posts"
    headers = {"Authorization": target.api_key}
    if event_id:
        headers["Idempotency-Key"] = event_id
    answer = await _post(client, url, json=body, headers=headers)
    ok = 200 <= answer["status_code"] < 300
    out: dict[str, Any] = {"target": "postiz", "ok": ok, "topic": target.topic, **answer}
    if not ok:
        out["error"] = f"Postiz 拒绝了请求（HTTP {answer['status_code']}）"
    return out


async def _post(client: httpx.AsyncClient, url: str, **kwargs: Any) -> dict[str, Any]:
    """POST and keep only what may be stored: the status and a short, sanitised excerpt (`response`); the
    body is read up to 64 KiB and never followed to a redirect. `_body` (the capped raw bytes) is for the
    caller to inspect and is dropped before the result is returned."""
    async with client.stream("POST", url, **kwargs) as response:
        raw = await aread_capped(response)
    summary = summarize_response(response, raw)
    return {"status_code": summary["status_code"], "response": summary["excerpt"] or None, "_body": raw}


def wecom_message(text: str, target: WecomTarget) -> dict[str, Any]:
    if target.msgtype == "markdown":
        mentions = "".join(f"<@{user}>" for user in target.mentioned_list)
        return {"msgtype": "markdown", "markdown": {"content": text + (f"\n{mentions}" if mentions else "")}}
    body: dict[str, Any] = {"content": text}
    if target.mentioned_list:
        body["mentioned_list"] = target.mentioned_list
    return {"msgtype": "text", "text": body}


async def send_wecom(
    plan: dict[str, Any], target: WecomTarget, client: httpx.AsyncClient, event_id: str | None = None
) -> dict[str, Any]:
    topic = _topic(plan, target.topic)
    message = wecom_message(topic["text"], target)
    size = len(message[target.msgtype]["content"].encode("utf-8"))
    if size > WECOM_LIMITS[target.msgtype]:
        raise ValueError(
            f"话题太长：企业微信 {target.msgtype} 消息最多 {WECOM_LIMITS[target.msgtype]} 字节，这条有 {size} 字节"
        )
    if target.webhook_url is not None:
        url, params = str(target.webhook_url), None
    else:
        url, params = WECOM_SEND, {"key": target.key}
    answer = await _post(client, url, params=params, json=message)
    out: dict[str, Any] = {"target": "wecom", "topic": target.topic, **answer}
    try:
        data = parse_json(answer["_body"], Limits(max_bytes=READ_LIMIT), what="应答")
    except UntrustedInputError:
        data = {}
    data = data if isinstance(data, dict) else {}
    errcode = data.get("errcode")
    out["ok"] = answer["status_code"] == 200 and errcode == 0 and not isinstance(errcode, bool)
    if not out["ok"]:
        shown = errcode if isinstance(errcode, int) and not isinstance(errcode, bool) else None
        out["error"] = f"企业微信拒绝了消息（errcode={shown}，HTTP {answer['status_code']}）"
        if data.get("errmsg"):
            out["reason"] = sanitize_excerpt(str(data["errmsg"]))
    return out


async def deliver(
    plan: dict[str, Any],
    delivery: Delivery,
    settings: Settings | None = None,
    *,
    event_id: str | None = None,
    timeout: float = 10.0,
) -> list[dict[str, Any]]:
    """Send to each target through the outbound policy (`HUATI_OUTBOUND_ALLOW`); one result per target (with
    `event_id`, default `plan.<plan id>`)."""
    event_id = event_id or f"plan.{plan.get('id')}"
    results = []
    async with async_outbound_client(policy_of(settings), timeout=timeout) as client:
        for name, sender in (("postiz", send_postiz), ("wecom", send_wecom)):
            target = getattr(delivery, name)
            if target is None:
                continue
            try:
                results.append(await sender(plan, target, client, event_id))
            except httpx.HTTPError as exc:
                message, reason = describe(exc)
                results.append(
                    {
                        "target": name,
                        "ok": False,
                        "topic": target.topic,
                        "error": f"发送失败：{message}",
                        "reason": reason,
                    }
                )
            except ValueError as exc:
                results.append(
                    {"target": name, "ok": False, "topic": target.topic, "error": f"没有发送：{exc}"}
                )
    at = datetime.now(UTC).isoformat()
    return [{**{k: v for k, v in r.items() if k != "_body"}, "event_id": event_id, "at": at} for r in results]
