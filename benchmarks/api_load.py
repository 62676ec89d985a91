"""Load run against `huati serve` on loopback.

1. Offline engine: requests/s and p50/p99 latency for `POST /v1/plans` and `POST /v1/checks`.
2. LLM engine pointed at a local OpenAI-protocol fake with 1 s latency (tests/fake_openai.py): 50 concurrent
   `POST /v1/plans` must finish in under 3 s (they must not queue behind each other).
3. The shared rate limit's cost: one token taken from the database bucket (api.ratelimit), per call from one
   thread and in aggregate from 8 threads, on the same database the server used.

    python benchmarks/api_load.py [--home DIR] [--requests 200] [--concurrency 8] [--llm-concurrent 50]
                                  [--workers 1] [--database-url postgresql+psycopg://…]

Without --home a temporary HUATI_HOME is made and the knowledge base ingested first (about half a minute).
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
from pathlib import Path

import httpx

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "tests"))

LLM_DAY = "2027-06-15"
PRODUCTS = ["亮白牙膏", "保温杯", "空气炸锅", "洗衣凝珠", "儿童牙刷", "护手霜"]
TOPICS = [
    "你用过美白类牙膏吗？",
    "你家的保温杯一般泡什么？",
    "空气炸锅你最常做哪道菜？",
    "冬天你的手会干裂吗？",
]


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def serve(
    home: Path, port: int, extra_env: dict[str, str] | None = None, workers: int = 1
) -> subprocess.Popen:
    env = {**os.environ, "HUATI_HOME": str(home), **(extra_env or {})}
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "assistant.cli.main",
            "serve",
            "--port",
            str(port),
            "--workers",
            str(workers),
            "--log-level",
            "warning",
        ],
        env=env,
        cwd=REPO,
    )
    deadline = time.time() + 180
    streak = 0  # each worker warms up on its own: wait until many answers in a row (any worker) say done
    while time.time() < deadline:
        try:
            state = httpx.get(f"http://127.0.0.1:{port}/readyz", timeout=2).json().get("warm_up")
            streak = streak + 1 if state in ("done", "failed", "off") else 0
            if streak >= 1 + 9 * (workers > 1):
                return proc
        except (httpx.HTTPError, ValueError):
            streak = 0
        time.sleep(0.2)
    proc.kill()
    raise SystemExit("huati serve did not start")


def stop(proc: subprocess.Popen) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


async def load(base: str, key: str, path: str, bodies: list[dict], concurrency: int) -> dict:
    latencies: list[float] = []
    statuses: dict[int, int] = {}
    queue: asyncio.Queue = asyncio.Queue()
    for body in bodies:
        queue.put_nowait(body)
    limits = httpx.Limits(max_connections=concurrency * 2)
    async with httpx.AsyncClient(
        base_url=base, headers={"Authorization": f"Bearer {key}"}, timeout=120, limits=limits
    ) as client:

        async def worker() -> None:
            while not queue.empty():
                body = queue.get_nowait()
                t0 = time.perf_counter()
                r = await client.post(path, json=body)
                latencies.append(time.perf_counter() - t0)
                statuses[r.status_code] = statuses.get(r.status_code, 0) + 1

        started = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        wall = time.perf_counter() - started
    return {
        "n": len(bodies),
        "wall": wall,
        "rps": len(bodies) / wall,
        "p50": pct(latencies, 0.5) * 1000,
        "p99": pct(latencies, 0.99) * 1000,
        "mean": statistics.mean(latencies) * 1000,
        "statuses": statuses,
    }


def report(name: str, r: dict) -> None:
    print(
        f"{name:<28} n={r['n']:<5} {r['rps']:7.1f} req/s   p50 {r['p50']:7.1f} ms   p99 {r['p99']:7.1f} ms   "
        f"status {r['statuses']}"
    )


async def llm_burst(base: str, key: str, n: int) -> tuple[float, list[dict]]:
    async with httpx.AsyncClient(
        base_url=base,
        headers={"Authorization": f"Bearer {key}"},
        timeout=300,
        limits=httpx.Limits(max_connections=n + 10),
    ) as client:
        # One evening's run for one day: a group's history (topics of the 14 days *before* a plan's date) never
        # holds the fake model's fixed topics, so none is dropped as a repeat and no plan falls back offline.
        bodies = [
            {"product": PRODUCTS[i % len(PRODUCTS)], "date": LLM_DAY, "n": 3, "engine": "llm"}
            for i in range(n)
        ]
        started = time.perf_counter()
        responses = await asyncio.gather(*(client.post("/v1/plans", json=b) for b in bodies))
        wall = time.perf_counter() - started
    return wall, [r.json() | {"_status": r.status_code} for r in responses]


def ratelimit_cost(settings, n: int = 2000) -> None:
    import threading

    from api.ratelimit import RateLimiter

    limiter = RateLimiter(10**9, settings)
    limiter.hit("bench-warm")
    started = time.perf_counter()
    for _ in range(n):
        limiter.hit("bench-one")
    single = (time.perf_counter() - started) / n * 1e6

    def hammer(key: str) -> None:
        for _ in range(n // 8):
            limiter.hit(key)

    threads = [threading.Thread(target=hammer, args=(f"bench-{i % 2}",)) for i in range(8)]
    started = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    rate = (n // 8 * 8) / (time.perf_counter() - started)
    db = settings.db_url.split(":", 1)[0]
    print(
        f"\nshared rate limit ({db}): {single:.0f} µs per request from one thread; {rate:.0f} tokens/s from 8 threads"
    )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--home", type=Path, help="HUATI_HOME with an ingested index (default: a fresh temp one)")
    ap.add_argument("--requests", type=int, default=200)
    ap.add_argument("--concurrency", type=int, default=8)
    ap.add_argument("--llm-concurrent", type=int, default=50)
    ap.add_argument("--workers", type=int, default=1, help="huati serve --workers")
    ap.add_argument("--database-url", help="HUATI_DATABASE_URL for the server (default: SQLite in the home)")
    args = ap.parse_args()

    from assistant.service.keys import create_key
    from assistant.settings import Settings

    home = args.home or Path(tempfile.mkdtemp(prefix="huati-bench-"))
    if not (home / "index" / "manifest.json").exists():
        print(f"ingesting the knowledge base into {home} …", flush=True)
        subprocess.run(
            [sys.executable, "-m", "assistant.cli.main", "ingest", "-q"],
            cwd=REPO,
            check=True,
            env={**os.environ, "HUATI_HOME": str(home)},
        )
    settings = Settings(home=home, api_rate_limit=1_000_000, database_url=args.database_url)
    key = create_key(f"bench-{int(time.time() * 1000)}", settings)[1]
    env = {
        "HUATI_API_RATE_LIMIT": "1000000",
        **({"HUATI_DATABASE_URL": args.database_url} if args.database_url else {}),
    }
    load1 = os.getloadavg()[0]
    print(
        f"machine: {os.cpu_count()} cores, load average {load1:.1f} before the run; huati serve with "
        f"{args.workers} worker(s) on 127.0.0.1\n"
    )

    port = free_port()
    proc = serve(home, port, env, args.workers)
    base = f"http://127.0.0.1:{port}"
    try:
        plans = [
            {
                "product": PRODUCTS[i % len(PRODUCTS)],
                "date": f"2026-11-{1 + i % 28:02d}",
                "n": 3,
                "engine": "offline",
            }
            for i in range(args.requests)
        ]
        checks = [
            {"text": TOPICS[i % len(TOPICS)], "product": PRODUCTS[i % len(PRODUCTS)]}
            for i in range(args.requests * 5)
        ]
        asyncio.run(load(base, key, "/v1/plans", plans[:5], 1))  # warm-up (index, models, lexicons)
        asyncio.run(load(base, key, "/v1/checks", checks[:5], 1))
        report("POST /v1/plans (offline)", asyncio.run(load(base, key, "/v1/plans", plans, args.concurrency)))
        report("POST /v1/checks", asyncio.run(load(base, key, "/v1/checks", checks, args.concurrency)))
    finally:
        stop(proc)

    from fake_openai import FakeOpenAI

    with FakeOpenAI(latency=1.0) as fake:
        llm_env = {
            **env,
            "HUATI_LLM_BASE_URL": fake.base_url,
            "HUATI_LLM_API_KEY": "bench",
            "HUATI_LLM_MODEL": "fake-huati-1",
            "HUATI_LLM_MAX_RETRIES": "0",
        }
        port = free_port()
        proc = serve(home, port, llm_env, args.workers)
        base = f"http://127.0.0.1:{port}"
        try:
            asyncio.run(llm_burst(base, key, 2))  # warm-up
            fake.reset()
            wall, results = asyncio.run(llm_burst(base, key, args.llm_concurrent))
        finally:
            stop(proc)
        ok = [r for r in results if r["_status"] == 201]
        llm = [r for r in ok if r.get("engine") == "llm"]
        print(
            f"\n{args.llm_concurrent} concurrent LLM plans (fake endpoint, 1 s latency): {wall:.2f} s wall, "
            f"{len(ok)} ok, {len(llm)} by engine llm, fake server peak concurrency {fake.peak}, "
            f"waves {fake.waves()}"
        )
        verdict = "PASS" if wall < 3.0 and len(llm) == args.llm_concurrent else "FAIL"
        print(f"target < 3 s with every plan from the LLM: {verdict}")
    ratelimit_cost(settings)
    print(
        f"load average {os.getloadavg()[0]:.1f} after the run (other work on the machine skews the figures)"
    )


if __name__ == "__main__":
    main()
