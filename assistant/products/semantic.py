"""The last resort for a title no library word names: the nearest type by the configured embedding (the
offline `usem` by default).

Every library word (type names and aliases) is embedded once; the matrix is kept in memory and cached under
`HUATI_HOME/cache/`, keyed by the library's content hash and the embedder's name, so a changed library or
another embedding never reads stale vectors. A type's similarity is that of its closest word.
"""

from __future__ import annotations

import os
import re
import threading
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from assistant.products.library import TypeLibrary
from assistant.retrieval.embeddings import Embedder, get_embedder
from assistant.settings import Settings, get_settings

_MEMORY: dict[tuple[str, str], tuple[np.ndarray, tuple[str, ...]]] = {}
_LOCK = threading.Lock()


def _words(lib: TypeLibrary) -> tuple[list[str], tuple[str, ...]]:
    texts: list[str] = []
    owners: list[str] = []
    for ptype in lib.types.values():
        for word in dict.fromkeys(ptype.keys):
            texts.append(word)
            owners.append(ptype.id)
    return texts, tuple(owners)


def cache_path(lib: TypeLibrary, embedder: Embedder, settings: Settings) -> Path:
    safe = re.sub(r"[^A-Za-z0-9_.-]+", "_", embedder.name)
    return settings.home / "cache" / f"product-types-{lib.digest}-{safe}.npy"


def _load(path: Path, rows: int) -> np.ndarray | None:
    try:
        matrix = np.load(path, allow_pickle=False)
    except (OSError, ValueError):
        return None
    return matrix if matrix.ndim == 2 and matrix.shape[0] == rows else None


def _save(path: Path, matrix: np.ndarray, settings: Settings) -> None:
    """Best effort: a home that cannot be written only costs the next process the embedding time."""
    try:
        settings.ensure_home()
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f"{path.name}.{os.getpid()}.tmp")
        with tmp.open("wb") as fh:
            np.save(fh, matrix, allow_pickle=False)
        os.replace(tmp, path)
    except Exception:  # any failure to write the cache leaves the in-memory copy in use
        return


def type_vectors(
    lib: TypeLibrary, settings: Settings | None = None, embedder: Embedder | None = None
) -> tuple[np.ndarray, tuple[str, ...]]:
    """(one L2-normalised row per library word, the type id of each row), by the configured embedder or the
    one given (the checks always use the offline one)."""
    settings = settings or get_settings()
    embedder = embedder or get_embedder(settings)
    key = (lib.digest, embedder.name)
    with _LOCK:
        hit = _MEMORY.get(key)
        if hit is not None:
            return hit
        texts, owners = _words(lib)
        path = cache_path(lib, embedder, settings)
        matrix = _load(path, len(texts))
        if matrix is None:
            matrix = np.asarray(embedder.embed(texts), dtype=np.float32)
            _save(path, matrix, settings)
        _MEMORY[key] = (matrix, owners)
        return matrix, owners


def nearest_types(
    text: str,
    lib: TypeLibrary,
    settings: Settings | None = None,
    within: Sequence[str] = (),
    k: int = 3,
) -> list[tuple[str, float]]:
    """The `k` types nearest to `text` (limited to the categories `within` when given), best first."""
    settings = settings or get_settings()
    matrix, owners = type_vectors(lib, settings)
    query = np.asarray(get_embedder(settings).embed([text]), dtype=np.float32)[0]
    sims = matrix @ query
    best: dict[str, float] = {}
    keep = set(within)
    for row in np.argsort(-sims, kind="stable"):
        type_id = owners[int(row)]
        if keep and lib.types[type_id].category not in keep:
            continue
        if type_id not in best:
            best[type_id] = round(float(sims[int(row)]), 4)
            if len(best) == k:
                break
    return sorted(best.items(), key=lambda item: (-item[1], item[0]))


def clear_cache() -> None:
    """Forget the in-memory vectors (tests that swap embedders or libraries)."""
    with _LOCK:
        _MEMORY.clear()
