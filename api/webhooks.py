"""Signed callbacks: HMAC-SHA256 over `<timestamp>.<body>`, sent with retries and exponential backoff.

Headers: `Huati-Timestamp: <unix seconds>` and `Huati-Signature: t=<timestamp>,v1=<hex digest>`.
Receivers recompute the digest with the shared secret (`HUATI_WEBHOOK_SECRET`) and reject stale timestamps.
Every attempt is recorded in `assistant.service.jobs.webhook_attempts` and shown in the job. Requests go through
the outbound policy (`HUATI_OUTBOUND_ALLOW`); redirects are not followed (a 3xx is a failed attempt); of the
receiver's answer only the status is read and kept.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import time
from typing import Any

import httpx

from assistant.service import callbacks
from assistant.service.neterrors import describe
from assistant.service.outbound import outbound_client, policy_of
from assistant.settings import Settings

log = logging.getLogger("huati.api.webhooks")

SIGNATURE_HEADER = "Huati-Signature"
TIMESTAMP_HEADER = "Huati-Timestamp"


def sign(body: bytes, secret: str, timestamp: int | None = None) -> tuple[int, str]:
    ts = int(time.time()) if timestamp is None else int(timestamp)
    digest = hmac.new(secret.encode(), f"{ts}.".encode() + body, hashlib.sha256).hexdigest()
    return ts, f"t={ts},v1={digest}"


def verify(body: bytes, header: str, secret: str, *, tolerance: int = 300, now: float | None = None) -> bool:
    """Check a `Huati-Signature` header: right digest and a timestamp within `tolerance` seconds."""
    try:
        parts = dict(p.split("=", 1) for p in header.split(","))
        ts = int(parts["t"])
        given = parts["v1"]
    except (ValueError, KeyError):
        return False
    if abs((time.time() if now is None else now) - ts) > tolerance:
        return False
    expected = sign(body, secret, ts)[1].split("v1=", 1)[1]
    return hmac.compare_digest(given, expected)


class WebhookSender:
    def __init__(
        self, settings: Settings, *, max_attempts: int = 5, backoff: float = 1.0, timeout: float = 10.0
    ):
        self.settings = settings
        self.max_attempts = max_attempts
        self.backoff = backoff
        self.timeout = timeout

    def deliver(self, job_id: str, url: str, payload: dict[str, Any]) -> bool:
        """POST the payload until a 2xx answer or `max_attempts`; backoff doubles after each failure."""
        secret = self.settings.webhook_secret.get_secret_value() if self.settings.webhook_secret else ""
        body = json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode()
        delay = self.backoff
        with outbound_client(policy_of(self.settings), timeout=self.timeout) as client:
            for attempt in range(1, self.max_attempts + 1):
                ts, signature = sign(body, secret)
                headers = {
                    "Content-Type": "application/json",
                    TIMESTAMP_HEADER: str(ts),
                    SIGNATURE_HEADER: signature,
                    "User-Agent": "huati-webhook/1",
                    "Huati-Job": job_id,
                    "Huati-Attempt": str(attempt),
                }
                started = time.perf_counter()
                status, error, reason = None, None, None
                try:
                    with client.stream("POST", url, content=body, headers=headers) as response:
                        status = response.status_code  # the body is never read, nor kept
                    if not 200 <= status < 300:
                        error, reason = f"接收方返回 HTTP {status}", f"HTTP {status}"
                except httpx.HTTPError as exc:
                    error, reason = describe(exc)
                callbacks.record_attempt(
                    job_id,
                    attempt,
                    url,
                    status,
                    error,
                    time.perf_counter() - started,
                    self.settings,
                    reason=reason,
                )
                if error is None:
                    callbacks.set_callback_state(job_id, "delivered", self.settings)
                    return True
                log.warning("webhook for %s attempt %d failed: %s", job_id, attempt, reason)
                if attempt < self.max_attempts:
                    time.sleep(delay)
                    delay *= 2
        callbacks.set_callback_state(job_id, "failed", self.settings)
        return False
