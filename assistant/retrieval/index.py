"""The on-disk retrieval index under `HUATI_HOME/index/`.

- `manifest.json`: embedding name/dim, every ingested file's hash, the current partition directories
  and the Chroma collection. Written last, atomically (temp file + rename): it is the commit point.
- `parts/<name>-<generation>/`: immutable partitions (`records.jsonl` with tokens, `emb.npy`, bm25s
  index). `cases` holds case chunks; trends are partitioned by month (`trends-2026-11`) so a date
  window only touches one or two partitions and a day of new items rebuilds one small BM25 index.
- Chroma (embedded persistent client, or `HttpClient` when `HUATI_CHROMA_HOST` is set): dense index of
  the case chunks. Trend vectors stay in numpy: every trend query is date-windowed, and masking a
  numpy matrix is far cheaper than a Chroma `where` filter.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import threading
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from assistant.errors import IndexError_
from assistant.settings import Settings, get_settings

MANIFEST_VERSION = 1
_LOCK = threading.Lock()
_CLIENT_LOCK = threading.Lock()
_PART_CACHE: dict[str, Partition] = {}
_CLIENTS: dict[tuple, Any] = {}
_COLLECTIONS: dict[tuple, Any] = {}
_MANIFESTS: dict[str, tuple[tuple, dict[str, Any]]] = {}


def atomic_write(path: Path, data: bytes | str) -> None:
    """Write to a temp file in the same directory, fsync, then rename over `path`."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex[:8]}.tmp")
    payload = data.encode("utf-8") if isinstance(data, str) else data
    with open(tmp, "wb") as fh:
        fh.write(payload)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)


@dataclass
class Partition:
    """Immutable set of records with their vectors and a BM25 index over their tokens."""

    name: str
    records: list[dict[str, Any]]
    emb: np.ndarray
    bm25: Any = None
    dates: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int32))
    heat: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.float32))
    id_pos: dict[str, int] = field(default_factory=dict)
    masks: dict[tuple, np.ndarray] = field(default_factory=dict)  # metadata-filter masks (retrieval)
    bm25_dir: Path | None = None

    @classmethod
    def build(cls, name: str, records: list[dict[str, Any]], emb: np.ndarray) -> Partition:
        part = cls(name=name, records=records, emb=emb)
        part._derive(fit_bm25=True)
        return part

    def _derive(self, fit_bm25: bool) -> None:
        self.id_pos = {r["id"]: i for i, r in enumerate(self.records)}
        if self.records and "ordinal" in self.records[0]:
            self.dates = np.fromiter((r["ordinal"] for r in self.records), dtype=np.int32)
            self.heat = np.fromiter(((r["metadata"].get("heat") or 0.0) for r in self.records), np.float32)
        if fit_bm25 and self.records:
            import bm25s

            self.bm25 = bm25s.BM25()
            self.bm25.index([r["tokens"] or [""] for r in self.records], show_progress=False)

    def bm25_scores(self, tokens: list[str]) -> np.ndarray:
        if self.bm25 is None and self.bm25_dir is not None:  # loaded on first use (bm25s imports scipy)
            import bm25s

            self.bm25 = bm25s.BM25.load(str(self.bm25_dir))
        if self.bm25 is None or not tokens:
            return np.zeros(len(self.records), dtype=np.float32)
        return np.asarray(self.bm25.get_scores(tokens), dtype=np.float32)

    def save(self, directory: Path) -> None:
        directory.mkdir(parents=True, exist_ok=False)
        lines = "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in self.records)
        (directory / "records.jsonl").write_text(lines, encoding="utf-8")
        np.save(directory / "emb.npy", self.emb.astype(np.float32))
        if self.bm25 is not None:
            self.bm25.save(str(directory / "bm25"))
        (directory / "DONE").write_text(str(len(self.records)), encoding="utf-8")

    @classmethod
    def load(cls, name: str, directory: Path) -> Partition:
        if not (directory / "DONE").exists():
            raise IndexError_(f"索引分区不完整：{directory}", hint="运行 huati ingest --rebuild 重建索引")
        with open(directory / "records.jsonl", encoding="utf-8") as fh:
            records = [json.loads(line) for line in fh if line.strip()]
        part = cls(name=name, records=records, emb=np.load(directory / "emb.npy"))
        if (directory / "bm25").exists():
            part.bm25_dir = directory / "bm25"
        part._derive(fit_bm25=False)
        return part


