"""Real headless Chromium (Debian's /usr/bin/chromium) against a real server on a free 127.0.0.1 port."""

from __future__ import annotations

import os
import socket
import sys
import threading
import time
from pathlib import Path

import pytest

CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
DOCS = Path(__file__).resolve().parents[2] / "docs"

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "chat"))  # chat_apps + doubles

from chat_doubles import chat_env  # noqa: E402, F401  (fresh HUATI_HOME, real drafting and storage)


def pytest_collection_modifyitems(items):
    if not os.path.exists(CHROMIUM):
        skip = pytest.mark.skip(reason=f"{CHROMIUM} not found: apt-get install -y chromium fonts-noto-cjk")
        for item in items:
            if "browser" in item.keywords:
                item.add_marker(skip)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def server(chat_env):  # noqa: F811
    """The app under uvicorn in a thread, fresh HUATI_HOME; yields the base URL."""
    import uvicorn
    from chat_apps import make_app

    port = _free_port()
    srv = uvicorn.Server(uvicorn.Config(make_app(), host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not srv.started:
        assert time.monotonic() < deadline, "server did not start"
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    srv.should_exit = True
    thread.join(10)


@pytest.fixture(scope="module")
def browser():
    """Module scope: Playwright's sync API keeps an event loop running in this thread while it is open, which
    would break `asyncio.run` in every test collected after these."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
        yield b
        b.close()


@pytest.fixture
def web_key(server):
    """An API key in the server's HUATI_HOME: the page is behind a login with such a key."""
    from assistant.service.keys import create_key

    return create_key("网页-测试")[1]


def login(page, base: str, key: str) -> None:
    page.goto(base + "/")
    page.fill("input[name=key]", key)
    page.click("#login-submit")
    page.wait_for_selector("#plan-form")


@pytest.fixture
def page_for(browser, server, web_key):
    contexts = []

    def open_page(width: int = 1100, height: int = 860, signed_in: bool = True):
        ctx = browser.new_context(
            viewport={"width": width, "height": height},
            locale="zh-CN",
            permissions=["clipboard-read", "clipboard-write"],
        )
        contexts.append(ctx)
        page = ctx.new_page()
        page.set_default_timeout(30_000)
        errors: list[str] = []
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        page.on(  # a CSP refusal (inline code, eval) is an error too: the page must have none
            "console",
            lambda msg: errors.append(msg.text) if "Content Security Policy" in msg.text else None,
        )
        page.js_errors = errors
        if signed_in:
            login(page, server, web_key)
        return page

    yield open_page
    for ctx in contexts:
        ctx.close()
