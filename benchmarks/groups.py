"""Groups benchmark: reading each export shape, importing a 100,000-message export (time and peak memory), and
the warm offline plan for a group with history (p50 / p95).

    python benchmarks/groups.py [--messages 100000] [--runs 30]

Targets: the import <= 10 s with flat memory; the warm plan with history p50 <= 150 ms. Figures only, no
assertions. The generated exports come from tests/groups/export_samples.py (what the large tests use).
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import sys
import tempfile
import time
import tracemalloc
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests" / "groups"))
GROUP = "阳光宝妈群"


def _home() -> str:
    home = tempfile.mkdtemp(prefix="huati-bench-groups-")
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
    from assistant.storage.db import dispose_engines

    reset_settings()
    dispose_engines()
    return home


def readers(n: int, folder: Path) -> None:
    import export_samples

    from assistant.groups.exports import iter_messages

    print(f"\nReading {n:,} messages per shape (no database)")
    print(f"{'shape':<14}{'file MB':>9}{'seconds':>9}{'peak KiB':>10}")
    for fmt, (name, write) in export_samples.WRITERS.items():
        path = folder / name
        write(path, n)
        started = time.perf_counter()
        count = sum(1 for _ in iter_messages(path))
        seconds = time.perf_counter() - started
        tracemalloc.start()
        sum(1 for _ in iter_messages(path))
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        assert count == n
        print(f"{fmt:<14}{path.stat().st_size / 1e6:>9.1f}{seconds:>9.2f}{peak / 1024:>10.0f}")


def imports(n: int, folder: Path) -> None:
    import export_samples

    from assistant.groups.importer import import_export

    print(f"\nImporting {n:,} messages into a group (fresh HUATI_HOME each; SQLite)")
    print(f"{'shape':<14}{'seconds':>9}{'peak MiB':>10}{'new':>10}{'again s':>9}")
    for fmt in ("wechat_csv", "plain_text", "wecom_jsonl"):
        name, write = export_samples.WRITERS[fmt]
        path = folder / name
        write(path, n)
        _home()
        started = time.perf_counter()
        report = import_export(path, GROUP)
        seconds = time.perf_counter() - started
        started = time.perf_counter()
        import_export(path, GROUP)  # everything already there
        again = time.perf_counter() - started
        _home()
        tracemalloc.start()
        import_export(path, GROUP)
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        print(f"{fmt:<14}{seconds:>9.2f}{peak / 2**20:>10.1f}{report.new:>10,}{again:>9.2f}")
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"process peak RSS so far: {rss:.0f} MiB (Python, SQLite, pydantic and the offline engine loaded)")


def plans(n_messages: int, runs: int, folder: Path) -> None:
    import export_samples

    from assistant.drafting import draft_plan
    from assistant.groups.importer import import_export
    from assistant.models import PlanRequest
    from assistant.storage import Store

    _home()
    store = Store()
    path = folder / "history.csv"
    export_samples.write_wechat_csv(path, n_messages)
    import_export(path, GROUP, store=store)
    day = date(2026, 1, 20)
    products = ("亮白牙膏", "空气炸锅", "保温杯")
    for i in range(40):  # 40 days of plans with posted, counted and rejected topics
        plan = draft_plan(
            PlanRequest(
                product=products[i % 3], audience="宝妈群", date=day + timedelta(days=i), group=GROUP
            ),
            store=store,
        )
        for index in (1, 2):  # either-or and vote topics draw more here, so history moves the ranking
            lively = plan.topics[index - 1].type.value in ("either_or", "vote")
            store.add_feedback(plan.id, index, "posted", replies=(14 if lively else 3) + i % 4)
        if i % 5 == 0:
            store.add_feedback(plan.id, 3, "rejected", note="太普通了")
    target = day + timedelta(days=41)
    records = store.group_records(GROUP, target)
    print(
        f"\nWarm offline plan for a group with history: {len(records.outcomes)} counted topics, "
        f"{len(records.rejected)} rejected, {len(records.hours)} hour rows, {n_messages:,} messages"
    )
    for label, group in (("with history", GROUP), ("no group", None)):
        request = PlanRequest(product="亮白牙膏", audience="宝妈群", date=target, group=group)
        draft_plan(request, store=store, save=False)  # warm
        times = []
        for _ in range(runs):
            started = time.perf_counter()
            plan = draft_plan(request, store=store, save=True)
            times.append((time.perf_counter() - started) * 1000)
        times.sort()
        p95 = times[min(len(times) - 1, int(0.95 * len(times)))]
        reasons = sum(1 for t in plan.topics if t.reason)
        print(
            f"  {label:<13} p50 {statistics.median(times):6.1f} ms   p95 {p95:6.1f} ms   ({runs} runs, saved; "
            f"{reasons} topic(s) moved by history)"
        )
    started = time.perf_counter()
    store.group_records(GROUP, target)
    print(f"  reading the group's records: {(time.perf_counter() - started) * 1000:.1f} ms")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--messages", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=30)
    args = parser.parse_args()
    print(f"Python {sys.version.split()[0]}, {os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f}")
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        readers(args.messages, folder)
        imports(args.messages, folder)
        plans(args.messages, args.runs, folder)


if __name__ == "__main__":
    main()