class IndexStore:
    """Access to one HUATI_HOME's index: manifest, partitions, Chroma collection."""

    def __init__(self, settings: Settings | None = None):
        self.settings = settings or get_settings()
        self.root = Path(self.settings.home) / "index"
        self.manifest_path = self.root / "manifest.json"
        self.parts_dir = self.root / "parts"

    # ------------------------------------------------------------------ manifest
    def exists(self) -> bool:
        return self.manifest_path.exists()

    def empty_manifest(self, embedding: str, dim: int) -> dict[str, Any]:
        return {
            "version": MANIFEST_VERSION,
            "embedding": {"name": embedding, "dim": dim},
            "files": {},
            "parts": {},
            "collection": None,
        }

    def manifest(self) -> dict[str, Any] | None:
        """The committed manifest (cached while the file is unchanged; treat it as read-only)."""
        try:
            stat = self.manifest_path.stat()
        except FileNotFoundError:
            return None
        key = str(self.manifest_path.resolve())
        sig = (stat.st_mtime_ns, stat.st_size, stat.st_ino)
        cached = _MANIFESTS.get(key)
        if cached is not None and cached[0] == sig:
            return cached[1]
        try:
            data = json.loads(self.manifest_path.read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError) as exc:
            raise IndexError_(
                f"索引清单已损坏：{self.manifest_path}", hint="运行 huati ingest --rebuild 重建索引"
            ) from exc
        if data.get("version") != MANIFEST_VERSION:
            raise IndexError_("索引格式版本不兼容", hint="运行 huati ingest --rebuild 重建索引")
        _MANIFESTS[key] = (sig, data)
        return data

    def write_manifest(self, manifest: dict[str, Any]) -> None:
        atomic_write(self.manifest_path, json.dumps(manifest, ensure_ascii=False, indent=1))

    def check_embedding(self, manifest: dict[str, Any], name: str) -> None:
        built = manifest["embedding"]["name"]
        if built != name:
            raise IndexError_(
                f"索引是用向量模型 {built} 建立的，当前配置的是 {name}，两者不能混用",
                hint=f"运行 huati ingest --rebuild 用 {name} 重建索引，或改回 {embedding_setting(built)}",
            )

    # ------------------------------------------------------------------ partitions
    def part(self, manifest: dict[str, Any], name: str) -> Partition | None:
        dirname = manifest["parts"].get(name)
        if not dirname:
            return None
        directory = self.parts_dir / dirname
        key = str(directory.resolve())
        with _LOCK:
            cached = _PART_CACHE.get(key)
        if cached is None:
            cached = Partition.load(name, directory)
            with _LOCK:
                _PART_CACHE[key] = cached
        return cached

    def write_part(self, part: Partition) -> str:
        dirname = f"{part.name}-{uuid.uuid4().hex[:10]}"
        part.save(self.parts_dir / dirname)
        with _LOCK:
            _PART_CACHE[str((self.parts_dir / dirname).resolve())] = part
        return dirname

    def collect_garbage(self, manifest: dict[str, Any]) -> None:
        """Remove partition directories the manifest no longer references."""
        keep = set(manifest["parts"].values())
        if not self.parts_dir.is_dir():
            return
        for child in self.parts_dir.iterdir():
            if child.name not in keep:
                with _LOCK:
                    _PART_CACHE.pop(str(child.resolve()), None)
                shutil.rmtree(child, ignore_errors=True)

    # ------------------------------------------------------------------ chroma
    def client(self):
        key = self._client_key()
        if key in _CLIENTS:
            return _CLIENTS[key]
        # Chroma's client construction is not thread-safe: two threads building the first client of a path
        # at once left one with a half-initialised binding ('RustBindingsAPI' object has no attribute ...).
        with _CLIENT_LOCK:
            if key not in _CLIENTS:
                import chromadb
                from chromadb.config import Settings as ChromaSettings

                chroma_settings = ChromaSettings(anonymized_telemetry=False, allow_reset=False)
                if key[0] == "http":
                    _CLIENTS[key] = chromadb.HttpClient(host=key[1], port=key[2], settings=chroma_settings)
                else:
                    (self.root / "chroma").mkdir(parents=True, exist_ok=True)
                    _CLIENTS[key] = chromadb.PersistentClient(path=key[1], settings=chroma_settings)
        return _CLIENTS[key]

    def _client_key(self) -> tuple:
        if self.settings.chroma_host:
            return ("http", self.settings.chroma_host, self.settings.chroma_port)
        return ("local", str((self.root / "chroma").resolve()))

    def collection(self, name: str, embedding: str | None = None, create: bool = False):
        """The Chroma collection `name`; vectors are always passed in, so no embedding function."""
        key = (*self._client_key(), name)
        if key in _COLLECTIONS:
            return _COLLECTIONS[key]
        client = self.client()
        if create:
            found = client.get_or_create_collection(
                name, embedding_function=None, metadata={"hnsw:space": "cosine", "embedding": embedding or ""}
            )
        else:
            try:
                found = client.get_collection(name, embedding_function=None)
            except Exception as exc:  # chroma raises NotFoundError/ValueError depending on version
                raise IndexError_(
                    f"向量库里找不到集合 {name}", hint="运行 huati ingest --rebuild 重建索引"
                ) from exc
        _COLLECTIONS[key] = found
        return found

    def drop_collection(self, name: str) -> None:
        _COLLECTIONS.pop((*self._client_key(), name), None)
        with contextlib.suppress(Exception):
            self.client().delete_collection(name)


def embedding_setting(name: str) -> str:
    """The settings that select embedding `name` (`usem`, `hash`, `openai:<model>`)."""
    provider, _, model = name.partition(":")
    if model:
        return f"HUATI_EMBEDDING_PROVIDER={provider} 和 HUATI_EMBEDDING_MODEL={model}"
    return f"HUATI_EMBEDDING_PROVIDER={provider}"


def new_collection_name(embedding: str) -> str:
    slug = "".join(c if c.isalnum() else "-" for c in embedding.lower())[:40]
    return f"huati-cases-{slug}-{uuid.uuid4().hex[:8]}"


def forget_clients() -> None:
    """Drop cached Chroma clients and partitions (tests switch HUATI_HOME)."""
    with _LOCK:
        _PART_CACHE.clear()
    _CLIENTS.clear()
    _COLLECTIONS.clear()
    _MANIFESTS.clear()
