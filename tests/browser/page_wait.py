"""Waiting on the page from the test side (the page's CSP refuses eval-based waits)."""

from __future__ import annotations

import time


def wait_until(page, expression: str, arg=None, timeout: float = 30.0) -> None:
    """`page.wait_for_function` compiles its predicate with eval inside the page, which the page's
    Content-Security-Policy (script-src 'self', no 'unsafe-eval') rightly refuses; poll from here instead."""
    deadline = time.monotonic() + timeout
    while not page.evaluate(expression, arg):
        assert time.monotonic() < deadline, f"timed out waiting for {expression}"
        time.sleep(0.05)
