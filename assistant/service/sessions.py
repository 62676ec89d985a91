"""Server-side sessions of the web page (the operator signs in with an API key).

The cookie carries a random 256-bit token; the `web_sessions` table keeps only its SHA-256, the API key id, the
times and the user agent, so a leaked table signs nobody in. Logout deletes the row (a copied cookie stops
working at once); revoking an API key marks every session made with it (`assistant.service.keys.revoke_key`, in
the same transaction); sessions also end after 30 days, or after 7 idle days. A fresh token on every login
defeats session fixation.
"""

from __future__ import annotations

import hashlib
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import delete, or_, select, update
from sqlalchemy.engine import Connection, Engine

from assistant.settings import Settings
from assistant.storage.db import get_engine
from assistant.storage.schema import web_sessions

ABSOLUTE = 30 * 24 * 3600  # seconds a session lives at most
IDLE = 7 * 24 * 3600  # seconds without a request before it ends
TOUCH_EVERY = 60.0  # `last_seen` is written at most this often (not a write per request)
MAX_TOKEN = 100


def _now() -> float:
    return time.time()


def digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass(frozen=True)
class WebSession:
    key_id: str
    revoked: bool  # ended because its API key was revoked (the page says so instead of a bare login form)


class SessionStore:
    def __init__(
        self,
        engine: Engine,
        *,
        absolute: float = ABSOLUTE,
        idle: float = IDLE,
        touch_every: float = TOUCH_EVERY,
        clock: Callable[[], float] | None = None,
    ):
        self.engine = engine
        self.absolute = absolute
        self.idle = idle
        self.touch_every = touch_every
        self.clock = clock or _now

    @classmethod
    def of(cls, settings: Settings | None = None) -> SessionStore:
        return cls(get_engine(settings))

    def create(self, key_id: str, user_agent: str = "") -> str:
        """A new session; returns the token for the cookie (never stored). Expired rows are purged here."""
        token = secrets.token_urlsafe(32)
        now = self.clock()
        self.purge_expired()
        with self.engine.begin() as db:
            db.execute(
                web_sessions.insert().values(
                    token_hash=digest(token),
                    key_id=key_id,
                    created_at=now,
                    last_seen=now,
                    user_agent=user_agent[:200],
                    revoked_at=None,
                )
            )
        return token

    def resolve(self, token: str | None) -> WebSession | None:
        """The session behind a cookie's token, or None (unknown, logged out or expired)."""
        if not token or len(token) > MAX_TOKEN:
            return None
        now = self.clock()
        key = digest(token)
        with self.engine.begin() as db:
            row = db.execute(select(web_sessions).where(web_sessions.c.token_hash == key)).first()
            if row is None:
                return None
            if now - row.created_at > self.absolute or now - row.last_seen > self.idle:
                db.execute(delete(web_sessions).where(web_sessions.c.token_hash == key))
                return None
            if row.revoked_at is None and now - row.last_seen > self.touch_every:
                db.execute(update(web_sessions).where(web_sessions.c.token_hash == key).values(last_seen=now))
            return WebSession(str(row.key_id), row.revoked_at is not None)

    def end(self, token: str | None) -> None:
        """Logout: the row goes, so the same cookie value replayed later finds nothing."""
        if token and len(token) <= MAX_TOKEN:
            with self.engine.begin() as db:
                db.execute(delete(web_sessions).where(web_sessions.c.token_hash == digest(token)))

    def end_all_for_key(self, key_id: str) -> int:
        """Every browser signed in with this key is out (marked, so the page can say the key was revoked)."""
        with self.engine.begin() as db:
            return revoke_for_key(db, key_id, self.clock())

    def purge_expired(self) -> int:
        now = self.clock()
        with self.engine.begin() as db:
            result = db.execute(
                delete(web_sessions).where(
                    or_(
                        web_sessions.c.created_at < now - self.absolute,
                        web_sessions.c.last_seen < now - self.idle,
                    )
                )
            )
            return result.rowcount or 0


def revoke_for_key(db: Connection, key_id: str, now: float | None = None) -> int:
    """Inside the caller's transaction (`revoke_key`): mark every live session of `key_id` as revoked."""
    statement = (
        update(web_sessions)
        .where(web_sessions.c.key_id == key_id, web_sessions.c.revoked_at.is_(None))
        .values(revoked_at=time.time() if now is None else now)
    )
    return db.execute(statement).rowcount or 0
