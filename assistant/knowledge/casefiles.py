"""File names for pushed cases, and the rule for a case id that already exists.

Name: `<slug>-<hash>.md`. The slug is a readable ASCII hint (lower-case letters, digits and `-`, at most 40
characters, `case` when the id has no ASCII letters or digits, e.g. `冬至团购复盘`); the hash is the first 12
hex digits of SHA-256 over the exact id (UTF-8), so:

- stable: the same id always gives the same name, on every machine and in every version;
- unique: two different ids give different names (a 48-bit hash; a clash is still detected, never
  overwritten: see below), even ids that differ only in case or in characters the slug drops
  (`A/B` and `A-B`, `案例一` and `案例二`), also on case-insensitive file systems (the hash is lower-case);
- safe everywhere: no path separators, dots, spaces, control characters, Windows reserved names (`CON`, `NUL`
  …: the hash suffix makes the stem different), leading `-` (read as an option by shell tools) or leading `_`
  / `README` (files `load_cases` skips).

The id itself lives in the file's YAML front matter (`id: ...`): the file name is never decoded back into an
id. Clash rule: creating a case whose id already exists (in the knowledge base or among pushed cases, under
any file name, including names from the old scheme) is a conflict (HTTP 409), never an overwrite; the file
appears atomically (written to a temporary file, then hard-linked to its name, which fails if the name
exists), so two concurrent requests with the same id get one 201 and one 409.
"""

from __future__ import annotations

import hashlib
import os
import re
import secrets
import unicodedata
from collections.abc import Mapping
from pathlib import Path

from assistant.knowledge.safe_yaml import parse_front_matter
from assistant.knowledge.untrusted import UntrustedInputError

HASH_CHARS = 12
SLUG_CHARS = 40


class CaseConflict(Exception):
    """The id is taken. `status` 409; `message` Chinese; `existing` names where it is."""

    status = 409

    def __init__(self, case_id: str, existing: str, message: str | None = None):
        self.case_id = case_id
        self.existing = existing
        self.message = message or (
            f"案例 id “{case_id}” 已存在（{existing}），不会覆盖：要修改请换一个 id，或先删掉原来的案例"
        )
        super().__init__(self.message)


def usable_file_name(name: str) -> bool:
    """A client-chosen file name (without .md) that is used as is: not one `load_cases` / ingest skip."""
    return bool(re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9_-]{0,79}", name)) and not name.upper().startswith(
        "README"
    )


def id_hash(case_id: str) -> str:
    return hashlib.sha256(case_id.encode("utf-8", "surrogatepass")).hexdigest()[:HASH_CHARS]


def slug(text: str, limit: int = SLUG_CHARS) -> str:
    text = unicodedata.normalize("NFKC", text).lower()
    text = re.sub(r"[^a-z0-9]+", "-", text.encode("ascii", "ignore").decode()).strip("-")
    if len(text) > limit:
        text = text[:limit].rsplit("-", 1)[0] if "-" in text[:limit] else text[:limit]
    return text.strip("-") or "case"


def case_file_name(case_id: str, hint: str | None = None) -> str:
    """`case_id` as parsed (`Case.id`: str, stripped). `hint`: an optional client-chosen readable part (the
    old `name` member); the hash of the id is always appended."""
    return f"{slug(hint or case_id)}-{id_hash(case_id)}.md"


def front_matter_id(text: str) -> str | None:
    try:
        value = parse_front_matter(text).meta.get("id")
    except UntrustedInputError:
        return None
    return None if value is None else str(value).strip()


def ids_in(directory: Path) -> dict[str, str]:
    """id → file name for every readable case file in `directory` (any naming scheme)."""
    found: dict[str, str] = {}
    if not directory.is_dir():
        return found
    for path in sorted(directory.glob("*.md")):
        try:
            case_id = front_matter_id(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError):
            continue
        if case_id:
            found.setdefault(case_id, path.name)
    return found


def save_new_case(
    directory: Path,
    case_id: str,
    text: str,
    *,
    hint: str | None = None,
    known: Mapping[str, str] | None = None,
    file_name: str | None = None,
) -> Path:
    """Write `text` (whose front matter says `id: case_id`) as a new case file; CaseConflict if the id exists.

    `known`: ids found elsewhere (e.g. `{c.id: c.path for c in load_cases()}`: the shipped knowledge base).
    `file_name`: a name the client chose (without .md), used as is when `usable_file_name`; when another case
    already has it, CaseConflict as well (never an overwrite).
    """
    if front_matter_id(text) != case_id:
        raise ValueError("the text's front matter must carry the same id")
    if known and case_id in known:
        raise CaseConflict(case_id, f"知识库文件 {known[case_id]}")
    directory.mkdir(parents=True, exist_ok=True)
    existing = ids_in(directory)
    if case_id in existing:
        raise CaseConflict(case_id, f"文件 {existing[case_id]}")
    exact = file_name is not None and usable_file_name(file_name)
    name = f"{file_name}.md" if exact else case_file_name(case_id, hint or file_name)
    taken = CaseConflict(
        case_id, f"文件 {name}", f"文件名 {name} 已被另一个案例使用，不会覆盖：请换一个 name"
    )
    final = directory / name
    temp = directory / f".{name}.{secrets.token_hex(4)}.tmp"
    with open(temp, "x", encoding="utf-8") as fh:
        fh.write(text)
        fh.flush()
        os.fsync(fh.fileno())
    try:
        try:
            os.link(temp, final)  # atomic, and never replaces an existing name
        except FileExistsError:
            raise (taken if exact else CaseConflict(case_id, f"文件 {name}")) from None
        except OSError:  # a file system without hard links: exclusive create instead
            try:
                with open(final, "x", encoding="utf-8") as fh:
                    fh.write(text)
            except FileExistsError:
                raise (taken if exact else CaseConflict(case_id, f"文件 {name}")) from None
    finally:
        temp.unlink(missing_ok=True)
    return final
