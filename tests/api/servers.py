"""Tiny HTTP servers on 127.0.0.1 that record what they receive (webhook receiver, Postiz, WeCom robot)."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import httpx

REPO = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Recorder:
    """Serves `respond(path, headers, body) -> (status, json)`; keeps every request."""

    def __init__(self, respond: Callable[[str, dict, bytes], tuple[int, dict]]):
        self.requests: list[dict] = []
        self.respond = respond
        recorder = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                headers = {k.lower(): v for k, v in self.headers.items()}
                recorder.requests.append({"path": self.path, "headers": headers, "body": body})
                status, payload = recorder.respond(self.path, headers, body)
                data = json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args):  # quiet
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def start_serve(
    home: Path, port: int, extra_env: dict[str, str] | None = None, args: tuple[str, ...] = ()
) -> subprocess.Popen:
    """The real `huati serve` on 127.0.0.1:`port`, returned once /healthz answers."""
    env = {**os.environ, "HUATI_HOME": str(home), **(extra_env or {})}
    proc = subprocess.Popen(
        [sys.executable, "-m", "assistant.cli.main", "serve", "--port", str(port), *args],
        env=env,
        cwd=REPO,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    deadline = time.time() + 60
    while time.time() < deadline:
        assert proc.poll() is None, proc.stderr.read().decode()
        try:
            if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200:
                return proc
        except httpx.HTTPError:
            time.sleep(0.2)
    proc.kill()
    raise AssertionError("huati serve did not start")


def stop_serve(proc: subprocess.Popen) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()


def create_key_cli(home: Path, name: str, extra_env: dict[str, str] | None = None) -> str:
    out = subprocess.run(
        [sys.executable, "-m", "assistant.cli.main", "keys", "create", name],
        cwd=REPO,
        env={**os.environ, "HUATI_HOME": str(home), **(extra_env or {})},
        capture_output=True,
        text=True,
        check=True,
    )
    return out.stdout.strip().splitlines()[-1]
