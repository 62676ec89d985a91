"""Drafting benchmark: offline warm plan latency, cold `huati draft` process time, and one LLM plan against
a local fake endpoint with 1 s latency (wall time vs sequential round trips, calls, tokens).

    python benchmarks/draft.py [--runs 30] [--latency 1.0] [--concurrent 50]

Targets: offline warm p50 <= 300 ms; cold `huati draft` <= 3 s; LLM plan wall ~= round trips x latency.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))
DAY = date(2026, 12, 21)


def _home() -> str:
    home = tempfile.mkdtemp(prefix="huati-bench-")
    os.environ["HUATI_HOME"] = home
    for var in (
        "HUATI_LLM_BASE_URL",
        "HUATI_LLM_API_KEY",
        "HUATI_LLM_MODEL",
        "OPENAI_API_KEY",
        "OPENAI_BASE_URL",
    ):
        os.environ.pop(var, None)
    from assistant.settings import reset_settings

    reset_settings()
    return home


def offline_warm(runs: int) -> None:
    from assistant.drafting import draft_plan
    from assistant.knowledge import load_products
    from assistant.models import PlanRequest

    products = [p.name for p in load_products()]
    audiences = ["宝妈群", "职场白领群", "银发群", "大学生群"]
    draft_plan(PlanRequest(product=products[0], date=DAY), save=False)  # warm caches
    times = []
    for i in range(runs):
        req = PlanRequest(product=products[i % len(products)], audience=audiences[i % 4], date=DAY)
        start = time.perf_counter()
        draft_plan(req, save=True)
        times.append((time.perf_counter() - start) * 1000)
    times.sort()
    p95 = times[min(len(times) - 1, int(len(times) * 0.95))]
    print(
        f"offline warm plan (saved): p50 {statistics.median(times):.0f} ms, p95 {p95:.0f} ms over {runs} plans "
        f"(target p50 <= 300 ms)"
    )


def cold_cli(runs: int = 3) -> None:
    times = []
    env = {**os.environ}
    for _ in range(runs):
        start = time.perf_counter()
        proc = subprocess.run(
            ["huati", "draft", "亮白牙膏", "--date", DAY.isoformat(), "--audience", "宝妈群", "--json"],
            capture_output=True,
            env=env,
            check=False,
        )
        times.append(time.perf_counter() - start)
        if proc.returncode != 0:
            print("cold run failed:", proc.stderr.decode()[-300:])
            return
    print(
        f"cold `huati draft` process: median {statistics.median(times):.2f} s, best {min(times):.2f} s "
        f"over {runs} runs (target <= 3 s)"
    )


def llm(latency: float, concurrent: int) -> None:
    from fake_openai import FakeOpenAI

    from assistant.drafting import adraft_plan, draft_plan
    from assistant.models import PlanRequest
    from assistant.settings import get_settings, reset_settings

    with FakeOpenAI(latency=latency) as server:
        os.environ.update(
            {
                "HUATI_LLM_BASE_URL": server.base_url,
                "HUATI_LLM_MODEL": "fake-huati-1",
                "HUATI_LLM_MAX_RETRIES": "0",
            }
        )
        reset_settings()
        req = PlanRequest(product="空气炸锅", audience="宝妈群", date=DAY, n=3)
        draft_plan(
            req.model_copy(update={"product": "亮白牙膏"}), save=False
        )  # warm: imports, first connection
        server.reset()
        start = time.perf_counter()
        plan = draft_plan(req, save=False)
        wall = time.perf_counter() - start
        waves = server.waves()
        print(
            f"LLM plan vs fake endpoint ({latency:.1f} s latency): wall {wall:.2f} s, "
            f"sequential round trips {waves} (floor {waves * latency:.1f} s), engine {plan.engine}"
        )
        print(
            f"  model calls per plan {plan.usage.calls}, tokens in {plan.usage.input_tokens} "
            f"out {plan.usage.output_tokens}"
        )

        from fake_openai import default_responder, quiz_responder

        server.reset()
        server.responder = quiz_responder(2)
        start = time.perf_counter()
        plan = draft_plan(req, save=False)
        wall = time.perf_counter() - start
        waves = server.waves()
        server.responder = default_responder
        print(
            f"LLM plan with 2 topics failing the checks: wall {wall:.2f} s, sequential round trips {waves} "
            f"(floor {waves * latency:.1f} s), model calls {plan.usage.calls}, tokens in "
            f"{plan.usage.input_tokens} out {plan.usage.output_tokens}"
        )

        # a group with history: yesterday's plan is saved, today's model answer repeats it, the offline
        # engine fills the gap (no extra model call)
        other = req.model_copy(update={"audience": "职场白领群"})
        draft_plan(other.model_copy(update={"date": DAY.replace(day=DAY.day - 1)}), save=True)
        server.reset()
        start = time.perf_counter()
        plan = draft_plan(other, save=False)
        wall = time.perf_counter() - start
        engines = [t["engine"] for t in plan.public_dict()["topics"]]
        print(
            f"LLM plan for a group with history: wall {wall:.2f} s, sequential round trips {server.waves()}, "
            f"model calls {plan.usage.calls}, topics by engine {engines}"
        )

        server.reset()
        settings = get_settings()

        async def many() -> list:
            return await asyncio.gather(
                *(adraft_plan(req, settings=settings, save=False) for _ in range(concurrent))
            )

        start = time.perf_counter()
        plans = asyncio.run(many())
        wall = time.perf_counter() - start
        llm_plans = sum(p.engine == "llm" for p in plans)
        print(
            f"  {concurrent} concurrent LLM plans: wall {wall:.2f} s, peak in-flight requests {server.peak}, "
            f"{llm_plans}/{concurrent} by the LLM"
        )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--latency", type=float, default=1.0)
    parser.add_argument("--concurrent", type=int, default=50)
    args = parser.parse_args()
    _home()
    cold_cli()
    offline_warm(args.runs)
    llm(args.latency, args.concurrent)


if __name__ == "__main__":
    main()
