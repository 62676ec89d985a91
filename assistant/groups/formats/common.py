"""What every export reader shares: the message record, issues with line numbers, times, placeholders,
encodings. Standard library only."""

from __future__ import annotations

import codecs
import json
import re
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import IO

FORMATS = ("wechat_csv", "chatlab_json", "wecom_jsonl", "plain_text")
KINDS = ("text", "image", "voice", "video", "file", "link", "emoji", "system", "other")


@dataclass(frozen=True, slots=True)
class Message:
    """One chat message.

    ``time`` is naive and means China local time (UTC+08:00); epoch timestamps
    are converted to it.  ``sender`` is what the file names the sender by (a
    display name or an id; "" for system messages that name nobody).  ``kind``
    is one of :data:`KINDS`; ``text`` is the message text for ``kind == "text"``
    and "" otherwise.
    """

    time: datetime
    sender: str
    kind: str
    text: str


@dataclass(frozen=True)
class ParseIssue:
    """Something in the file that could not be read as it stands.

    ``line`` is the 1-based line where the record starts (0 for the file as a
    whole).  ``reason`` is a full sentence in Simplified Chinese that already
    names the line, e.g. "第 12 行：时间读不出来（2026-13-40），已跳过".
    Reasons ending in "已跳过" mean the record was dropped; the few that end
    in "按“其他”计入" mean the message was kept with kind "other".
    """

    line: int
    reason: str


SNIFF_BYTES = 64 * 1024
_CHINA = timezone(timedelta(hours=8), "Asia/Shanghai")
_EPOCH_CHINA = datetime(1970, 1, 1) + timedelta(hours=8)
_MIN_YEAR, _MAX_YEAR = 1990, 2100
TIME_ERRORS = (ValueError, OverflowError, TypeError)

# Bytes the chosen encoding could not decode come through as lone surrogates
# (errors="surrogateescape"); they never occur in properly decoded text.
BAD_BYTES = re.compile("[\udc80-\udcff]")
BAD_BYTES_REASON = "有读不懂的字节（文件编码不对，或混进了别的编码的内容）"

JSON = json.JSONDecoder(strict=False)


class Skip(Exception):
    """A record is unusable; the argument is the reason in Chinese."""


class HeaderProblem(Exception):
    """A CSV header lacks a column that every row needs."""


def note(issues: list[ParseIssue], line: int, text: str) -> None:
    issues.append(ParseIssue(line, f"第 {line} 行：{text}" if line > 0 else text))


def short(value: object, limit: int = 40) -> str:
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
    text = BAD_BYTES.sub("\ufffd", text).strip() or "空"
    return text if len(text) <= limit else text[:limit] + "…"


def check_year(dt: datetime) -> datetime:
    if not _MIN_YEAR <= dt.year <= _MAX_YEAR:
        raise ValueError(f"year {dt.year} out of range")
    return dt


_LOOSE_TIME = re.compile(
    r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?\s*[T ]?\s*"
    r"(\d{1,2})\s*[:：]\s*(\d{1,2})(?:\s*[:：]\s*(\d{1,2})(?:\.(\d{1,9}))?)?"
)


def local_time(text: str) -> datetime:
    """Parse a wall-clock time string as China local time (naive result).

    ISO forms (with or without seconds, ``T`` or space, optional offset) go
    through :meth:`datetime.fromisoformat`; looser forms such as
    ``2026/12/4 21:02`` (Excel re-saves) or ``2026年12月4日 21:02`` through a
    regular expression.  A string with an offset is converted to +08:00.
    """
    s = text.strip()
    if not s:
        raise ValueError("empty time")
    try:
        dt = datetime.fromisoformat(s)
    except ValueError:
        m = _LOOSE_TIME.fullmatch(s)
        if m is None:
            raise
        y, mo, d, h, mi, sec, frac = m.groups()
        micro = int((frac or "0")[:6].ljust(6, "0"))
        dt = datetime(int(y), int(mo), int(d), int(h), int(mi), int(sec or 0), micro)
    if dt.tzinfo is not None:
        dt = dt.astimezone(_CHINA).replace(tzinfo=None)
    return check_year(dt)


