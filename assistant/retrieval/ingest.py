"""`ingest()`: files -> chunks -> vectors -> index partitions + Chroma, incrementally and safely.

Files are identified by content hash: unchanged files cost nothing, changed files replace their
chunks, deleted files disappear. Order of writes: new partitions and Chroma upserts first, then the
manifest (atomic rename, the commit point), then Chroma deletes and old partitions. An interrupted run
therefore leaves the previous index usable.
"""

from __future__ import annotations

import fcntl
import hashlib
import time
from collections.abc import Iterable
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np

from assistant.errors import InputError
from assistant.retrieval.chunking import case_records, trend_records
from assistant.retrieval.embeddings import Embedder, get_embedder
from assistant.retrieval.index import IndexStore
from assistant.retrieval.ingest_report import IngestReport
from assistant.retrieval.partitions import owners, rebuild_partitions, upsert_cases
from assistant.retrieval.trends import TREND_SUFFIXES
from assistant.settings import Settings, get_settings

EMBED_BATCH = 256
# Directories skipped when walking a tree (importer examples include a deliberately broken file).
SKIP_DIRS = {"examples", "__pycache__"}


def display_path(path: Path, kb_dir: Path | None = None) -> str:
    """Path shown in hits and errors: relative to the repo (knowledge_base/...) or the cwd if possible."""
    path = path.resolve()
    for base in ([kb_dir.resolve().parent] if kb_dir else []) + [Path.cwd().resolve()]:
        try:
            return str(path.relative_to(base))
        except ValueError:
            continue
    return str(path)


def _has_named_dir(root: Path, names: tuple[str, ...]) -> bool:
    return root.name in names or any(p.is_dir() for n in names for p in root.rglob(n))


def discover(root: Path) -> list[tuple[Path, str]]:
    """(file, kind) pairs under `root`: Markdown cases in `cases/`, trend files in `trends/`.

    A directory with neither sub-directory is taken as is (all .md are cases, data files are trends).
    """
    if root.is_file():
        if root.suffix == ".md":
            return [(root, "cases")]
        if root.suffix in TREND_SUFFIXES:
            return [(root, "trends")]
        raise InputError(f"不认识的文件类型：{root}（支持 .md 案例和 .jsonl/.csv/.json 热点）")
    if not root.is_dir():
        raise InputError(f"路径不存在：{root}")
    structured = _has_named_dir(root, ("cases", "trends"))
    out: list[tuple[Path, str]] = []
    for path in sorted(root.rglob("*")):
        if not path.is_file() or path.name.startswith(("_", ".", "README")):
            continue
        parts = set(path.relative_to(root).parts[:-1]) | {root.name}
        if parts & SKIP_DIRS and root.name not in SKIP_DIRS:
            continue
        if path.suffix == ".md" and (not structured or "cases" in parts):
            out.append((path, "cases"))
        elif path.suffix in TREND_SUFFIXES and (not structured or "trends" in parts):
            out.append((path, "trends"))
    return out


def _under(key: str, roots: Iterable[Path]) -> bool:
    path = Path(key)
    return any(path == r or r in path.parents for r in roots)


@contextmanager
def _locked(store: IndexStore):
    store.root.mkdir(parents=True, exist_ok=True)
    with open(store.root / ".lock", "w") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def _embed(embedder: Embedder, texts: list[str], progress: Any) -> np.ndarray:
    task = progress.add_task("向量化", total=len(texts)) if progress else None
    parts = []
    for i in range(0, len(texts), EMBED_BATCH):
        parts.append(embedder.embed(texts[i : i + EMBED_BATCH]))
        if progress:
            progress.advance(task, min(EMBED_BATCH, len(texts) - i))
    return np.vstack(parts) if parts else np.zeros((0, embedder.dim), dtype=np.float32)


def _progress(enabled: bool):
    if not enabled:
        return None
    from assistant.progress import progress_bar

    return progress_bar()


def ingest(
    paths: Iterable[str | Path] | None = None,
    settings: Settings | None = None,
    progress: bool = True,
    rebuild: bool = False,
) -> IngestReport:
    """Index case and trend files (default: every source the service knows: the knowledge base, and the trends
    and cases pushed or imported into HUATI_HOME, so `--rebuild` keeps them)."""
    settings = settings or get_settings()
    started = time.perf_counter()
    roots = [Path(p).resolve() for p in paths] if paths else default_roots(settings)
    found: dict[str, tuple[Path, str]] = {}
    for root in roots:
        for path, kind in discover(root):
            found[str(path.resolve())] = (path, kind)
    embedder = get_embedder(settings)
    store = IndexStore(settings)
    settings.ensure_home()
    with _locked(store):
        bar = _progress(progress)
        if bar:
            bar.start()
        try:
            report = _run(store, embedder, found, roots, rebuild, bar)
        finally:
            if bar:
                bar.stop()
    report.seconds = time.perf_counter() - started
    return report


