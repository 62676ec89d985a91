"""The library's word vectors are embedded once and cached under HUATI_HOME, keyed by library and embedder."""

from __future__ import annotations

import numpy as np

from assistant.products import semantic
from assistant.products.library import load_library
from assistant.retrieval.embeddings import HashEmbedder, get_embedder


def test_vectors_are_cached_per_library_and_embedder(kb_copy, monkeypatch):
    settings = kb_copy.model_copy(update={"embedding_provider": "hash"})
    semantic.clear_cache()
    lib = load_library(settings)
    matrix, owners = semantic.type_vectors(lib, settings)
    path = semantic.cache_path(lib, get_embedder(settings), settings)
    assert path.is_file() and path.parent == settings.home / "cache"
    assert lib.digest in path.name and "hash" in path.name
    assert matrix.shape[0] == len(owners) and set(owners) == set(lib.types)
    assert np.allclose(np.linalg.norm(matrix, axis=1), 1.0, atol=1e-4)

    # A new process (memory cleared) reads the file instead of embedding again.
    semantic.clear_cache()

    def no_embedding(self, texts):
        raise AssertionError("embedded again instead of reading the cache")

    monkeypatch.setattr(HashEmbedder, "embed", no_embedding)
    again, _ = semantic.type_vectors(lib, settings)
    assert np.array_equal(again, matrix)
    monkeypatch.undo()

    # A changed library is a different key: its own file.
    words = kb_copy.kb_dir / "product_types" / "toys.yaml"
    words.write_text(
        words.read_text(encoding="utf-8").replace("name: 遥控车", "name: 遥控小汽车"), encoding="utf-8"
    )
    changed = load_library(settings)
    assert changed.digest != lib.digest
    semantic.type_vectors(changed, settings)
    assert semantic.cache_path(changed, get_embedder(settings), settings).is_file()
    semantic.clear_cache()


def test_nearest_types_limited_to_categories(kb_copy):
    settings = kb_copy.model_copy(update={"embedding_provider": "hash"})
    lib = load_library(settings)
    best = semantic.nearest_types("儿童雨靴子", lib, settings, k=3)
    assert best[0][0] == "kids-wear-rain-boots" and len(best) == 3
    assert best == sorted(best, key=lambda item: (-item[1], item[0]))
    inside = semantic.nearest_types("儿童雨靴子", lib, settings, within=["toys"], k=2)
    assert inside and all(lib.types[t].category == "toys" for t, _s in inside)
    semantic.clear_cache()
