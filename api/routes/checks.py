"""Judge a topic someone wrote: the same JSON as `huati check --json`."""

from __future__ import annotations

from fastapi import APIRouter

from api.deps import ApiKeyDep
from api.routing import AuthFirstRoute
from api.schemas import CheckCreate, problems
from assistant.checks.topic import TopicCheck, check_topic

router = APIRouter(prefix="/v1", tags=["checks"], route_class=AuthFirstRoute)


@router.post(
    "/checks", response_model=TopicCheck, summary="检查话题：合规、低门槛、相关性、语气", responses=problems()
)
def create_check(body: CheckCreate, _key: ApiKeyDep) -> TopicCheck:
    return check_topic(
        body.topic_text,
        body.product,
        category=body.category,
        audience=body.audience,
        date=body.date,
        trend=body.trend,
    )
