"""Idempotency-Key reservations for `POST /v1/plans`, shared by every API worker through the database.

Insert-first: the unique `(key_id, idem_key)` constraint makes concurrent identical requests race on the INSERT,
so exactly one becomes the owner and drafts. A pending reservation carries its owner (`host:pid/token`) and a
lease that this process's `leases.keeper` renews while the request runs. When the owner dies (process killed,
server restarted) the next request with the same key and body takes the reservation over instead of waiting
forever; another body under the same key is a conflict (409).
"""

from __future__ import annotations

import logging
import secrets
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import and_, delete, insert, select, update
from sqlalchemy.exc import IntegrityError

from assistant.errors import ConflictError
from assistant.service import leases
from assistant.settings import Settings
from assistant.storage.db import get_engine
from assistant.storage.schema import idempotency

log = logging.getLogger("huati.idempotency")

LEASE = timedelta(seconds=30)  # a pending reservation not renewed for this long is up for takeover
MAX_HOLD = 900.0  # seconds: no plan takes this long; a request stuck longer stops renewing its lease


@dataclass(frozen=True)
class Reservation:
    """`state`: "new" (we own it: draft the plan), "done" (replay `plan_id`) or "pending" (someone else drafts)."""

    state: str
    plan_id: str | None = None
    owner: str | None = None
    taken_over: bool = False


def _now() -> datetime:
    return datetime.now(UTC)


def _engine(settings: Settings | None):
    return get_engine(settings)


def _where(key_id: str, idem_key: str):
    return and_(idempotency.c.key_id == key_id, idempotency.c.idem_key == idem_key)


def _hold(key_id: str, idem_key: str, owner: str, settings: Settings | None) -> None:
    started = time.monotonic()

    def renew() -> None:
        if time.monotonic() - started > MAX_HOLD:  # a request that never finished: stop keeping it alive
            drop_lease(owner)
            return
        with _engine(settings).begin() as conn:
            conn.execute(
                update(idempotency)
                .where(
                    and_(
                        _where(key_id, idem_key),
                        idempotency.c.owner == owner,
                        idempotency.c.state == "pending",
                    )
                )
                .values(lease_until=_now() + LEASE)
            )

    leases.keeper.hold(f"idem:{owner}", renew)


def drop_lease(owner: str) -> None:
    """Stop renewing `owner`'s reservation (no I/O): once its lease runs out, a retry takes it over."""
    leases.keeper.drop(f"idem:{owner}")


def _abandoned(row, now: datetime) -> bool:
    if row.owner is None:  # written by a version without leases: only its age tells
        created = leases.aware(row.created_at)
        return created is None or now - created > LEASE
    lease = leases.aware(row.lease_until)
    if lease is not None and lease < now:
        return True
    beat = None if lease is None else lease - LEASE
    return not leases.owner_alive(row.owner, beat, LEASE, f"idem:{row.owner}", now)


def reserve(key_id: str, idem_key: str, body_hash: str, settings: Settings | None = None) -> Reservation:
    """Reserve `idem_key` for this request, replay a finished one, or take over one whose owner died."""
    engine = _engine(settings)
    owner = f"{leases.worker_id()}/{secrets.token_hex(6)}"
    now = _now()
    # Hold the lease before the row exists: a request in this process that reads our row must find its owner
    # alive (owner_alive asks the keeper), or it would take the reservation over and draft a second plan.
    _hold(key_id, idem_key, owner, settings)
    try:
        with engine.begin() as conn:
            conn.execute(
                insert(idempotency).values(
                    key_id=key_id,
                    idem_key=idem_key,
                    body_hash=body_hash,
                    state="pending",
                    created_at=now,
                    owner=owner,
                    lease_until=now + LEASE,
                )
            )
        return Reservation("new", owner=owner)
    except IntegrityError:
        drop_lease(owner)
    with engine.connect() as conn:
        row = conn.execute(select(idempotency).where(_where(key_id, idem_key))).first()
    if row is None:  # released between our INSERT and SELECT: try again
        return reserve(key_id, idem_key, body_hash, settings)
    if row.body_hash != body_hash:
        raise ConflictError(
            f"Idempotency-Key {idem_key} 已用于另一个请求体",
            hint="同一个键只能重放完全相同的请求；新请求请换一个键",
        )
    if row.state == "done":
        return Reservation("done", plan_id=row.plan_id)
    if not _abandoned(row, now):
        return Reservation("pending")
    guard = and_(
        _where(key_id, idem_key),
        idempotency.c.state == "pending",
        idempotency.c.owner.is_(None) if row.owner is None else idempotency.c.owner == row.owner,
    )
    _hold(key_id, idem_key, owner, settings)  # before the row names us, as above
    with engine.begin() as conn:
        taken = conn.execute(update(idempotency).where(guard).values(owner=owner, lease_until=now + LEASE))
    if taken.rowcount != 1:  # another request took it over first
        drop_lease(owner)
        return Reservation("pending")
    log.warning("Idempotency-Key %s: owner %s is gone, request %s takes over", idem_key, row.owner, owner)
    return Reservation("new", owner=owner, taken_over=True)


def complete(key_id: str, idem_key: str, owner: str, plan_id: str, settings: Settings | None = None) -> bool:
    """Record the finished plan. False when the reservation was taken over meanwhile (logged)."""
    try:  # the lease is dropped only after the row says done: until then a reader must see a live owner
        with _engine(settings).begin() as conn:
            done = conn.execute(
                update(idempotency)
                .where(and_(_where(key_id, idem_key), idempotency.c.owner == owner))
                .values(state="done", plan_id=plan_id, lease_until=None)
            )
    finally:
        drop_lease(owner)
    if done.rowcount != 1:
        log.warning("Idempotency-Key %s was taken over before plan %s was recorded", idem_key, plan_id)
    return done.rowcount == 1


def release(key_id: str, idem_key: str, owner: str, settings: Settings | None = None) -> None:
    """Forget our pending reservation after a failed request, so the client can retry with the same key."""
    try:
        with _engine(settings).begin() as conn:
            conn.execute(
                delete(idempotency).where(
                    and_(
                        _where(key_id, idem_key),
                        idempotency.c.state == "pending",
                        idempotency.c.owner == owner,
                    )
                )
            )
    finally:
        drop_lease(owner)
