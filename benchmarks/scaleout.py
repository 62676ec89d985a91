"""Scale-out of batch jobs, with real components on loopback started here: one batch of 1,000 groups'
offline plans, submitted once over HTTP to `huati serve`, run by

1. the default: SQLite, `huati serve` with its own worker processes (HUATI_JOB_PROCESSES, one per core);
2. PostgreSQL (Debian's server via initdb / pg_ctl) with 1, then 2 `huati worker` processes; the API only
   enqueues (HUATI_JOB_PROCESSES=off) and the client only submits and polls;
3. the same with the Chroma server mode (`chroma run`) instead of the embedded index.

Prints, per run: plans/s, p50/p99 of one item in a worker (start of its run to its result), and the ratio
2 workers ÷ 1. The machine may be shared: each run also reports the CPU seconds of every process of ours
(workers, API, PostgreSQL, Chroma), the share of the machine's cores they got, the load average, and a
load-corrected rate — the rate had each worker process had a core of its own: items ÷ max(CPU of the busiest
worker, CPU of all our processes ÷ cores).

    python benchmarks/scaleout.py [--items 1000] [--runs sqlite,pg,chroma] [--home DIR]

Without --home a temporary HUATI_HOME is made and the knowledge base ingested (about half a minute; once more
into the Chroma server for the third run). Redis is not used (the queue lives in PostgreSQL).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

import httpx

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "tests"))
DAY = "2026-12-21"  # 冬至: every plan of the batch is for the same day, as an evening run would be
TICK = os.sysconf("SC_CLK_TCK")


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def cli(home: Path, env: dict[str, str], *args: str) -> str:
    out = subprocess.run(
        [sys.executable, "-m", "assistant.cli.main", *args],
        cwd=REPO,
        env={**os.environ, "HUATI_HOME": str(home), **env},
        capture_output=True,
        text=True,
        check=True,
    )
    return out.stdout


# ----------------------------------------------------------------------------- processes and CPU


def cpu(pid: int) -> float:
    try:
        with open(f"/proc/{pid}/stat") as fh:
            fields = fh.read().rpartition(")")[2].split()
        return (int(fields[11]) + int(fields[12])) / TICK
    except (OSError, ValueError, IndexError):
        return 0.0


def children(pid: int) -> list[int]:
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as fh:
                    if int(fh.read().rpartition(")")[2].split()[1]) == pid:
                        found.append(int(entry))
            except (OSError, ValueError, IndexError):
                pass
    return found


class Procs:
    """Our processes by role; CPU seconds used by each role between two readings."""

    def __init__(self) -> None:
        self.roles: dict[str, list[int]] = {}

    def add(self, role: str, *pids: int) -> None:
        self.roles.setdefault(role, []).extend(pids)

    def read(self) -> dict[int, float]:
        return {pid: cpu(pid) for pids in self.roles.values() for pid in pids}


def start_serve(home: Path, env: dict[str, str], log: Path) -> tuple[subprocess.Popen, str]:
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "assistant.cli.main", "serve", "--port", str(port), "--log-level", "warning"],
        cwd=REPO,
        env={**os.environ, "HUATI_HOME": str(home), **env},
        stdout=subprocess.DEVNULL,
        stderr=log.open("w"),
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.time() + 240
    while time.time() < deadline:
        assert proc.poll() is None, log.read_text()[-2000:]
        try:
            if httpx.get(f"{base}/readyz", timeout=2).json().get("warm_up") in ("done", "failed", "off"):
                return proc, base
        except (httpx.HTTPError, ValueError):
            pass
        time.sleep(0.3)
    raise SystemExit("huati serve did not get ready")


def start_worker(home: Path, env: dict[str, str], log: Path) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "assistant.cli.main", "worker"],
        cwd=REPO,
        env={**os.environ, "HUATI_HOME": str(home), **env},
        stdout=subprocess.DEVNULL,
        stderr=log.open("w"),
    )


def wait_ready(logs: list[Path], count: int, timeout: float = 240) -> None:
    """Worker processes print one line when warmed up (index, lexicons, models loaded)."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        ready = sum(p.read_text(errors="replace").count("执行进程已就绪") for p in logs if p.exists())
        if ready >= count:
            return
        time.sleep(0.3)
    raise SystemExit("workers did not get ready: " + " | ".join(p.read_text()[-500:] for p in logs))


def stop(proc: subprocess.Popen) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=40)
    except subprocess.TimeoutExpired:
        proc.kill()


