"""Daily plans: create (idempotent, async), read, list, feedback, and batch jobs."""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
import threading
from typing import Annotated, Any

import anyio
from fastapi import APIRouter, Header, Query, Response
from fastapi import Path as PathParam
from starlette.concurrency import run_in_threadpool

from api.deps import ApiKeyDep, SettingsDep, StoreDep
from api.problems import ApiProblem
from api.request_checks import check_callback, check_destinations, check_topics
from api.routing import AuthFirstRoute
from api.schemas import (
    ApiDay,
    BatchCreate,
    FeedbackCreate,
    FeedbackPublic,
    JobPublic,
    PlanCreate,
    PlanList,
    PlanPublic,
    TopicFeedbackCreate,
    problems,
)
from assistant.errors import InputError, NotFoundError
from assistant.models import DailyPlan
from assistant.service import idempotency, ledger
from assistant.service.delivery import records as deliveries
from assistant.service.delivery.targets import deliver
from assistant.service.jobview import get_job
from assistant.service.queue import get_queue
from assistant.settings import Settings
from assistant.storage import Store

router = APIRouter(prefix="/v1", tags=["plans"], route_class=AuthFirstRoute)
log = logging.getLogger("huati.api.plans")

IDEMPOTENCY_WAIT = 120.0  # seconds a duplicate waits for the first request to finish
IdempotencyKey = Annotated[
    str | None,
    Header(
        alias="Idempotency-Key",
        min_length=1,
        max_length=255,
        description="同一个键 + 同一请求体 → 同一个方案",
    ),
]


