"""Throughput of the deterministic checks: 10,000 topics through `run_checks` (target ≤ 5 s).

Usage: python benchmarks/checks.py [--n 10000]
Topics are the labelled set's, cycled, each made unique so no cache can help; products are resolved once
(as the offline engine does when it ranks ~100 candidates per plan).
"""

from __future__ import annotations

import argparse
import statistics
import time

from assistant.checks import run_checks
from assistant.knowledge import find_audience, load_products, resolve_product
from evals.datasets import load_labelled

TARGET_SECONDS = 5.0


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=10_000)
    args = parser.parse_args()
    cases = load_labelled()
    catalogue = load_products()
    products = {c.product: resolve_product(c.product) for c in cases}
    audiences = {c.audience: find_audience(c.audience) for c in cases if c.audience}
    work = []
    for i in range(args.n):
        c = cases[i % len(cases)]
        text = c.topic if i < len(cases) else f"{c.topic}{i}"
        work.append((text, products[c.product], audiences.get(c.audience), c.date, c.trend))
    run_checks(work[0][0], work[0][1], catalogue=catalogue)  # warm-up: lexicons, automatons, OpenCC
    lat = []
    passed = 0
    cpu_start = time.process_time()
    start = time.perf_counter()
    for text, product, audience, day, trend in work:
        t0 = time.perf_counter()
        report = run_checks(text, product, audience=audience, date=day, trend=trend, catalogue=catalogue)
        lat.append(time.perf_counter() - t0)
        passed += report.passed
    total = time.perf_counter() - start
    cpu = time.process_time() - cpu_start
    lat.sort()
    print(f"topics            {args.n}")
    print(
        f"total seconds     {total:.2f}  (target ≤ {TARGET_SECONDS:.1f} s for 10,000: {'OK' if total * 10_000 / args.n <= TARGET_SECONDS else 'SLOW'})"
    )
    print(f"cpu seconds       {cpu:.2f}  (this process; wall time also counts other load on the machine)")
    print(f"topics/s          {args.n / total:,.0f}")
    print(
        f"latency p50 / p99 {statistics.median(lat) * 1e3:.3f} ms / {lat[int(0.99 * (len(lat) - 1))] * 1e3:.3f} ms"
    )
    print(f"all-checks pass   {passed / args.n:.1%}")


if __name__ == "__main__":
    main()