# ----------------------------------------------------------------------------- one batch


def batch_items(home: Path, env: dict[str, str], n: int) -> list[dict]:
    code = (
        "import json; from assistant.knowledge import load_products, load_audiences;"
        "print(json.dumps([[p.name for p in load_products()], [a.name for a in load_audiences()]], ensure_ascii=False))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code],
        cwd=REPO,
        env={**os.environ, "HUATI_HOME": str(home), **env},
        capture_output=True,
        text=True,
        check=True,
    )
    products, audiences = json.loads(out.stdout)
    return [
        {
            "product": products[i % len(products)],
            "audience": audiences[(i // len(products)) % len(audiences)],
            "date": DAY,
        }
        for i in range(n)
    ]


def item_seconds(url: str, job_id: str) -> list[float]:
    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    with engine.connect() as conn:
        rows = conn.execute(
            text("SELECT started_at, updated_at FROM job_items WHERE job_id = :j AND status = 'ok'"),
            {"j": job_id},
        ).all()
    engine.dispose()

    def t(v):
        return v if isinstance(v, datetime) else datetime.fromisoformat(str(v))

    return [(t(b) - t(a)).total_seconds() for a, b in rows if a is not None]


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else float("nan")


def run_batch(
    name: str, base: str, key: str, items: list[dict], db_url: str, procs: Procs, workers: int
) -> dict:
    auth = {"Authorization": f"Bearer {key}"}
    load_before = os.getloadavg()[0]
    cpu_before = procs.read()
    r = httpx.post(f"{base}/v1/plans:batch", json={"items": items}, headers=auth, timeout=120)
    assert r.status_code == 202, r.text[:500]
    job = r.json()
    loads = []
    while job["status"] not in ("done", "failed"):
        time.sleep(0.5)
        loads.append(os.getloadavg()[0])
        job = httpx.get(
            f"{base}/v1/jobs/{job['id']}", params={"results": "false"}, headers=auth, timeout=60
        ).json()
    cpu_after = procs.read()
    elapsed = (
        datetime.fromisoformat(job["updated_at"]) - datetime.fromisoformat(job["created_at"])
    ).total_seconds()
    used = {
        role: sum(cpu_after.get(p, 0) - cpu_before.get(p, 0) for p in pids)
        for role, pids in procs.roles.items()
    }
    per_worker = [cpu_after.get(p, 0) - cpu_before.get(p, 0) for p in procs.roles.get("workers", [])]
    cores = os.cpu_count() or 1
    corrected = max(max(per_worker or [0.0]), sum(used.values()) / cores)
    spans = item_seconds(db_url, job["id"])
    out = {
        "run": name,
        "workers": workers,
        "items": job["total"],
        "ok": job["completed"] - job["failed"],
        "elapsed_s": round(elapsed, 1),
        "plans_per_s": round(job["completed"] / elapsed, 2),
        "item_p50_ms": round(pct(spans, 0.5) * 1000),
        "item_p99_ms": round(pct(spans, 0.99) * 1000),
        "cpu_s": {role: round(v, 1) for role, v in used.items()},
        "cpu_ms_per_item": round(1000 * sum(used.values()) / job["total"], 1),
        "corrected_plans_per_s": round(job["total"] / corrected, 2) if corrected else None,
        "machine_share": round(sum(used.values()) / (elapsed * cores), 2),  # of all cores, what we got
        "load_before": round(load_before, 2),
        "load_during": round(statistics.mean(loads), 2) if loads else None,
    }
    print(json.dumps(out, ensure_ascii=False), flush=True)
    return out


# ----------------------------------------------------------------------------- the runs


def run_sqlite(home: Path, items: list[dict], logs: Path) -> list[dict]:
    env = {"HUATI_JOB_PROCESSES": "auto", "HUATI_API_RATE_LIMIT": "100000"}
    key = cli(home, env, "keys", "create", f"bench-{time.time_ns()}").strip().splitlines()[-1]
    log = logs / "serve-sqlite.log"
    server, base = start_serve(home, env, log)
    try:
        count = os.cpu_count() or 1
        wait_ready([log], count)
        procs = Procs()
        procs.add("api", server.pid)
        procs.add("workers", *children(server.pid))
        return [
            run_batch(
                "sqlite, huati serve with its worker processes",
                base,
                key,
                items,
                f"sqlite:///{home}/huati.db",
                procs,
                count,
            )
        ]
    finally:
        stop(server)


def run_postgres(
    home: Path,
    items: list[dict],
    logs: Path,
    cluster,
    extra: dict[str, str],
    label: str,
    chroma_pid: int | None,
) -> list[dict]:
    from pg_cluster import Cluster  # noqa: F401 - for the type of `cluster`

    out = []
    master = int((cluster.base / "data" / "postmaster.pid").read_text().split()[0])
    for workers in (1, 2):
        url = cluster.new_database()
        env = {
            **extra,
            "HUATI_DATABASE_URL": url,
            "HUATI_JOB_PROCESSES": "off",
            "HUATI_API_RATE_LIMIT": "100000",
        }
        cli(home, env, "db", "upgrade")
        key = cli(home, env, "keys", "create", "bench").strip().splitlines()[-1]
        server, base = start_serve(home, env, logs / f"serve-{label}-{workers}.log")
        worker_logs = [logs / f"worker-{label}-{workers}-{i}.log" for i in range(workers)]
        procs_ = [start_worker(home, env, p) for p in worker_logs]
        try:
            wait_ready(worker_logs, workers)
            procs = Procs()
            procs.add("api", server.pid)
            procs.add("workers", *(p.pid for p in procs_))
            procs.add("postgres", master, *children(master))
            if chroma_pid:
                procs.add("chroma", chroma_pid, *children(chroma_pid))
            out.append(run_batch(f"{label}, {workers} huati worker", base, key, items, url, procs, workers))
        finally:
            for p in procs_:
                stop(p)
            stop(server)
    one, two = out
    print(
        json.dumps(
            {
                "run": label,
                "ratio_2_over_1": round(two["plans_per_s"] / one["plans_per_s"], 2),
                "ratio_2_over_1_corrected": round(
                    two["corrected_plans_per_s"] / one["corrected_plans_per_s"], 2
                ),
            },
            ensure_ascii=False,
        ),
        flush=True,
    )
    return out


def start_chroma(path: Path) -> tuple[subprocess.Popen, int]:
    import socket

    exe = shutil.which("chroma")
    if exe is None:
        raise SystemExit("chroma CLI not installed")
    port = free_port()
    proc = subprocess.Popen(
        [exe, "run", "--path", str(path), "--host", "127.0.0.1", "--port", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.time() + 60
    while time.time() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            return proc, port
        except OSError:
            time.sleep(0.2)
    raise SystemExit("chroma server did not start")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=1000)
    parser.add_argument("--runs", default="sqlite,pg,chroma")
    parser.add_argument(
        "--home", type=Path, default=None, help="an ingested HUATI_HOME (copied, never written)"
    )
    args = parser.parse_args()
    runs = set(args.runs.split(","))
    work = Path(tempfile.mkdtemp(prefix="huati-scaleout-"))
    work.chmod(0o755)
    logs = work / "logs"
    logs.mkdir()
    home = work / "home"
    if args.home:
        shutil.copytree(args.home, home, ignore=shutil.ignore_patterns("huati.db*", "queue.db*", "jobs.lock"))
    else:
        cli(home, {}, "ingest")
    items = batch_items(home, {}, args.items)
    print(f"# {args.items} items, {os.cpu_count()} cores, load average {os.getloadavg()}", flush=True)
    results: list[dict] = []
    cluster = chroma = None
    try:
        if "sqlite" in runs:
            sqlite_home = work / "home-sqlite"
            shutil.copytree(home, sqlite_home)
            results += run_sqlite(sqlite_home, items, logs)
        if runs & {"pg", "chroma"}:
            import pg_cluster

            reason = pg_cluster.why_not()
            if reason:
                raise SystemExit(reason)
            cluster = pg_cluster.start({"max_connections": "200"})
        if "pg" in runs:
            results += run_postgres(home, items, logs, cluster, {}, "postgres", None)
        if "chroma" in runs:
            chroma, port = start_chroma(work / "chroma")
            chroma_env = {"HUATI_CHROMA_HOST": "127.0.0.1", "HUATI_CHROMA_PORT": str(port)}
            chroma_home = work / "home-chroma"
            cli(chroma_home, chroma_env, "ingest")
            results += run_postgres(
                chroma_home, items, logs, cluster, chroma_env, "postgres+chroma-server", chroma.pid
            )
    finally:
        if chroma is not None:
            stop(chroma)
        if cluster is not None:
            cluster.stop()
    (work / "results.json").write_text(json.dumps(results, ensure_ascii=False, indent=1))
    print(f"# results and logs in {work}", flush=True)


if __name__ == "__main__":
    main()
