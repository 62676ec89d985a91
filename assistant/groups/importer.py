"""`huati groups import`: stream a chat export into the group's records.

Messages are read one at a time and written in batches (memory stays flat however long the export); each
sender becomes a salted token (`privacy.py`), text is kept only when asked; a message already imported is
recognised by its digest and not counted twice. Unreadable records are reported with their line and skipped,
and whatever was read before a failure is written. Afterwards the hourly activity of the days covered is
recomputed and the group's posted topics found in the chat get their replies counted."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from assistant.errors import InputError
from assistant.groups.exports import FORMATS, ParseIssue, detect_format, iter_messages, wecom_rooms
from assistant.groups.matching import TopicMatcher, topics_of
from assistant.groups.privacy import Hasher
from assistant.groups.replies import by_time, measure
from assistant.models import GROUP_ID_PATTERN
from assistant.settings import Settings, get_settings

BATCH = 5000
MAX_LISTED = 500  # issues listed in a report (all are counted)
FORMAT_NAMES = {
    "wechat_csv": "微信导出的 CSV",
    "chatlab_json": "ChatLab JSON",
    "wecom_jsonl": "企业微信会话存档",
    "plain_text": "聊天文字",
}


@dataclass
class ImportReport:
    group: str
    file: str
    format: str
    read: int = 0
    new: int = 0
    issues: list[ParseIssue] = field(default_factory=list)
    first_at: datetime | None = None
    last_at: datetime | None = None
    topics_found: int = 0
    keep_text: bool = False
    room: str | None = None

    @property
    def duplicates(self) -> int:
        return self.read - self.new

    def as_dict(self) -> dict[str, Any]:
        return {
            "group": self.group,
            "file": self.file,
            "format": self.format,
            "room": self.room,
            "messages": self.read,
            "new": self.new,
            "duplicates": self.duplicates,
            "first_at": self.first_at.isoformat(timespec="minutes") if self.first_at else None,
            "last_at": self.last_at.isoformat(timespec="minutes") if self.last_at else None,
            "topics_found": self.topics_found,
            "text_kept": self.keep_text,
            "issues": [{"line": i.line, "reason": i.reason} for i in self.issues[:MAX_LISTED]],
            "issues_total": len(self.issues),
        }

    def summary(self) -> str:
        span = ""
        if self.first_at and self.last_at:
            span = f"（{self.first_at:%Y-%m-%d %H:%M} 到 {self.last_at:%Y-%m-%d %H:%M}）"
        text = "保留了消息原文" if self.keep_text else "没有保存消息原文"
        return (
            f"群 {self.group}：从 {self.file}（{FORMAT_NAMES.get(self.format, self.format)}）读到 {self.read} 条消息"
            f"{span}，新增 {self.new} 条，已导入过 {self.duplicates} 条；找到 {self.topics_found} 个方案里的话题；"
            f"{len(self.issues)} 处读不了或有疑问；成员名已加密，{text}。"
        )


def check_group(group: str) -> str:
    group = (group or "").strip()
    if not re.fullmatch(GROUP_ID_PATTERN, group):
        raise InputError(
            f"群编号不对：「{group}」。不能为空、不能有空格和 / \\ ? # % &，最长 64 个字", field="group"
        )
    return group


def _pick_room(path: Path, room: str | None) -> str:
    rooms = wecom_rooms(path)
    named = {r: n for r, n in rooms.items() if r}
    if room is not None:
        if room not in named:
            listed = (
                "、".join(f"{r}（{n} 条）" for r, n in sorted(named.items(), key=lambda kv: -kv[1])[:10])
                or "没有群聊"
            )
            raise InputError(f"这个会话存档里没有群 {room}；文件里的群：{listed}", field="room")
        return room
    if not named:
        raise InputError("这个会话存档里只有单聊，没有群聊消息（群消息带 roomid）", field="room")
    if len(named) > 1:
        listed = "、".join(f"{r}（{n} 条）" for r, n in sorted(named.items(), key=lambda kv: -kv[1])[:10])
        raise InputError(
            f"这个会话存档里有 {len(named)} 个群：{listed}。请用 --room 指定要导入的群（什么都还没导入）",
            field="room",
        )
    return next(iter(named))


def import_export(
    path: str | os.PathLike[str],
    group: str,
    *,
    fmt: str | None = None,
    keep_text: bool = False,
    room: str | None = None,
    settings: Settings | None = None,
    store: Any = None,
    name: str | None = None,
) -> ImportReport:
    """Import one export file into `group`. Raises InputError (nothing written) for a file that cannot be
    read at all: missing, unknown shape, or a 企业微信 archive of several groups without `room`."""
    from assistant.storage import Store

    settings = settings or get_settings()
    group = check_group(group)
    p = Path(path)
    if not p.is_file():
        raise InputError(f"找不到文件：{p}", field="file")
    if fmt is not None and fmt not in FORMATS:
        raise InputError(f"--format 只能是 {' / '.join(FORMATS)}，收到：{fmt}", field="format")
    try:
        fmt = fmt or detect_format(p)
    except ValueError as exc:
        raise InputError(str(exc), field="file") from None
    except OSError as exc:
        raise InputError(f"读不了文件 {p}：{exc.strerror}", field="file") from None
    if fmt == "wecom_jsonl":
        room = _pick_room(p, room)
    store = store or Store(settings)
    groups = store.groups
    hasher = Hasher(settings)
    report = ImportReport(
        group, name or p.name, fmt, keep_text=keep_text, room=room if fmt == "wecom_jsonl" else None
    )
    groups.touch(group)
    before = groups.count_messages(group)
    import_id = groups.record_import(
        {
            "group_id": group,
            "file_name": report.file[:255],
            "format": fmt,
            "messages_read": 0,
            "messages_new": 0,
            "issues": 0,
            "keep_text": keep_text,
        }
    )
    matcher = TopicMatcher(topics_of(groups, group))
    tokens: dict[str, str] = {}
    batch: list[dict[str, Any]] = []
    try:
        for m in iter_messages(p, fmt, report.issues, room=report.room):
            speaker = tokens.get(m.sender)
            if speaker is None:
                speaker = tokens[m.sender] = hasher.speaker(m.sender)
            at = m.time.replace(microsecond=0)
            batch.append(
                {
                    "group_id": group,
                    "digest": hasher.digest(m.time, speaker, m.kind, m.text),
                    "at": at,
                    "speaker": speaker,
                    "kind": m.kind,
                    "text": m.text if keep_text and m.kind == "text" else None,
                    "import_id": import_id,
                }
            )
            if m.kind == "text":
                matcher.see(at, speaker, m.text)
            report.read += 1
            report.first_at = at if report.first_at is None or at < report.first_at else report.first_at
            report.last_at = at if report.last_at is None or at > report.last_at else report.last_at
            if len(batch) >= BATCH:
                groups.add_messages(batch)
                batch = []
    except (OSError, UnicodeError) as exc:  # a file that goes away or breaks mid-read: keep what was read
        report.issues.append(
            ParseIssue(0, f"读到第 {report.read} 条消息后文件读不下去了（{exc}），之前的都已保存")
        )
    finally:
        groups.add_messages(batch)
    report.new = groups.count_messages(group) - before
    if report.first_at and report.last_at:
        groups.recompute_hours(group, report.first_at.date(), report.last_at.date())
    found = [(t, t.best[1], t.best[2], t.best[0]) for t in matcher.found() if t.best is not None]
    unmatched = [t for t in matcher.topics if t.best is None]
    report.topics_found = measure(groups, group, found + by_time(groups, group, unmatched))
    groups.set_import_totals(
        import_id,
        messages_read=report.read,
        messages_new=report.new,
        issues=len(report.issues),
        first_at=report.first_at,
        last_at=report.last_at,
    )
    return report
