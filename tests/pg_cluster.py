"""A throwaway PostgreSQL cluster on 127.0.0.1 (Debian's server binaries via initdb / pg_ctl), for tests and
benchmarks that need a real server. `start()` returns a Cluster; `None` when the binaries are missing."""

from __future__ import annotations

import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import uuid
from dataclasses import dataclass
from pathlib import Path


def _bin(name: str) -> str | None:
    for base in sorted(Path("/usr/lib/postgresql").glob("*/bin"), reverse=True):
        if (base / name).exists():
            return str(base / name)
    return shutil.which(name)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Cluster:
    base: Path
    port: int
    run_as: list[str]
    pg_ctl: str

    @property
    def url(self) -> str:
        return f"postgresql+psycopg://huati@127.0.0.1:{self.port}/postgres"

    def new_database(self) -> str:
        """A fresh, empty database; its SQLAlchemy URL."""
        import psycopg

        name = "t_" + uuid.uuid4().hex[:10]
        with psycopg.connect(f"postgresql://huati@127.0.0.1:{self.port}/postgres", autocommit=True) as conn:
            conn.execute(f"CREATE DATABASE {name}")
        return f"postgresql+psycopg://huati@127.0.0.1:{self.port}/{name}"

    def stop(self) -> None:
        data = self.base / "data"
        subprocess.run(
            [*self.run_as, self.pg_ctl, "-D", str(data), "-m", "immediate", "stop"], capture_output=True
        )
        shutil.rmtree(self.base, ignore_errors=True)


def why_not() -> str | None:
    """Why a cluster cannot be started here (None when it can)."""
    try:
        import psycopg  # noqa: F401
    except ImportError:
        return "psycopg not installed"
    if not _bin("initdb") or not _bin("pg_ctl"):
        return "PostgreSQL binaries not installed"
    if os.geteuid() == 0:
        try:
            pwd.getpwnam("postgres")
        except KeyError:
            return "running as root without a postgres user"
    return None


def start(settings: dict[str, str] | None = None) -> Cluster:
    initdb, pg_ctl = _bin("initdb"), _bin("pg_ctl")
    assert initdb and pg_ctl, why_not()
    run_as = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []  # initdb refuses root
    base = Path(tempfile.mkdtemp(prefix="huati-pg-"))
    base.chmod(0o755)
    data = base / "data"
    data.mkdir()
    if run_as:
        shutil.chown(data, "postgres")
    port = _free_port()
    subprocess.run(
        [*run_as, initdb, "-D", str(data), "-U", "huati", "--auth=trust", "-E", "UTF8"],
        check=True,
        capture_output=True,
    )
    options = f"-h 127.0.0.1 -p {port} -k {data}"
    for name, value in (settings or {}).items():
        options += f" -c {name}={value}"
    subprocess.run(
        [*run_as, pg_ctl, "-D", str(data), "-w", "-l", str(data / "log"), "-o", options, "start"],
        check=True,
        capture_output=True,
    )
    return Cluster(base, port, run_as, pg_ctl)
