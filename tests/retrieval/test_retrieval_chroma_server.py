"""Client-server mode: HUATI_CHROMA_HOST points the index at a `chroma run` server on loopback."""

import shutil
import socket
import subprocess
import time

import pytest

from assistant.ingest import ingest
from assistant.retrieval import search

pytestmark = pytest.mark.slow


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def chroma_server(tmp_path):
    exe = shutil.which("chroma")
    if exe is None:
        pytest.skip("chroma CLI not installed")
    port = _free_port()
    proc = subprocess.Popen([exe, "run", "--path", str(tmp_path / "server"), "--host", "127.0.0.1", "--port", str(port)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
                break
            except OSError:
                time.sleep(0.2)
        else:
            pytest.fail("chroma server did not start")
        yield port
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def test_index_in_chroma_server(tiny_kb, chroma_server, monkeypatch):
    from assistant.index import forget_clients
    from assistant.settings import get_settings, reset_settings

    monkeypatch.setenv("HUATI_CHROMA_HOST", "127.0.0.1")
    monkeypatch.setenv("HUATI_CHROMA_PORT", str(chroma_server))
    reset_settings()
    forget_clients()
    settings = get_settings()
    report = ingest(settings=settings, progress=False)
    assert report.added == 5
    assert not (settings.home / "index" / "chroma").exists()  # vectors went to the server
    hits = search("冬至 饺子", kind="cases", k=2, settings=settings)
    assert hits[0].metadata["case_id"] == "winter"
    import chromadb

    client = chromadb.HttpClient(host="127.0.0.1", port=chroma_server)
    names = [c.name if hasattr(c, "name") else c for c in client.list_collections()]
    assert any(str(n).startswith("huati-cases-hash-") for n in names)
