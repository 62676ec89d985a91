"""Product-profile inference time: warm p50 / p99 over 200 names, and the cold first call (target: warm p50
≤ 20 ms).

Usage: python benchmarks/products.py [--n 200] [--rounds 5]

Names, categories and points are the first `--n` rows of `evals/datasets/uncatalogued_products.jsonl` (only
timings are printed, never the profiles). The cold figures come from fresh interpreters with an empty
HUATI_HOME: importing the package, the first call on a name the library knows, the first call that needs the
embedding (the library's word vectors computed and written to HUATI_HOME/cache/), and that call again in a
new process that finds the cache.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))  # this checkout's package, wherever the script is run from
DATASET = REPO / "evals" / "datasets" / "uncatalogued_products.jsonl"
TARGET_P50_MS = 20.0

COLD = """
import time, json
t0 = time.perf_counter()
from assistant.products import profile_for
t1 = time.perf_counter()
profile_for({name!r}, {category!r})
t2 = time.perf_counter()
print(json.dumps({{"import": t1 - t0, "call": t2 - t1}}))
"""


def rows(n: int) -> list[tuple[str, str | None, list[str]]]:
    out = []
    for line in DATASET.read_text(encoding="utf-8").splitlines()[:n]:
        row = json.loads(line)
        out.append((row["product"], row.get("category") or None, list(row.get("points") or [])))
    return out


def cold(name: str, category: str | None, home: Path) -> dict[str, float]:
    env = {**os.environ, "HUATI_HOME": str(home), "PYTHONPATH": str(REPO)}
    code = COLD.format(name=name, category=category)
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    work = rows(args.n)

    with tempfile.TemporaryDirectory() as tmp:
        home = Path(tmp) / "home"
        known = cold("加厚防滑儿童雨靴男女童", None, home)
        embed = cold("青花瓷茶具摆件", None, home)  # no library word: the embedding path, empty cache
        cached = cold("青花瓷茶具摆件", None, home)  # a new process that finds the cache
        os.environ["HUATI_HOME"] = str(home)

        from assistant.products import profile_for

        for name, category, points in work:  # warm-up: library, lexicon, segmenter, embedder, vectors
            profile_for(name, category, points)
        lat: list[float] = []
        for _ in range(args.rounds):
            for name, category, points in work:
                t0 = time.perf_counter()
                profile_for(name, category, points)
                lat.append(time.perf_counter() - t0)
    lat.sort()
    p50, p99 = statistics.median(lat) * 1e3, lat[int(0.99 * (len(lat) - 1))] * 1e3
    print(f"names             {len(work)} × {args.rounds} rounds")
    print(
        f"warm p50 / p99    {p50:.2f} ms / {p99:.2f} ms  (target p50 ≤ {TARGET_P50_MS:.0f} ms: {'OK' if p50 <= TARGET_P50_MS else 'SLOW'})"
    )
    print(f"warm mean         {statistics.fmean(lat) * 1e3:.2f} ms")
    print(
        f"cold import       {known['import']:.2f} s  (python -c 'from assistant.products import profile_for')"
    )
    print(f"cold first call   {known['call']:.2f} s  (a name the library knows: library, lexicon, segmenter)")
    print(f"cold, embedding   {embed['call']:.2f} s  (no library word: word vectors computed and cached)")
    print(f"cold, cached      {cached['call']:.2f} s  (the same in a new process that reads the cache)")


if __name__ == "__main__":
    main()
