"""API keys: the secret is shown once at creation and stored only as a SHA-256 hash.

Keys are high-entropy random tokens, so a plain (unsalted) SHA-256 is enough to make a leaked table
useless and keeps lookup a single indexed query. `kind="browser"` rows were per-browser keys of older
versions (the page now signs in with an API key); they authenticate nothing and are listed with `--all`.
"""

from __future__ import annotations

import hashlib
import secrets
import threading
import time
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import Float, bindparam, case, insert, select, update
from sqlalchemy.exc import IntegrityError

from assistant.errors import ConflictError, InputError, NotFoundError
from assistant.service.sessions import revoke_for_key
from assistant.settings import Settings
from assistant.storage.db import get_engine
from assistant.storage.schema import MAX_KEY_NAME, api_keys, rate_buckets

SECRET_PREFIX = "hk_"
MAX_NAME = MAX_KEY_NAME


@dataclass(frozen=True)
class KeyRecord:
    id: str
    name: str
    prefix: str
    kind: str
    created_at: datetime
    revoked_at: datetime | None

    @property
    def revoked(self) -> bool:
        return self.revoked_at is not None

    def public_dict(self) -> dict:
        return {
            "id": self.id,
            "name": self.name,
            "prefix": self.prefix,
            "kind": self.kind,
            "created_at": self.created_at.isoformat(),
            "revoked_at": self.revoked_at.isoformat() if self.revoked_at else None,
        }


def hash_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def _record(row) -> KeyRecord:
    created, revoked = row.created_at, row.revoked_at
    if created.tzinfo is None:  # SQLite drops the zone
        created = created.replace(tzinfo=UTC)
    if revoked is not None and revoked.tzinfo is None:
        revoked = revoked.replace(tzinfo=UTC)
    return KeyRecord(row.id, row.name, row.prefix, row.kind, created, revoked)


def create_key(name: str, settings: Settings | None = None, *, kind: str = "api") -> tuple[KeyRecord, str]:
    """Create a key; returns (record, secret). The secret is not stored and cannot be shown again."""
    name = (name or "").strip()
    if not name:
        raise InputError("密钥名称不能为空", field="name")
    if len(name) > MAX_NAME:
        raise InputError(f"密钥名称最长 {MAX_NAME} 个字符", field="name")
    secret = SECRET_PREFIX + secrets.token_urlsafe(32)
    now = datetime.now(UTC)
    key_id, prefix = "key_" + secrets.token_hex(6), secret[:10]
    row = {
        "id": key_id,
        "name": name,
        "prefix": prefix,
        "hash": hash_secret(secret),
        "kind": kind,
        "created_at": now,
        "revoked_at": None,
    }
    try:
        with get_engine(settings).begin() as conn:
            conn.execute(insert(api_keys).values(**row))
    except IntegrityError as exc:
        raise ConflictError(f"已有名为 {name} 的密钥", hint="换一个名称，或先吊销旧的") from exc
    return KeyRecord(key_id, name, prefix, kind, now, None), secret


def list_keys(settings: Settings | None = None, *, include_browser: bool = False) -> list[KeyRecord]:
    query = select(api_keys).order_by(api_keys.c.created_at)
    if not include_browser:
        query = query.where(api_keys.c.kind == "api")
    with get_engine(settings).connect() as conn:
        return [_record(r) for r in conn.execute(query)]


def find_key(secret: str, settings: Settings | None = None) -> KeyRecord | None:
    """The key record for a presented secret (revoked or not), or None."""
    if not secret or len(secret) > 200:
        return None
    with get_engine(settings).connect() as conn:
        row = conn.execute(select(api_keys).where(api_keys.c.hash == hash_secret(secret))).first()
    return _record(row) if row else None


def get_key(key_id: str, settings: Settings | None = None) -> KeyRecord | None:
    with get_engine(settings).connect() as conn:
        row = conn.execute(select(api_keys).where(api_keys.c.id == key_id)).first()
    return _record(row) if row else None


def revoke_key(id_or_name: str, settings: Settings | None = None) -> KeyRecord:
    """Revoke by id or name, and every web session made with it. Revoking twice is harmless."""
    with get_engine(settings).begin() as conn:
        row = conn.execute(
            select(api_keys).where((api_keys.c.id == id_or_name) | (api_keys.c.name == id_or_name))
        ).first()
        if row is None:
            raise NotFoundError(f"找不到密钥：{id_or_name}", hint="用 huati keys list 查看 ID 和名称")
        if row.revoked_at is None:
            conn.execute(update(api_keys).where(api_keys.c.id == row.id).values(revoked_at=datetime.now(UTC)))
        revoke_for_key(conn, row.id)  # browsers signed in with it are out, in the same transaction
        row = conn.execute(select(api_keys).where(api_keys.c.id == row.id)).first()
    return _record(row)


def _take_statement():  # built once: constructing the expression costs more than running it
    b = rate_buckets.c
    now, rate, cap = (
        bindparam("now", type_=Float),
        bindparam("rate", type_=Float),
        bindparam("cap", type_=Float),
    )
    elapsed = case((now > b.updated, now - b.updated), else_=0.0)
    refilled = b.tokens + elapsed * rate
    level = case((refilled > cap, cap), else_=refilled)
    return (
        update(rate_buckets)
        .where(b.key_id == bindparam("key"), level >= 1.0)
        .values(tokens=level - 1.0, updated=now)
    )


_TAKE = _take_statement()
_SQLITE_WRITES = threading.Lock()
_READ = select(rate_buckets).where(rate_buckets.c.key_id == bindparam("key"))


def take_token(
    key_id: str,
    capacity: float,
    per_second: float,
    settings: Settings | None = None,
    now: float | None = None,
) -> float:
    """Take one token from `key_id`'s bucket (refilled at `per_second`, at most `capacity`).

    Returns 0 when allowed, else the seconds until a token is back. One conditional UPDATE does the refill and
    the take atomically (SQLite's write lock / PostgreSQL's row lock), so concurrent workers never both spend
    the last token. A bucket is not worth a durable commit: on PostgreSQL the transaction skips the WAL flush."""
    now = time.time() if now is None else now
    engine = get_engine(settings)
    if engine.dialect.name == "sqlite":  # one writer at a time in this process: no busy-handler sleeps
        with _SQLITE_WRITES:
            return _take(engine, key_id, capacity, per_second, now)
    return _take(engine, key_id, capacity, per_second, now)


def _take(engine, key_id: str, capacity: float, per_second: float, now: float) -> float:
    params = {"key": key_id, "now": now, "rate": per_second, "cap": capacity}
    for _ in range(3):
        with engine.begin() as conn:
            if conn.dialect.name == "postgresql":
                conn.exec_driver_sql("SET LOCAL synchronous_commit TO OFF")
            taken = conn.execute(_TAKE, params)
        if taken.rowcount == 1:
            return 0.0
        with engine.connect() as conn:
            row = conn.execute(_READ, {"key": key_id}).first()
        if row is not None:
            current = min(capacity, row.tokens + max(0.0, now - row.updated) * per_second)
            if current < 1.0:
                return (1.0 - current) / per_second
            continue  # refilled meanwhile: try again
        try:
            with engine.begin() as conn:
                conn.execute(insert(rate_buckets).values(key_id=key_id, tokens=capacity - 1.0, updated=now))
            return 0.0
        except IntegrityError:
            continue  # another worker made the bucket first
    return 1.0 / per_second
