"""Batch job status and results.

One installation serves one operator team (single tenant): any valid key reads any plan and any job, like
`GET /v1/plans/{id}`. Keys tell callers apart for revocation, rate limits and Idempotency-Key namespaces."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query

from api.deps import ApiKeyDep, SettingsDep
from api.routing import AuthFirstRoute
from api.schemas import JobPublic, problems
from assistant.service.jobview import get_job

router = APIRouter(prefix="/v1", tags=["jobs"], route_class=AuthFirstRoute)


@router.get(
    "/jobs/{job_id}", response_model=JobPublic, summary="任务状态、结果和回调记录", responses=problems(404)
)
def read_job(
    job_id: str,
    _key: ApiKeyDep,
    settings: SettingsDep,
    results: Annotated[
        bool, Query(description="false：只看状态和计数，不带每条结果（轮询大任务时用）")
    ] = True,
) -> dict[str, Any]:
    return get_job(job_id, settings, results=results)
