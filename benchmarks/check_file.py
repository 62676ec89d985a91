"""Throughput of `huati check --file … --json`: the real CLI path, as an operator runs it (target ≥ 2,000 topics/s).

Usage: python benchmarks/check_file.py [--n 10000] [--runs 3]
Builds two JSONL files of N lines from the in-house and outside labelled sets (products by name, ad hoc ones with
their category, groups, dates and trends as labelled; half the lines say `text`, half `topic`):
- distinct: every line made unique (a number appended), so no cache helps;
- repeated: the sets cycled as they are (about 2,700 distinct topics), as a day's drafts for many groups repeat.
Each file runs in a fresh process (`python -m assistant.cli.main check --file F --json --no-judge`); the script
prints wall and CPU seconds (the process and its workers) and topics/s for each run, and the best run.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TARGET = 2000


def _lines(n: int, distinct: bool) -> list[str]:
    sys.path.insert(0, str(ROOT))
    from evals.datasets import load_labelled
    from evals.outside import load_outside

    rows: list[dict] = []
    for c in load_labelled():
        row = {"topic": c.topic, "product": c.product}
        row.update({k: v for k, v in (("category", c.category), ("audience", c.audience)) if v})
        if c.date:
            row["date"] = c.date.isoformat()
        if c.trend:
            row["trend"] = c.trend
        rows.append(row)
    outside, _changes = load_outside()
    for i, r in enumerate(outside):
        row = {("text" if i % 2 else "topic"): r.topic, "product": r.product_name}
        if r.category:
            row["category"] = r.category
        rows.append(row)
    out = []
    for i in range(n):
        row = dict(rows[i % len(rows)])
        if distinct:
            key = "topic" if "topic" in row else "text"
            row[key] = f"{row[key]}{i}"
        out.append(json.dumps(row, ensure_ascii=False))
    return out


def _run(path: Path, env: dict[str, str]) -> tuple[float, float, int]:
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "assistant.cli.main", "check", "--file", str(path), "--json", "--no-judge"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    if done.returncode != 0:
        raise SystemExit(f"huati check failed ({done.returncode}): {done.stderr.strip()[:400]}")
    return wall, cpu, len(done.stdout.splitlines())


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        env = {**os.environ, "PYTHONPATH": str(ROOT), "HUATI_HOME": str(Path(tmp) / "home")}
        for label, distinct in (("distinct", True), ("repeated", False)):
            path = Path(tmp) / f"{label}.jsonl"
            path.write_text("\n".join(_lines(args.n, distinct)) + "\n", encoding="utf-8")
            best = None
            for run in range(1, args.runs + 1):
                wall, cpu, lines = _run(path, env)
                assert lines == args.n, f"{lines} results for {args.n} lines"
                rate = args.n / wall
                best = max(best or 0.0, rate)
                print(
                    f"{label:9s} run {run}: {args.n} topics  wall {wall:.2f} s  cpu {cpu:.2f} s  {rate:,.0f} topics/s"
                )
            verdict = "OK" if (best or 0) >= TARGET else "below target"
            print(f"{label:9s} best: {best:,.0f} topics/s (target ≥ {TARGET:,}: {verdict})")
        print(f"cores {os.cpu_count()}, load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
