"""Shared fixtures. Tests never reach the network: only loopback connections are allowed."""

from __future__ import annotations

import ipaddress
import os
import socket
from pathlib import Path

import pytest

# Environment isolation before anything imports assistant.settings.
for _var in list(os.environ):
    if (_var.startswith("HUATI_") and _var != "HUATI_DOCS_SCREENSHOTS") or _var in (
        "OPENAI_API_KEY",
        "OPENAI_BASE_URL",
    ):
        del os.environ[_var]
os.environ["ANONYMIZED_TELEMETRY"] = "False"
# Model requests (chat and embeddings) may only go to local test servers; anything else is a ConfigError.
os.environ["HUATI_LLM_REQUESTS"] = "loopback"
# Batch items run in a consumer thread of the app under test (its drafting doubles apply); tests of the worker
# processes set HUATI_JOB_PROCESSES themselves.
os.environ["HUATI_JOB_PROCESSES"] = "0"

_real_connect = socket.socket.connect
_real_connect_ex = socket.socket.connect_ex


def _is_local(address) -> bool:
    if isinstance(address, str | bytes):  # AF_UNIX path
        return True
    host = address[0]
    if host in ("localhost", ""):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _guarded_connect(self, address):
    if not _is_local(address):
        raise RuntimeError(f"tests may not reach the network: connect to {address!r} refused")
    return _real_connect(self, address)


def _guarded_connect_ex(self, address):
    if not _is_local(address):
        raise RuntimeError(f"tests may not reach the network: connect to {address!r} refused")
    return _real_connect_ex(self, address)


socket.socket.connect = _guarded_connect  # type: ignore[method-assign]
socket.socket.connect_ex = _guarded_connect_ex  # type: ignore[method-assign]

REPO = Path(__file__).resolve().parent.parent


@pytest.fixture
def anyio_backend() -> str:
    """`@pytest.mark.anyio` tests run on asyncio (the server's loop)."""
    return "asyncio"


@pytest.fixture
def huati_env(tmp_path, monkeypatch):
    """A fresh, empty HUATI_HOME for one test; settings and engines reset around it."""
    from assistant.settings import get_settings, reset_settings
    from assistant.storage.db import dispose_engines

    home = tmp_path / "home"
    monkeypatch.setenv("HUATI_HOME", str(home))
    reset_settings()
    dispose_engines()
    yield get_settings()
    dispose_engines()
    reset_settings()


@pytest.fixture
def indexed_home(_indexed_session_home, monkeypatch):
    """The session's ingested HUATI_HOME, set for this test. Set per test (not once per session) because a
    test's monkeypatch restores the HUATI_HOME it saw, which would otherwise undo a session-wide setting made
    while it was active."""
    from assistant.settings import get_settings, reset_settings

    monkeypatch.setenv("HUATI_HOME", str(_indexed_session_home.home))
    reset_settings()
    yield get_settings()
    reset_settings()


@pytest.fixture(scope="session")
def _indexed_session_home(tmp_path_factory):
    """A HUATI_HOME with the shipped knowledge base ingested once per session (default embedding).

    Sets HUATI_HOME for the whole session; tests that use `huati_env` get their own fresh home.
    """
    from assistant.retrieval.ingest import ingest
    from assistant.settings import get_settings, reset_settings
    from assistant.storage.db import dispose_engines

    home = tmp_path_factory.mktemp("indexed_home")
    previous = os.environ.get("HUATI_HOME")
    os.environ["HUATI_HOME"] = str(home)
    reset_settings()
    report = ingest(settings=get_settings(), progress=False)
    assert report.errors == [], report.errors
    yield get_settings()
    dispose_engines()
    if previous is None:
        os.environ.pop("HUATI_HOME", None)
    else:
        os.environ["HUATI_HOME"] = previous
    reset_settings()


@pytest.fixture
def chroma_server(tmp_path):
    """A real `chroma run` server on a free 127.0.0.1 port, started by the test; yields (port, process)."""
    import shutil
    import subprocess
    import time

    exe = shutil.which("chroma")
    if exe is None:
        pytest.skip("chroma CLI not installed")
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    proc = subprocess.Popen(
        [exe, "run", "--path", str(tmp_path / "chroma-server"), "--host", "127.0.0.1", "--port", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
                break
            except OSError:
                time.sleep(0.2)
        else:
            pytest.fail("chroma server did not start")
        yield port, proc
    finally:
        if proc.poll() is None:
            proc.terminate()
            proc.wait(timeout=10)


@pytest.fixture(scope="session")
def pg_cluster():
    """One throwaway PostgreSQL cluster for the session (skipped without the server binaries)."""
    import pg_cluster as pg

    reason = pg.why_not()
    if reason:
        pytest.skip(reason)
    cluster = pg.start()
    try:
        yield cluster
    finally:
        cluster.stop()


@pytest.fixture
def pg_database(pg_cluster):
    """A fresh, empty PostgreSQL database on the session's cluster: its SQLAlchemy URL."""
    return pg_cluster.new_database()


@pytest.fixture
def pg_upgraded(pg_database):
    """A fresh PostgreSQL database upgraded to the current schema (as `huati db upgrade` does)."""
    from assistant.storage import migrate

    migrate.upgrade(pg_database)
    return pg_database
