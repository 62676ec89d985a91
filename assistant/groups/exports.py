"""Read real group-chat exports as a stream of messages.

Four shapes are understood (docs/groups.md says where each definition comes from and what varies):

``wechat_csv``
    CSV written by desktop WeChat exporters: the WeChatMsg / 留痕 12-column "localId,TalkerId,Type,..."
    layout (also with no header row, or the older 9-column header), the MemoTrace "消息ID,类型,发送人,时间,
    内容,..." layout and the chatlog "Time,SenderName,Sender,...,Content" layout; UTF-8 with or without
    BOM, GBK/GB18030 (Excel re-saves), UTF-16 with BOM (Excel "Unicode text", tab separated).
``chatlab_json``
    The ChatLab standard format, one JSON document streamed element by element, or its JSONL form.
``wecom_jsonl``
    企业微信会话存档 messages after decryption, one JSON object per line. The archive mixes every chat of
    the company: ``room`` keeps one group's messages, and :func:`wecom_rooms` lists the groups in a file.
``plain_text``
    Copy-paste / TXT exports: a header line ``2026-12-04 21:02:11 昵称`` (or ``昵称 2026-12-04 21:02:11``,
    seconds optional) followed by content lines; a header with a time only introduces a system message.

Files are read line by line (the ChatLab document chunk by chunk), so memory stays flat however long the
file is. A record that cannot be read is reported as a :class:`ParseIssue` (line number + a reason in
Simplified Chinese) and skipped; reading always goes on with the next record.
"""

from __future__ import annotations

import csv
import os
import re
from collections.abc import Iterator
from pathlib import Path

from assistant.groups.formats.chatlab import read_chatlab
from assistant.groups.formats.common import FORMATS, JSON, KINDS, Message, ParseIssue, note, read_head
from assistant.groups.formats.plain_text import plain_header, read_plain
from assistant.groups.formats.wechat_csv import CSV_HEADERLESS_LEGACY, csv_layout, read_wechat_csv
from assistant.groups.formats.wecom import read_wecom, wecom_rooms

__all__ = [
    "FORMATS",
    "KINDS",
    "Message",
    "ParseIssue",
    "detect_format",
    "iter_messages",
    "wecom_rooms",
]

_WECOM_KEYS = frozenset({"msgid", "msgtime", "msgtype", "action", "tolist", "roomid"})


def detect_text(text: str) -> str | None:
    lines: list[str] = []
    for raw in text.splitlines():
        if raw.strip():
            lines.append(raw.strip())
        if len(lines) >= 30:
            break
    if not lines:
        return None
    first = lines[0]
    json_lines = [s for s in lines if not s.startswith("#")]
    if json_lines and json_lines[0][0] in "{[":
        for line in json_lines[:5]:
            try:
                obj = JSON.decode(line)
            except ValueError:
                continue
            if isinstance(obj, dict):
                if "_type" in obj:
                    return "chatlab_json"
                if len(_WECOM_KEYS & obj.keys()) >= 2:
                    return "wecom_jsonl"
        if re.search(r'"chatlab"\s*:', text) or (
            re.search(r'"messages"\s*:', text) and re.search(r'"(?:meta|members)"\s*:', text)
        ):
            return "chatlab_json"
        if re.search(r'"msgid"\s*:', text) and re.search(r'"msgtime"\s*:', text):
            return "wecom_jsonl"
        return None
    delimiter = "\t" if first.count("\t") > first.count(",") else ","
    if delimiter in first:
        header = next(csv.reader([first], delimiter=delimiter), [])
        if csv_layout(header) is not None or CSV_HEADERLESS_LEGACY.match(first):
            return "wechat_csv"
    for line in lines:
        if plain_header(line) is not None:
            return "plain_text"
    return None


def detect_format(path: str | os.PathLike[str]) -> str:
    """Tell which of :data:`FORMATS` a file is in, from its first 64 KiB.

    Raises :class:`ValueError` with a Chinese message when the file is empty
    or looks like none of them.
    """
    text, _, complete = read_head(Path(path))
    if not text.strip() and complete:
        raise ValueError(f"文件是空的，认不出格式：{os.fspath(path)}")
    fmt = detect_text(text)
    if fmt is None:
        raise ValueError(
            "认不出这个文件的格式（支持：微信导出的 CSV、ChatLab 的 JSON、"
            f"企业微信会话存档的 JSONL、复制粘贴的聊天文字）：{os.fspath(path)}"
        )
    return fmt


def iter_messages(
    path: str | os.PathLike[str],
    fmt: str | None = None,
    issues: list[ParseIssue] | None = None,
    room: str | None = None,
) -> Iterator[Message]:
    """Yield the messages of an export in file order.

    ``fmt`` is one of :data:`FORMATS`, or None to detect it (which raises
    :class:`ValueError` when the format can't be told; so does an unknown
    ``fmt``).  Records that cannot be read are appended to ``issues`` (when
    given) and skipped; reading never stops early because of them. ``room`` keeps only the messages of that
    group in a 企业微信 archive (``roomid``); other shapes hold one chat each and ignore it.  An empty
    file yields nothing and adds one issue.
    """
    sink: list[ParseIssue] = issues if issues is not None else []
    p = Path(path)
    if fmt is not None and fmt not in FORMATS:
        raise ValueError(f"不支持的格式：{fmt}（可选：{'、'.join(FORMATS)}）")
    text, encoding, complete = read_head(p)
    if not text.strip() and complete:
        note(sink, 0, "文件是空的，没有可读的消息")
        return iter(())
    if fmt is None:
        fmt = detect_text(text)
        if fmt is None:
            raise ValueError(
                "认不出这个文件的格式（支持：微信导出的 CSV、ChatLab 的 JSON、"
                f"企业微信会话存档的 JSONL、复制粘贴的聊天文字）：{os.fspath(path)}"
            )
    return _read(p, fmt, encoding, sink, room)


def _read(path: Path, fmt: str, encoding: str, sink: list[ParseIssue], room: str | None) -> Iterator[Message]:
    if fmt == "wechat_csv":
        return read_wechat_csv(path, encoding, sink)
    if fmt == "chatlab_json":
        return read_chatlab(path, encoding, sink)
    if fmt == "wecom_jsonl":
        return read_wecom(path, encoding, sink, room)
    return read_plain(path, encoding, sink)
