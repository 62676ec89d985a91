"""Privacy by default: member names never reach the database. Each is replaced by a keyed hash (HMAC-SHA256
with a per-home salt in `HUATI_HOME/group_salt`, readable by its owner only), so the same person is the same
token in every import of this installation and the token means nothing anywhere else."""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
import stat
from datetime import datetime
from functools import lru_cache
from pathlib import Path

from assistant.errors import ConfigError
from assistant.settings import Settings

SALT_FILE = "group_salt"
SPEAKER_CHARS = 12


def _salt_path(settings: Settings) -> Path:
    return settings.ensure_home() / SALT_FILE


@lru_cache(maxsize=8)
def _load_salt(path: str) -> bytes:
    p = Path(path)
    try:
        fd = os.open(p, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        pass
    else:
        with os.fdopen(fd, "w") as f:
            f.write(secrets.token_hex(32))
    mode = stat.S_IMODE(p.stat().st_mode)
    if mode & 0o077:  # someone loosened it: owner-only again before using it
        os.chmod(p, 0o600)
    text = p.read_text(encoding="ascii").strip()
    if len(text) < 32:
        raise ConfigError(f"{p} 里的盐太短或被清空了：删掉这个文件会生成新的盐，但之前导入的成员就对不上了")
    return text.encode()


def salt(settings: Settings) -> bytes:
    return _load_salt(str(_salt_path(settings).resolve()))


class Hasher:
    """Speaker tokens and message digests with this home's salt."""

    def __init__(self, settings: Settings):
        self._key = salt(settings)

    def speaker(self, name: str) -> str:
        """A 12-character token for a member name ("" stays "": system messages name nobody)."""
        name = name.strip()
        if not name:
            return ""
        return hmac.new(self._key, b"speaker\x1f" + name.encode(), hashlib.sha256).hexdigest()[:SPEAKER_CHARS]

    def digest(self, at: datetime, speaker: str, kind: str, text: str) -> str:
        """Identity of one message, to recognise it when an overlapping export is imported again (keyed BLAKE2b:
        a MAC like HMAC, in one call, which matters at 100,000 messages)."""
        raw = f"{at.isoformat()}\x1f{speaker}\x1f{kind}\x1f{text}".encode()
        return hashlib.blake2b(raw, key=self._key[:64], digest_size=12).hexdigest()
