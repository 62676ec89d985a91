"""OpenAPI links between operations: what a client (or a stateful test) can do next with an answer.

A new plan can be read, given feedback and have its topics checked; a batch job can be read, and a finished
job's first plan read; a page of plans leads to its first plan. Each link names the response member it takes
its value from (`$response.body#/...`).
"""

from __future__ import annotations

from typing import Any

PLAN = "$response.body#/id"
READ_PLAN = ("/v1/plans/{plan_id}", "get")
READ_JOB = ("/v1/jobs/{job_id}", "get")
# (source path, method, status) -> link name -> (target path, method), link members
LINKS: dict[tuple[str, str, str], dict[str, tuple[tuple[str, str], dict[str, Any]]]] = {
    ("/v1/plans", "post", "201"): {
        "ReadPlan": (READ_PLAN, {"parameters": {"plan_id": PLAN}}),
        "GiveFeedback": (
            ("/v1/plans/{plan_id}/feedback", "post"),
            {"parameters": {"plan_id": PLAN}, "requestBody": {"topic": 1, "verdict": "accepted"}},
        ),
        "CheckTopic": (
            ("/v1/checks", "post"),
            {
                "requestBody": {
                    "text": "$response.body#/topics/0/text",
                    "product": "$response.body#/product/name",
                }
            },
        ),
        "ListPlansOfTheDay": (("/v1/plans", "get"), {"parameters": {"date": "$response.body#/date"}}),
    },
    ("/v1/plans", "get", "200"): {
        "ReadListedPlan": (READ_PLAN, {"parameters": {"plan_id": "$response.body#/items/0/id"}}),
    },
    ("/v1/plans:batch", "post", "202"): {
        "ReadJob": (READ_JOB, {"parameters": {"job_id": "$response.body#/id"}}),
    },
    ("/v1/jobs/{job_id}", "get", "200"): {
        "ReadJobAgain": (READ_JOB, {"parameters": {"job_id": "$response.body#/id"}}),
        "ReadJobPlan": (READ_PLAN, {"parameters": {"plan_id": "$response.body#/results/0/plan_id"}}),
    },
}
DESCRIPTIONS = {
    "ReadPlan": "读取刚生成的方案",
    "GiveFeedback": "对方案的第一个话题给反馈",
    "CheckTopic": "检查方案的第一个话题",
    "ListPlansOfTheDay": "列出同一天的方案",
    "ReadListedPlan": "读取列表里的第一个方案",
    "ReadJob": "查看批量任务",
    "ReadJobAgain": "再次查看任务（等它完成）",
    "ReadJobPlan": "读取任务里第一条的方案",
}


def add_links(schema: dict[str, Any]) -> None:
    """Put `LINKS` into an OpenAPI document (targets named by their operationId, as FastAPI generated it)."""
    paths = schema["paths"]
    for (path, method, status), links in LINKS.items():
        paths[path][method]["responses"][status]["links"] = {
            name: {
                "operationId": paths[target][verb]["operationId"],
                **members,
                "description": DESCRIPTIONS[name],
            }
            for name, ((target, verb), members) in links.items()
        }