def body_hash(body: PlanCreate) -> str:
    canonical = json.dumps(body.model_dump(mode="json"), sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()


def _load(store: Store, plan_id: str) -> DailyPlan:
    plan = store.get_plan(plan_id)
    if plan is None:
        raise NotFoundError(f"找不到方案 {plan_id}")
    return plan


_WRITE_LOCK = threading.Lock()


def _save(store: Any, plan: Any) -> None:
    """One writer at a time in this process: concurrent SQLite writers would sleep in the busy handler."""
    with _WRITE_LOCK:
        store.save_plan(plan)


async def _reserve(key_id: str, idem: str, digest: str, settings: Any) -> idempotency.Reservation:
    """Wait for our turn under an Idempotency-Key: "new" (we draft) or "done" (replay its plan).

    While another live request drafts under the same key we wait; when its owner died (killed worker, restart)
    its lease goes stale and `reserve` hands the reservation to us."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + IDEMPOTENCY_WAIT
    delay = 0.02
    while True:
        with anyio.CancelScope(shield=True):  # a reservation made must reach the caller, to be released
            reservation = await run_in_threadpool(idempotency.reserve, key_id, idem, digest, settings)
        if reservation.state != "pending":
            return reservation
        if loop.time() > deadline:
            raise ApiProblem(
                409, f"Idempotency-Key {idem} 对应的请求仍在处理中，请稍后重试", headers={"Retry-After": "5"}
            )
        await asyncio.sleep(delay)
        delay = min(delay * 2, 0.5)


@router.post(
    "/plans",
    status_code=201,
    response_model=PlanPublic,
    summary="生成一天的话题方案",
    responses={
        201: {"description": "新方案"},
        200: {"model": PlanPublic, "description": "幂等重放"},
        **problems(409, 502, 503, d409="同一 Idempotency-Key 用于不同请求体，或同键请求仍在处理中"),
    },
)
async def create_plan(
    body: PlanCreate,
    key: ApiKeyDep,
    settings: SettingsDep,
    store: StoreDep,
    response: Response,
    idempotency_key: IdempotencyKey = None,
) -> dict[str, Any]:
    from assistant.drafting import adraft_plan

    check_topics(body.delivery, body.n)
    check_destinations(body.delivery, settings)
    owner = None
    if idempotency_key is not None:
        reservation = await _reserve(key.id, idempotency_key, body_hash(body), settings)
        if reservation.state == "done" and reservation.plan_id is not None:
            response.status_code = 200
            response.headers["Idempotent-Replayed"] = "true"
            return await run_in_threadpool(_public, store, reservation.plan_id, settings)
        owner = reservation.owner
    try:
        plan = await adraft_plan(body.plan_request(), settings=settings, save=False)
        await run_in_threadpool(_save, store, plan)
    except BaseException:  # also a client that went away (cancellation): the key must not stay locked
        if owner is not None and idempotency_key is not None:
            idempotency.drop_lease(owner)
            with anyio.CancelScope(shield=True):
                await run_in_threadpool(idempotency.release, key.id, idempotency_key, owner, settings)
        raise
    if owner is not None and idempotency_key is not None:
        with anyio.CancelScope(shield=True):
            await run_in_threadpool(idempotency.complete, key.id, idempotency_key, owner, plan.id, settings)
    data = plan.public_dict() | {"delivery": None}
    if body.delivery is not None:
        event_id = f"plan.{plan.id}"
        data["delivery"] = await deliver(data, body.delivery, settings, event_id=event_id)
        await run_in_threadpool(deliveries.record, plan.id, data["delivery"], settings, event_id)
    response.headers["Location"] = f"/v1/plans/{plan.id}"
    return data


def _public(store: Store, plan_id: str, settings: Settings) -> dict[str, Any]:
    data = _load(store, plan_id).public_dict()
    data["delivery"] = deliveries.for_plans([plan_id], settings).get(plan_id)
    return data


@router.get(
    "/plans/{plan_id}",
    response_model=PlanPublic,
    summary="读取方案",
    responses={200: {"description": "方案（含投递结果）"}, **problems(404)},
)
def read_plan(plan_id: str, _key: ApiKeyDep, store: StoreDep, settings: SettingsDep) -> dict[str, Any]:
    return _public(store, plan_id, settings)


def _filter_value(kind: str, value: str | None, settings: Any) -> str | None:
    """A catalogue product or persona given by id, name or alias → the value plans are stored under."""
    if not value or not value.strip():
        return None
    from assistant.knowledge import find_audience, find_product

    if kind == "product":
        found = find_product(value, settings)
        return found.id if found is not None else value.strip()
    try:
        return find_audience(value, settings).name
    except InputError:  # not a known persona (any more): match the stored text as given
        return value.strip()


@router.get(
    "/plans", response_model=PlanList, summary="按日期 / 商品 / 群类型列出方案（分页）", responses=problems()
)
def list_plans(
    _key: ApiKeyDep,
    store: StoreDep,
    settings: SettingsDep,
    date: Annotated[ApiDay | None, Query(description="YYYY-MM-DD")] = None,
    product: Annotated[str | None, Query(max_length=100, description="商品 id、名称或别名")] = None,
    audience: Annotated[
        str | None, Query(max_length=50, description="群类型 id、名称或别名（如 宝妈）")
    ] = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
    offset: Annotated[int, Query(ge=0, le=1_000_000, description="跳过前多少条")] = 0,
    group: Annotated[str | None, Query(max_length=64, description="只看发在这个群的方案")] = None,
) -> dict[str, Any]:
    page, total = store.list_plans(
        date=date,
        product=_filter_value("product", product, settings),
        audience=_filter_value("audience", audience, settings),
        limit=limit,
        offset=offset,
        group=(group or "").strip() or None,
    )
    sent = deliveries.for_plans([p.id for p in page], settings)
    items = [p.public_dict() | {"delivery": sent.get(p.id)} for p in page]
    return {"items": items, "total": total, "limit": limit, "offset": offset}


@router.post(
    "/plans/{plan_id}/feedback",
    status_code=201,
    response_model=FeedbackPublic,
    summary="对方案里的某个话题反馈：采用 / 不用 / 改写 / 发了（可带回复数）",
    responses=problems(404),
)
def add_feedback(plan_id: str, body: FeedbackCreate, _key: ApiKeyDep, store: StoreDep) -> dict[str, Any]:
    return _feedback(store, plan_id, body.topic, body)


def _feedback(store: Any, plan_id: str, topic: int | str, body: TopicFeedbackCreate) -> dict[str, Any]:
    from assistant.dates import parse_moment
    from assistant.groups.replies import count_for_plan

    posted_at = None
    if body.posted_at is not None:
        posted_at = parse_moment(body.posted_at, _load(store, plan_id).date, field="posted_at")
    row = store.add_feedback(
        plan_id,
        topic,
        body.verdict,
        edited_text=body.text,
        note=body.note,
        posted_at=posted_at,
        replies=body.replies,
        repliers=body.repliers,
        orders=body.orders,
    )
    row["measured"] = count_for_plan(store, row["plan_id"], row["topic_index"])
    return {k: row.get(k) for k in FeedbackPublic.model_fields}


@router.post(
    "/plans/{plan_id}/topics/{n}/feedback",
    status_code=201,
    response_model=FeedbackPublic,
    summary="对第 n 个话题反馈：采用 / 不用 / 改写 / 发了（可带发出时间、回复数、接话人数、成交数）",
    responses=problems(404),
)
def add_topic_feedback(
    plan_id: str,
    n: Annotated[int, PathParam(ge=1, le=10, description="第几个话题（从 1 开始）")],
    body: TopicFeedbackCreate,
    _key: ApiKeyDep,
    store: StoreDep,
) -> dict[str, Any]:
    return _feedback(store, plan_id, n, body)


# --------------------------------------------------------------------------- batch


@router.post(
    "/plans:batch",
    status_code=202,
    response_model=JobPublic,
    summary="批量生成（例如一周），返回任务",
    responses=problems(),
)
def create_batch(body: BatchCreate, key: ApiKeyDep, settings: SettingsDep) -> dict[str, Any]:
    if body.callback_url is not None and settings.webhook_secret is None:
        raise InputError(
            "使用 callback_url 需要先设置 HUATI_WEBHOOK_SECRET（回调签名用的密钥）", field="callback_url"
        )
    check_callback(body.callback_url, settings)
    for index, item in enumerate(body.items):
        check_topics(item.delivery, item.n, ("body", "items", index))
        check_destinations(item.delivery, settings, ("body", "items", index))
    items = [item.model_dump(mode="json", exclude_none=True) for item in body.items]
    callback = str(body.callback_url) if body.callback_url else None
    job_id = ledger.create_job(key.id, items, callback, settings)
    try:
        get_queue(settings).submit(job_id)
    except Exception:  # the job is stored: the sweep starts it once the queue is reachable again
        log.exception("could not enqueue job %s", job_id)
    return get_job(job_id, settings)
