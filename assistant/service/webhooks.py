"""The one sender of job callbacks: Standard Webhooks signatures, one HTTP attempt per call.

Every attempt carries `webhook-id: <job id>.finished` (the same on every retry: receivers deduplicate on it),
a fresh `webhook-timestamp` and `webhook-signature: v1,<base64 HMAC-SHA256>` made by the `standardwebhooks`
library over `<id>.<timestamp>.<body>`; receivers verify with `Webhook(secret).verify(body, headers)`.
`HUATI_WEBHOOK_SECRET` is either a Standard Webhooks secret (`whsec_` + base64) or, as in release 0.1, any
text: then the signing key is its UTF-8 bytes and receivers use `standard_secret()` (`huati keys
webhook-secret` prints it).

Deprecated, sent for one more release: `Huati-Timestamp`, `Huati-Signature: t=<ts>,v1=<hex HMAC-SHA256 of
"<ts>." + body with the secret's text>`, `Huati-Job`, `Huati-Attempt` (`verify_legacy` checks them).
The queue retries a failed attempt with backoff (`assistant.service.queue`); each attempt is recorded.
Requests go through the outbound policy (`HUATI_OUTBOUND_ALLOW`); redirects are not followed (a 3xx is a failed
attempt); of the receiver's answer only the status is read and kept.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import logging
import time
from datetime import UTC, datetime

import httpx
from standardwebhooks import Webhook

from assistant.service import callbacks, ledger
from assistant.service.jobview import get_job
from assistant.service.neterrors import describe
from assistant.service.outbound import outbound_client, policy_of
from assistant.settings import Settings

log = logging.getLogger("huati.webhooks")

SIGNATURE_HEADER = "Huati-Signature"  # deprecated
TIMESTAMP_HEADER = "Huati-Timestamp"  # deprecated
TIMEOUT = 10.0


def _secret(settings: Settings) -> str:
    return settings.webhook_secret.get_secret_value() if settings.webhook_secret else ""


def standard_secret(settings: Settings) -> str:
    """The `whsec_…` form of HUATI_WEBHOOK_SECRET that receivers give their Standard Webhooks verifier."""
    secret = _secret(settings)
    if secret.startswith("whsec_"):
        return secret
    return "whsec_" + base64.b64encode(secret.encode()).decode()


def _webhook(settings: Settings) -> Webhook:
    secret = _secret(settings)
    return Webhook(secret if secret.startswith("whsec_") else secret.encode())


def sign_legacy(body: bytes, secret: str, timestamp: int | None = None) -> tuple[int, str]:
    ts = int(time.time()) if timestamp is None else int(timestamp)
    digest = hmac.new(secret.encode(), f"{ts}.".encode() + body, hashlib.sha256).hexdigest()
    return ts, f"t={ts},v1={digest}"


def verify_legacy(
    body: bytes, header: str, secret: str, *, tolerance: int = 300, now: float | None = None
) -> bool:
    """Check a deprecated `Huati-Signature` header: right digest and a timestamp within `tolerance` seconds."""
    try:
        parts = dict(p.split("=", 1) for p in header.split(","))
        ts = int(parts["t"])
        given = parts["v1"]
    except (ValueError, KeyError):
        return False
    if abs((time.time() if now is None else now) - ts) > tolerance:
        return False
    return hmac.compare_digest(given, sign_legacy(body, secret, ts)[1].split("v1=", 1)[1])


def headers(settings: Settings, job_id: str, body: bytes, attempt: int) -> dict[str, str]:
    at = datetime.now(UTC)
    msg_id = f"{job_id}.finished"
    ts, legacy = sign_legacy(body, _secret(settings), int(at.timestamp()))
    return {
        "Content-Type": "application/json",
        "User-Agent": "huati-webhook/2",
        "webhook-id": msg_id,
        "webhook-timestamp": str(ts),
        "webhook-signature": _webhook(settings).sign(msg_id, at, body),
        TIMESTAMP_HEADER: str(ts),
        SIGNATURE_HEADER: legacy,
        "Huati-Job": job_id,
        "Huati-Attempt": str(attempt),
    }


def _post(settings: Settings, url: str, body: bytes, sent: dict[str, str]) -> int:
    with outbound_client(policy_of(settings), timeout=TIMEOUT) as client:
        with client.stream("POST", url, content=body, headers=sent) as response:
            return response.status_code  # the body is never read, nor kept


def attempt(job_id: str, settings: Settings) -> str:
    """One attempt at a finished job's callback: "delivered", "retry" (not yet the last attempt), "failed"
    (that was the last one) or "skip" (nothing pending)."""
    job = get_job(job_id, settings)
    if (
        not job["callback"]
        or job["callback"]["state"] != "pending"
        or job["status"] not in ("done", "failed")
    ):
        return "skip"
    number = callbacks.count(job_id, settings) + 1
    payload = {k: v for k, v in job.items() if k != "callback"} | {"event": "job.finished"}
    body = json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode()
    url = job["callback"]["url"]
    started = time.perf_counter()
    status, error, reason = None, None, None
    try:
        status = _post(settings, url, body, headers(settings, job_id, body, number))
        if not 200 <= status < 300:
            error, reason = f"接收方返回 HTTP {status}", f"HTTP {status}"
    except httpx.HTTPError as exc:
        error, reason = describe(exc)
    callbacks.record_attempt(
        job_id, number, url, status, error, time.perf_counter() - started, settings, reason
    )
    if error is None:
        ledger.set_callback_state(job_id, "delivered", settings)
        return "delivered"
    log.warning("callback of %s, attempt %d failed: %s", job_id, number, reason)
    if number >= settings.webhook_attempts:
        ledger.set_callback_state(job_id, "failed", settings)
        return "failed"
    return "retry"


def retry_delay(job_id: str, settings: Settings) -> float:
    """Seconds before the next attempt: `webhook_backoff`, doubled after each failed attempt."""
    return settings.webhook_backoff * 2 ** max(0, callbacks.count(job_id, settings) - 1)
