"""Optional delivery of a finished plan: a Postiz draft post and/or a 企业微信 group robot message.

Postiz public API: `POST {base_url}/public/v1/posts`, header `Authorization: <API key>` (no "Bearer"),
body `{"type": "draft", "shortLink": false, "date": ISO-8601, "tags": [], "posts": [{"integration": {"id": ...},
"value": [{"content": ..., "image": []}], "settings": {...}}]}`.
企业微信 group robot: `POST https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=KEY` with
`{"msgtype": "text", "text": {"content": ...}}`; it answers `{"errcode": 0, "errmsg": "ok"}`.
Failures are reported per target in the response; the plan itself is already saved.
"""

from __future__ import annotations

from datetime import UTC, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

import httpx
from pydantic import BaseModel, Field, HttpUrl

WECOM_SEND = "https://qyapi.weixin.qq.com/cgi-bin/webhook/send"
POSTIZ_CLOUD = "https://api.postiz.com"


class PostizTarget(BaseModel):
    api_key: str = Field(..., min_length=1, max_length=500, description="Postiz 公共 API 密钥")
    integration_id: str = Field(..., min_length=1, max_length=200, description="Postiz 频道（integration）ID")
    base_url: HttpUrl = Field(POSTIZ_CLOUD, description="自建 Postiz 的后端地址；默认官方云服务")
    time: str = Field("20:00", pattern=r"^\d{2}:\d{2}$", description="草稿的计划时间（当天，HH:MM）")
    topic: int = Field(1, ge=1, le=10, description="发送第几个话题（从 1 开始，1 为排名第一）")
    settings: dict[str, Any] = Field({}, description="原样转给 Postiz 的平台设置")


class WecomTarget(BaseModel):
    webhook_url: HttpUrl | None = Field(None, description="群机器人完整地址（含 key）")
    key: str | None = Field(None, max_length=200, description="或只给 key")
    topic: int = Field(1, ge=1, le=10, description="发送第几个话题（从 1 开始）")
    mentioned_list: list[str] = Field([], max_length=50, description="要 @ 的成员，@all 为所有人")


class Delivery(BaseModel):
    postiz: PostizTarget | None = None
    wecom: WecomTarget | None = None


def _topic(plan: dict[str, Any], index: int) -> dict[str, Any]:
    topics = plan.get("topics") or []
    if not topics:
        raise ValueError("方案里没有话题")
    return topics[min(index, len(topics)) - 1]


def _check_text(topic: dict[str, Any]) -> str:
    return topic["text"]


async def send_postiz(
    plan: dict[str, Any], target: PostizTarget, client: httpx.AsyncClient
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
        "posts": [{
            "integration": {"id": target.integration_id},
            "value": [{"content": _check_text(topic), "image": []}],
            "settings": target.settings,
        }],
    }  # fmt: skip
    url = str(target.base_url).rstrip("/") + "/public/v1/posts"
    response = await client.post(url, json=body, headers={"Authorization": target.api_key})
    ok = 200 <= response.status_code < 300
    out: dict[str, Any] = {"target": "postiz", "ok": ok, "status_code": response.status_code}
    try:
        out["response"] = response.json()
    except ValueError:
        out["response"] = None
    if not ok:
        out["error"] = f"Postiz 返回 HTTP {response.status_code}"
    return out


async def send_wecom(plan: dict[str, Any], target: WecomTarget, client: httpx.AsyncClient) -> dict[str, Any]:
    topic = _topic(plan, target.topic)
    if target.webhook_url is not None:
        url, params = str(target.webhook_url), None
    elif target.key:
        url, params = WECOM_SEND, {"key": target.key}
    else:
        return {"target": "wecom", "ok": False, "error": "企业微信需要 webhook_url 或 key"}
    text: dict[str, Any] = {"content": _check_text(topic)}
    if target.mentioned_list:
        text["mentioned_list"] = target.mentioned_list
    response = await client.post(url, params=params, json={"msgtype": "text", "text": text})
    out: dict[str, Any] = {"target": "wecom", "status_code": response.status_code}
    try:
        data = response.json()
    except ValueError:
        data = {}
    out["ok"] = response.status_code == 200 and data.get("errcode") == 0
    out["response"] = data or None
    if not out["ok"]:
        out["error"] = f"企业微信返回 errcode={data.get('errcode')} {data.get('errmsg', '')}".strip()
    return out


async def deliver(plan: dict[str, Any], delivery: Delivery, *, timeout: float = 10.0) -> list[dict[str, Any]]:
    results = []
    async with httpx.AsyncClient(timeout=timeout) as client:
        for name, sender in (("postiz", send_postiz), ("wecom", send_wecom)):
            target = getattr(delivery, name)
            if target is None:
                continue
            try:
                results.append(await sender(plan, target, client))
            except (httpx.HTTPError, ValueError) as exc:
                results.append(
                    {"target": name, "ok": False, "error": f"发送失败：{type(exc).__name__}: {exc}"[:300]}
                )
    return results
