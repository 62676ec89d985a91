"""Retrieval benchmark: synthetic indexes of N chunks (case sections + trend items over many dates).

Prints, per size: ingest throughput, time to add a day's 1,000 new trend items, hybrid query latency
p50/p95 (with the trend date-window filter) and peak memory. Each size runs in its own process so the
peak memory is its own. `--recall` instead prints recall@5 of each embedding on the labelled queries.

    python benchmarks/retrieval.py --sizes 10000,100000
    python benchmarks/retrieval.py --recall
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")

WORDS = (
    "冬至 饺子 汤圆 寒潮 降温 羽绒服 电热毯 暖气 被窝 早餐 晚饭 火锅 奶茶 咖啡 水果 脐橙 年货 春节 大扫除 "
    "宝宝 宝妈 辅食 午睡 幼儿园 绘本 作业 考研 宿舍 通勤 地铁 加班 周末 遛狗 猫咪 猫粮 狗粮 铲屎官 "
    "牙膏 刷牙 护肤 面霜 护手霜 防晒 口红 洗衣 晾衣服 收纳 空气炸锅 电饭煲 耳机 充电宝 手机 手表 "
    "团购 团长 链接 话题 晒单 打卡 接龙 红包 优惠 秒杀 双十一 双十二 618 年货节 快递 拆箱 退换 "
    "小区 邻居 菜市场 白菜 萝卜 排骨 鸡翅 汤 粥 茶 围炉 下雪 雨天 湿冷 干燥 起皮 感冒 喝水 运动 跑步 "
    "老人 爸妈 孩子 老家 回家 过年 春运 车票 跨年 圣诞 平安夜 礼物 惊喜 回忆 小时候 味道 习惯"
).split()
GLUE = "你 我 大家 今天 最近 一直 真的 有点 特别 还是 或者 怎么 什么 喜欢 觉得 想 用 吃 买 聊 晒".split()
PLATFORMS = ("微博热搜", "百度热搜", "抖音热榜", "小红书", "知乎热榜")
CATEGORIES = ("母婴", "美妆个护", "食品生鲜", "小家电", "服饰", "宠物", "数码", "教育")
QUERIES = (
    "冬至 饺子",
    "猫咪 冬天",
    "宝宝 穿衣",
    "防晒",
    "年货 清单",
    "电热毯 被窝",
    "早餐 吃什么",
    "双十二 囤货",
    "护肤 干燥",
    "通勤 耳机",
    "团购 先聊话题",
    "晚饭 火锅",
    "下雪",
    "考研 宿舍",
    "牙膏 刷牙",
)


def sentence(rng: random.Random, lo: int, hi: int) -> str:
    parts = [
        rng.choice(WORDS) if rng.random() < 0.6 else rng.choice(GLUE) for _ in range(rng.randint(lo, hi))
    ]
    return "".join(parts)


def make_kb(root: Path, n_chunks: int, seed: int = 7, days: int = 365, case_share: float = 0.3) -> date:
    """Write a synthetic knowledge base; returns the last trend date."""
    rng = random.Random(seed)
    cases, trends = root / "cases", root / "trends"
    cases.mkdir(parents=True)
    trends.mkdir()
    n_cases = int(n_chunks * case_share) // 5
    for i in range(n_cases):
        sections = "\n\n".join(
            f"## 第{j + 1}部分\n" + "。".join(sentence(rng, 6, 14) for _ in range(rng.randint(2, 4))) + "。"
            for j in range(5)
        )
        (cases / f"case-{i:06d}.md").write_text(
            f"---\nid: case-{i:06d}\ntitle: {sentence(rng, 3, 6)}\nkind: playbook\n"
            f"categories: [{rng.choice(CATEGORIES)}]\naudience: [宝妈群]\nsource: 合成数据\n---\n{sections}\n",
            encoding="utf-8",
        )
    n_trends = n_chunks - n_cases * 5
    end = date(2026, 12, 31)
    per_day = max(1, n_trends // days)
    made = 0
    for d in range(days):
        day = end - timedelta(days=days - 1 - d)
        count = per_day if d < days - 1 else n_trends - made
        lines = []
        for j in range(count):
            lines.append(
                json.dumps(
                    {
                        "date": day.isoformat(),
                        "platform": rng.choice(PLATFORMS),
                        "title": f"{sentence(rng, 3, 7)}{j}",
                        "heat": rng.randint(1000, 5_000_000),
                        "category": rng.choice(CATEGORIES),
                        "sample": True,
                    },
                    ensure_ascii=False,
                )
            )
        made += count
        (trends / f"{day.isoformat()}.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return end


def percentile(values: list[float], q: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(round(q / 100 * (len(values) - 1))))]


def run_one(size: int, provider: str | None) -> dict:
    from assistant.models import TrendItem
    from assistant.retrieval import search
    from assistant.retrieval.ingest import ingest
    from assistant.retrieval.trend_store import save_trends
    from assistant.settings import Settings

    tmp = Path(tempfile.mkdtemp(prefix=f"huati-bench-{size}-"))
    end = make_kb(tmp / "kb", size)
    settings = Settings(
        home=tmp / "home", kb_dir=tmp / "kb", **({"embedding_provider": provider} if provider else {})
    )
    started = time.perf_counter()
    report = ingest(settings=settings, progress=sys.stderr.isatty())
    ingest_s = time.perf_counter() - started
    chunks = report.chunks_added
    # A day's 1,000 new trend items (pushed like POST /v1/trends).
    rng = random.Random(11)
    new_day = end + timedelta(days=1)
    items = [
        TrendItem(
            date=new_day,
            platform=rng.choice(PLATFORMS),
            title=f"{sentence(rng, 3, 7)}新{i}",
            heat=rng.randint(1000, 9_000_000),
        )
        for i in range(1000)
    ]
    started = time.perf_counter()
    save_trends(items, settings)
    trends_s = time.perf_counter() - started
    # Queries: load everything once (as a server does at start), then measure.
    from assistant.retrieval import warm_up
    from assistant.retrieval.index import forget_clients

    forget_clients()  # start cold, like a fresh server process (the model stays loaded)
    warm_s = warm_up(settings)
    dates = [new_day - timedelta(days=rng.randint(0, 300)) for _ in range(200)]
    for q in QUERIES:
        search(q, kind="all", date=new_day, settings=settings)
    lat: dict[str, list[float]] = {"trends": [], "cases": [], "all": []}
    for i, day in enumerate(dates):
        q = QUERIES[i % len(QUERIES)]
        for kind in lat:
            t0 = time.perf_counter()
            search(q, kind=kind, date=day, k=10, settings=settings)
            lat[kind].append((time.perf_counter() - t0) * 1000)
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {
        "size": size,
        "chunks": chunks,
        "embedding": report.embedding,
        "ingest_s": round(ingest_s, 1),
        "ingest_per_s": round(chunks / ingest_s, 1),
        "new_1000_trends_s": round(trends_s, 2),
        "warm_up_s": round(warm_s, 1),
        **{f"{k}_p50_ms": round(statistics.median(v), 1) for k, v in lat.items()},
        **{f"{k}_p95_ms": round(percentile(v, 95), 1) for k, v in lat.items()},
        "peak_rss_mb": round(peak_mb),
        "index_mb": round(sum(f.stat().st_size for f in (tmp / "home").rglob("*") if f.is_file()) / 2**20),
    }


def run_recall(providers: list[str]) -> None:
    from assistant.retrieval import search
    from assistant.retrieval.ingest import ingest
    from assistant.settings import Settings

    rows = [
        json.loads(x)
        for x in (REPO / "evals/datasets/retrieval_queries.jsonl").read_text("utf-8").splitlines()
    ]
    for provider in providers:
        settings = Settings(home=Path(tempfile.mkdtemp()), embedding_provider=provider)
        ingest(settings=settings, progress=False)
        per_kind: dict[str, list[float]] = {}
        for row in rows:
            day = date.fromisoformat(row["date"]) if row.get("date") else None
            hits = search(row["query"], kind=row["kind"], date=day, k=5, settings=settings)
            got = {h.metadata.get("case_id") if h.kind == "cases" else h.id for h in hits}
            rel = set(row["relevant"])
            per_kind.setdefault(row["kind"], []).append(len(rel & got) / min(len(rel), 5))
        every = [x for v in per_kind.values() for x in v]
        parts = "  ".join(f"{k} {sum(v) / len(v):.3f} (n={len(v)})" for k, v in per_kind.items())
        print(f"{provider:6s} recall@5 {sum(every) / len(every):.3f}  {parts}")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sizes", default="10000,100000", help="comma-separated chunk counts")
    parser.add_argument("--embedding", default=None, help="usem | hash | openai (default: settings)")
    parser.add_argument(
        "--recall", action="store_true", help="recall@5 of usem and hash on the labelled queries"
    )
    parser.add_argument("--one", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.recall:
        run_recall(["usem", "hash"])
        return
    if args.one:
        print(json.dumps(run_one(args.one, args.embedding)))
        return
    print(f"cpu cores: {os.cpu_count()}  (figures depend on other load on the machine)")
    for size in [int(s) for s in args.sizes.split(",") if s.strip()]:
        cmd = [sys.executable, __file__, "--one", str(size)] + (
            ["--embedding", args.embedding] if args.embedding else []
        )
        out = subprocess.run(cmd, capture_output=True, text=True)
        if out.returncode != 0:
            print(out.stderr[-2000:])
            raise SystemExit(out.returncode)
        r = json.loads(out.stdout.strip().splitlines()[-1])
        print(f"\n== {r['size']:,} chunks ({r['chunks']:,} indexed, embedding {r['embedding']})")
        print(
            f"ingest: {r['ingest_s']} s  ({r['ingest_per_s']} chunks/s)   1,000 new trend items: {r['new_1000_trends_s']} s"
        )
        for kind in ("trends", "cases", "all"):
            label = {
                "trends": "trends (date window)",
                "cases": "cases",
                "all": "all (cases+trends+calendar)",
            }[kind]
            print(f"query {label:28s} p50 {r[f'{kind}_p50_ms']} ms   p95 {r[f'{kind}_p95_ms']} ms")
        print(f"warm-up (load all partitions, model, Chroma): {r['warm_up_s']} s")
        print(f"peak memory: {r['peak_rss_mb']} MB   index on disk: {r['index_mb']} MB")


if __name__ == "__main__":
    main()
