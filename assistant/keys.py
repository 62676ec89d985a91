"""API keys: the secret is shown once at creation and stored only as a SHA-256 hash.

Keys are high-entropy random tokens, so a plain (unsalted) SHA-256 is enough to make a leaked table
useless and keeps lookup a single indexed query. `kind="browser"` keys back the web page's session cookie.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import Column, DateTime, String, Table, insert, select, update
from sqlalchemy.exc import IntegrityError

from assistant.db import get_engine, metadata
from assistant.errors import ConflictError, InputError, NotFoundError
from assistant.settings import Settings

SECRET_PREFIX = "hk_"
MAX_NAME = 64

api_keys = Table(
    "api_keys",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("name", String(MAX_NAME), nullable=False, unique=True),
    Column("prefix", String(16), nullable=False),
    Column("hash", String(64), nullable=False, unique=True),
    Column("kind", String(16), nullable=False, default="api"),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("revoked_at", DateTime(timezone=True), nullable=True),
)


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


def _record(row) -> KeyRecord:  # noqa: ANN001
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
    row = {
        "id": "key_" + secrets.token_hex(6),
        "name": name,
        "prefix": secret[:10],
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
    return KeyRecord(row["id"], name, row["prefix"], kind, now, None), secret


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
    """Revoke by id or name. Revoking twice is harmless and returns the record."""
    with get_engine(settings).begin() as conn:
        row = conn.execute(
            select(api_keys).where((api_keys.c.id == id_or_name) | (api_keys.c.name == id_or_name))
        ).first()
        if row is None:
            raise NotFoundError(f"找不到密钥：{id_or_name}", hint="用 huati keys list 查看 ID 和名称")
        if row.revoked_at is None:
            conn.execute(update(api_keys).where(api_keys.c.id == row.id).values(revoked_at=datetime.now(UTC)))
        row = conn.execute(select(api_keys).where(api_keys.c.id == row.id)).first()
    return _record(row)
