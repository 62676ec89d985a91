"""Client-server mode: HUATI_CHROMA_HOST points the index at a `chroma run` server on loopback."""

import pytest

from assistant.retrieval import search
from assistant.retrieval.ingest import ingest

pytestmark = pytest.mark.slow


def test_index_in_chroma_server(tiny_kb, chroma_server, monkeypatch):
    port, _proc = chroma_server
    from assistant.retrieval.index import forget_clients
    from assistant.settings import get_settings, reset_settings

    monkeypatch.setenv("HUATI_CHROMA_HOST", "127.0.0.1")
    monkeypatch.setenv("HUATI_CHROMA_PORT", str(port))
    reset_settings()
    forget_clients()
    settings = get_settings()
    report = ingest(settings=settings, progress=False)
    assert report.added == 5
    assert not (settings.home / "index" / "chroma").exists()  # vectors went to the server
    hits = search("冬至 饺子", kind="cases", k=2, settings=settings)
    assert hits[0].metadata["case_id"] == "winter"
    import chromadb

    client = chromadb.HttpClient(host="127.0.0.1", port=port)
    names = [c.name if hasattr(c, "name") else c for c in client.list_collections()]
    assert any(str(n).startswith("huati-cases-hash-") for n in names)