def epoch_time(value: object, unit: str) -> datetime:
    """Convert a Unix timestamp to naive China local time.

    ``unit`` is "s", "ms", or "auto" (magnitudes of 1e11 and more are taken
    as milliseconds: 1e11 s would be the year 5138).
    """
    if value is None or isinstance(value, bool):
        raise ValueError("no timestamp")
    if isinstance(value, str):
        s = value.strip()
        value = int(s) if s.isdigit() else float(s)
    if not isinstance(value, (int, float)):
        raise TypeError("timestamp is not a number")
    if unit == "ms" or (unit == "auto" and abs(value) >= 1e11):
        dt = _EPOCH_CHINA + timedelta(milliseconds=value)
    else:
        dt = _EPOCH_CHINA + timedelta(seconds=value)
    return check_year(dt)


# Placeholders that exporters put where a non-text message was.  The first
# group must be the whole content; the second group only starts it.
_EXACT_PLACEHOLDERS = {
    "[图片]": "image",
    "[语音]": "voice",
    "[视频]": "video",
    "[表情包]": "emoji",
    "[动画表情]": "emoji",
    "[表情]": "emoji",
    "[GIF表情]": "emoji",
    "[文件]": "file",
    "[链接]": "link",
    "[音乐分享]": "link",
    "[小程序]": "link",
    "[视频号]": "link",
    "[名片]": "other",
    "[位置]": "other",
    "[红包]": "other",
    "[转账]": "other",
    "[合并转发]": "other",
    "[聊天记录]": "other",
    "[语音通话]": "other",
    "[视频通话]": "other",
    "[拍一拍]": "system",
}
_PREFIX_PLACEHOLDERS = (
    ("![图片]", "image"),
    ("![视频]", "video"),
    ("![动画表情]", "emoji"),
    ("[文件|", "file"),
    ("[链接|", "link"),
    ("[链接]:", "link"),
    ("[音乐|", "link"),
    ("[小程序|", "link"),
    ("[视频号|", "link"),
    ("[视频号直播", "link"),
    ("[名片|", "other"),
    ("[位置|", "other"),
    ("[红包|", "other"),
    ("[语音通话|", "other"),
    ("[实时位置共享", "other"),
    ("【图片】", "image"),
    ("【语音】", "voice"),
    ("【视频】", "video"),
    ("【表情包】", "emoji"),
    ("【文件】", "file"),
    ("【分享链接】", "link"),
    ("【视频号】", "link"),
    ("【小程序】", "link"),
    ("【名片】", "other"),
    ("【位置分享】", "other"),
    ("【红包】", "other"),
    ("【合并转发的聊天记录】", "other"),
    ("【音视频通话】", "other"),
    ("【笔记】", "other"),
)


def kind_from_placeholder(content: str) -> str | None:
    s = content.strip()
    if not s or s[0] not in "[!【":
        return None
    kind = _EXACT_PLACEHOLDERS.get(s)
    if kind is not None:
        return kind
    for prefix, kind in _PREFIX_PLACEHOLDERS:
        if s.startswith(prefix):
            return kind
    return None


def _sniff_encoding(head: bytes, complete: bool) -> str:
    """Pick the text encoding from the first bytes of a file.

    A BOM decides.  Otherwise each non-ASCII line of the sample votes: UTF-8
    if it decodes as UTF-8, else GB18030 (a superset of GBK, what Excel on
    Chinese Windows saves) if it decodes as that.  A UTF-8 file with a few
    foreign lines stays UTF-8 (those lines are reported), and a GBK file with
    a damaged byte stays GBK.
    """
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    pieces = head.split(b"\n")
    whole = complete
    if not complete and len(pieces) > 1:
        pieces.pop()  # cut mid-line, maybe mid-character
        whole = True
    utf8 = gb = 0
    for piece in pieces:
        if piece.isascii():
            continue
        try:
            codecs.getincrementaldecoder("utf-8")().decode(piece, final=whole)
            utf8 += 1
            continue
        except UnicodeDecodeError:
            pass
        try:
            codecs.getincrementaldecoder("gb18030")().decode(piece, final=whole)
            gb += 1
        except UnicodeDecodeError:
            pass
    return "gb18030" if gb > utf8 else "utf-8-sig"


def open_text(path: Path, encoding: str) -> IO[str]:
    errors = "replace" if encoding == "utf-16" else "surrogateescape"
    return open(path, encoding=encoding, errors=errors, newline="")


def read_head(path: Path) -> tuple[str, str, bool]:
    with open(path, "rb") as fh:
        head = fh.read(SNIFF_BYTES)
    complete = len(head) < SNIFF_BYTES
    encoding = _sniff_encoding(head, complete)
    decoder = codecs.getincrementaldecoder(encoding)(errors="replace")
    text = decoder.decode(head, final=complete).lstrip("\ufeff")
    return text, encoding, complete