def default_roots(settings: Settings) -> list[Path]:
    roots = [settings.kb_dir.resolve()]
    for pushed in ("trends", "cases"):  # `huati trends import`, POST /v1/trends and POST /v1/cases write here
        if (settings.home / pushed).is_dir():
            roots.append((settings.home / pushed).resolve())
    return roots


def _run(
    store: IndexStore,
    embedder: Embedder,
    found: dict[str, tuple[Path, str]],
    roots: list[Path],
    rebuild: bool,
    bar: Any,
) -> IngestReport:
    old = store.manifest()
    if old is not None and not rebuild:
        store.check_embedding(old, embedder.name)
    report = IngestReport(embedding=embedder.name)
    files_old = {} if (old is None or rebuild) else old["files"]
    # 1. Which files changed?
    changed: dict[str, tuple[Path, str, str]] = {}
    task = bar.add_task("检查文件", total=len(found)) if bar else None
    shadowed: dict[str, tuple[Path, str, str]] = {}
    for key, (path, kind) in found.items():
        try:
            sha = hashlib.sha256(path.read_bytes()).hexdigest()
        except OSError as exc:  # unreadable now: keep what was indexed, say why
            report.errors.append(
                f"{display_path(path, store.settings.kb_dir)}:1: 读不到文件（{exc.strerror}）"
            )
            report.unusable += 1
            continue
        entry = files_old.get(key)
        if entry and entry["sha"] == sha:
            report.unchanged += 1
            if entry.get("shadowed"):  # its case id was taken by another file: re-check if that one goes
                shadowed[key] = (path, kind, sha)
            else:
                report.errors.extend(entry.get("errors", []))
        else:
            changed[key] = (path, kind, sha)
        if bar:
            bar.advance(task)
    deleted = [k for k in files_old if k not in found and _under(k, roots)]
    if not changed and not deleted and old is not None and not rebuild:
        for key in shadowed:
            report.errors.extend(files_old[key].get("errors", []))
        return report
    changed.update(shadowed)
    # 2. Parse changed files into records.
    new_records: dict[str, list[dict[str, Any]]] = {}
    entries: dict[str, dict[str, Any]] = {}
    ptask = bar.add_task("解析、分词", total=len(changed)) if bar else None
    for key, (path, kind, sha) in changed.items():
        if bar:
            bar.advance(ptask)
        label = display_path(path, store.settings.kb_dir)
        if kind == "cases":
            records, errors = case_records(path, key, store.settings.kb_dir)
        else:
            records, errors = trend_records(path, key, label)
        report.errors.extend(errors)
        if records is None:  # unusable file: keep whatever was indexed before
            report.unusable += 1
            if key in files_old:
                entries[key] = files_old[key]
            continue
        new_records[key] = records
        entries[key] = {"sha": sha, "kind": kind, "count": len({r["id"] for r in records}), "errors": errors}
        if key in shadowed:
            continue  # counted as unchanged
        if key in files_old:
            report.updated += 1
        else:
            report.added += 1
    report.deleted = len(deleted)
    replaced = set(new_records) | set(deleted)
    # 3. Embed the new records.
    flat = [r for recs in new_records.values() for r in recs]
    vectors = _embed(embedder, [r.pop("embed_text") for r in flat], bar)
    # 4. Rebuild the affected partitions from kept + new records.
    keep_old = old is not None and not rebuild
    dim = int(vectors.shape[1]) if flat else (old["embedding"]["dim"] if old and keep_old else embedder.dim)
    manifest = store.empty_manifest(embedder.name, dim)
    if old is not None and keep_old:
        manifest["parts"] = dict(old["parts"])
        manifest["collection"] = old["collection"]
    incoming: dict[str, list[tuple[dict[str, Any], np.ndarray]]] = {}
    for record, vec in zip(flat, vectors, strict=True):
        incoming.setdefault(record["part"], []).append((record, vec))
    affected = set(incoming)
    if old is not None and not rebuild:
        for name in old["parts"]:
            part = store.part(old, name)
            if part is not None and any(not replaced.isdisjoint(owners(r)) for r in part.records):
                affected.add(name)
    cases = rebuild_partitions(
        store, old if keep_old else None, manifest, affected, incoming, replaced, entries, report, bar
    )
    # 5. Chroma: upsert first (a fresh collection on rebuild).
    if "cases" in affected:
        upsert_cases(store, manifest, embedder.name, cases.new_rows)
    # 6. Commit: the manifest.
    files_new = {k: v for k, v in files_old.items() if k not in deleted}
    files_new.update(entries)
    manifest["files"] = files_new
    store.write_manifest(manifest)
    # 7. Clean up: stale Chroma ids, old collection, unreferenced partitions.
    stale = sorted(cases.old_ids - cases.new_ids)
    if (
        stale
        and manifest["collection"]
        and old is not None
        and old.get("collection") == manifest["collection"]
    ):
        collection = store.collection(manifest["collection"])
        for i in range(0, len(stale), 1000):
            collection.delete(ids=stale[i : i + 1000])
    if old is not None and old.get("collection") and old["collection"] != manifest["collection"]:
        store.drop_collection(old["collection"])
    store.collect_garbage(manifest)
    return report
