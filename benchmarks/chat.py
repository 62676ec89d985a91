"""Offline chat turn latency: time to the first streamed chunk and total reply time.

Usage: python benchmarks/chat.py [--rounds 5] [--http]

Runs a scripted conversation (draft, revise, check, search, history, help) through `assistant.chat.astream`
in a fresh HUATI_HOME with the knowledge base ingested; `--http` also sends the same turns as SSE requests
to `huati serve`'s app under uvicorn on 127.0.0.1 and times the first `token` event.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import socket
import statistics
import tempfile
import threading
import time

TURNS = [
    "明天卖空气炸锅，宝妈群，给我三个话题",
    "第二个更口语一点",
    "更短",
    "这句有没有违规？「这款面霜用了立刻变白」",
    "冬至有什么可以聊的",
    "上周那个空气炸锅的话题效果怎样？",
    "你好",
]


def _pct(values: list[float], q: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(round(q * (len(values) - 1))))]


def _report(title: str, rows: dict[str, tuple[list[float], list[float]]]) -> None:
    print(f"\n{title}")
    print(f"{'first chunk p50':>16}{'total p50':>12}{'total p95':>12}  turn")

    def line(first: list[float], total: list[float], label: str) -> None:
        print(
            f"{statistics.median(first) * 1000:>13.1f} ms{statistics.median(total) * 1000:>9.1f} ms"
            f"{_pct(total, 0.95) * 1000:>9.1f} ms  {label}"
        )

    for text, (first, total) in rows.items():
        line(first, total, text)
    line([v for f, _ in rows.values() for v in f], [v for _, t in rows.values() for v in t], "(all turns)")


async def _in_process(rounds: int) -> dict[str, tuple[list[float], list[float]]]:
    from assistant import chat

    rows: dict[str, tuple[list[float], list[float]]] = {t: ([], []) for t in TURNS}
    for _ in range(rounds):
        sid = chat.new_session().id
        for text in TURNS:
            t0 = time.perf_counter()
            first = None
            async for item in chat.astream(sid, text):
                if first is None and isinstance(item, str):
                    first = time.perf_counter() - t0
            rows[text][0].append(first or 0.0)
            rows[text][1].append(time.perf_counter() - t0)
    return rows


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _over_http(rounds: int) -> dict[str, tuple[list[float], list[float]]]:
    import httpx
    import uvicorn

    from api.main import create_app

    port = _free_port()
    server = uvicorn.Server(uvicorn.Config(create_app(), host="127.0.0.1", port=port, log_level="warning"))
    threading.Thread(target=server.run, daemon=True).start()
    while not server.started:
        time.sleep(0.05)
    base = f"http://127.0.0.1:{port}"
    rows: dict[str, tuple[list[float], list[float]]] = {t: ([], []) for t in TURNS}
    with httpx.Client(base_url=base, timeout=60, headers={"X-Requested-With": "huati-bench"}) as client:
        from assistant.service.keys import create_key

        secret = create_key(f"bench-{time.time_ns()}")[1]
        client.post("/login", data={"key": secret})  # the page's session cookie
        for _ in range(rounds):
            sid = client.post("/v1/chat/sessions", json={}).json()["id"]
            for text in TURNS:
                t0 = time.perf_counter()
                first = None
                with client.stream(
                    "POST",
                    f"/v1/chat/sessions/{sid}/messages",
                    json={"message": text},
                    headers={"Accept": "text/event-stream"},
                ) as resp:
                    resp.raise_for_status()
                    for line in resp.iter_lines():
                        if first is None and line.startswith("event: token"):
                            first = time.perf_counter() - t0
                rows[text][0].append(first or 0.0)
                rows[text][1].append(time.perf_counter() - t0)
    server.should_exit = True
    return rows


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--http", action="store_true")
    args = parser.parse_args()
    os.environ.setdefault("HUATI_HOME", tempfile.mkdtemp(prefix="huati-bench-chat-"))
    for var in ("HUATI_LLM_BASE_URL", "HUATI_LLM_API_KEY", "OPENAI_API_KEY", "OPENAI_BASE_URL"):
        os.environ.pop(var, None)
    from assistant.retrieval.ingest import ingest

    t0 = time.perf_counter()
    ingest(progress=False)
    print(f"HUATI_HOME={os.environ['HUATI_HOME']} (ingest {time.perf_counter() - t0:.1f} s), engine: offline")
    t0 = time.perf_counter()
    asyncio.run(_in_process(1))  # warm-up: knowledge base, jieba, embedding model, checks
    print(f"warm-up conversation: {time.perf_counter() - t0:.2f} s")
    _report(f"in process, {args.rounds} rounds", asyncio.run(_in_process(args.rounds)))
    if args.http:
        _report(f"HTTP SSE (uvicorn, loopback), {args.rounds} rounds", _over_http(args.rounds))


if __name__ == "__main__":
    main()
