"""The first Chroma client of a HUATI_HOME is built once, even when many threads ask at the same moment
(API warm-up and the first requests): concurrent construction failed with "Could not connect to tenant"."""

from __future__ import annotations

import threading


def test_concurrent_first_client_is_usable(huati_env):
    from assistant.retrieval.index import IndexStore

    errors: list[str] = []
    clients: list[object] = []
    start = threading.Barrier(12)

    def first_use() -> None:
        start.wait()
        try:
            client = IndexStore(huati_env).client()
            client.list_collections()
            clients.append(client)
        except Exception as exc:  # collected and asserted below
            errors.append(repr(exc))

    threads = [threading.Thread(target=first_use) for _ in range(12)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert len({id(c) for c in clients}) == 1
