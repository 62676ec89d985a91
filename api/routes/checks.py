"""Judge a topic someone wrote: the same JSON as `huati check --json`."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from api.deps import ApiKeyDep
from api.routing import AuthFirstRoute
from api.schemas import CheckCreate, problems

router = APIRouter(prefix="/v1", tags=["checks"], route_class=AuthFirstRoute)


@router.post("/checks", summary="检查话题：合规、低门槛、相关性、语气", responses=problems())
def create_check(body: CheckCreate, _key: ApiKeyDep) -> dict[str, Any]:
    from assistant.cli.check import _check_one  # the one implementation behind `huati check --json`

    result = _check_one(body.text, body.product, body.category, body.audience,
                        body.date.isoformat() if body.date else None, body.trend)  # fmt: skip
    return result[0] if isinstance(result, tuple) else result  # newer CLI: (json, product, audience)
