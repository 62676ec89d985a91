"""`plain_text`: TXT exports and copy-paste, a "time name" header line then content lines."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

from assistant.groups.formats.common import (
    BAD_BYTES,
    BAD_BYTES_REASON,
    TIME_ERRORS,
    Message,
    ParseIssue,
    kind_from_placeholder,
    local_time,
    note,
    open_text,
)

_PT_STAMP = r"(?P<ts>\d{4}[-/.]\d{1,2}[-/.]\d{1,2}[ T]\d{1,2}:\d{2}(?::\d{2})?)"
_PT_TIME_FIRST = re.compile(_PT_STAMP + r"(?:[ \t\u3000]+(?P<name>\S.*?))?[ \t\u3000]*")
_PT_NAME_FIRST = re.compile(r"(?P<name>\S.*?)[ \t\u3000]+" + _PT_STAMP + r"[ \t\u3000]*")
MAX_NAME = 32  # characters: WeChat names are far shorter, a longer "name" is a sentence
_SYSTEM_HINT = re.compile(
    "邀请|加入了群聊|加入群聊|撤回了一条消息|移出了群聊|退出了群聊|修改群名|拍了拍|"
    "成为新群主|与群里其他人都不是朋友关系|开启了群聊邀请确认"
)


def plain_header(line: str) -> tuple[str, str | None] | None:
    """(time text, name or None) if the line is a message header."""
    s = line.strip()
    if not s or not (s[0].isdigit() or s[-1].isdigit()):
        return None
    m = _PT_TIME_FIRST.fullmatch(s) or _PT_NAME_FIRST.fullmatch(s)
    if m is None or len(m.group("name") or "") > MAX_NAME:
        return None  # a sentence that happens to start or end with a time is content
    return m.group("ts"), m.group("name")


def _content_lookalike(cur: list | None, when: object, previous: str) -> bool:
    """A header-shaped line right under content, dated before the message it sits in, is that message's text
    (exports are in time order; a real header follows a blank line or comes later)."""
    if cur is None or cur[1] is None or when is None or not previous.strip() or not cur[3]:
        return False
    return when < cur[1]


def _finish_plain(cur: list, issues: list[ParseIssue]) -> Message | None:
    _, when, name, lines, problem, problem_line = cur
    if problem is not None:
        note(issues, problem_line, f"{problem}，这条消息已跳过")
        return None
    start, stop = 0, len(lines)
    while stop > start and not lines[stop - 1].strip():
        stop -= 1
    while start < stop and not lines[start].strip():
        start += 1
    body = "\n".join(lines[start:stop])
    if name is None:  # a header with a time only: a system message
        return Message(when, "", "system", "")
    if not body:
        if _SYSTEM_HINT.search(name):  # "时间 系统提示" on one line, as older TXT exports write them
            return Message(when, "", "system", "")
        return Message(when, name, "text", "")
    kind = kind_from_placeholder(body) or "text"
    return Message(when, name, kind, body if kind == "text" else "")


def read_plain(path: Path, encoding: str, issues: list[ParseIssue]) -> Iterator[Message]:
    with open_text(path, encoding) as f:
        cur: list | None = None  # [line, time, name, content lines, problem, problem line]
        orphan = 0
        previous = ""
        for lineno, raw in enumerate(f, 1):
            line = raw.rstrip("\r\n")
            head = plain_header(line)
            if head is not None and cur is not None and cur[3] and previous.strip():  # right under content
                try:
                    stamp_time = local_time(head[0])
                except TIME_ERRORS:
                    stamp_time = None
                if _content_lookalike(cur, stamp_time, previous):
                    note(
                        issues,
                        lineno,
                        "这一行像“时间 昵称”的抬头，但比它所在的消息还早，按上一条消息的正文读",
                    )
                    head = None
            previous = line
            if head is not None:
                if cur is not None:
                    message = _finish_plain(cur, issues)
                    if message is not None:
                        yield message
                elif orphan:
                    note(
                        issues, orphan, "开头这几行前面没有“时间 昵称”的抬头，不知道是谁什么时候发的，已跳过"
                    )
                    orphan = 0
                stamp, name = head
                problem, when = None, None
                try:
                    when = local_time(stamp)
                except TIME_ERRORS:
                    problem = f"时间读不出来（{stamp}）"
                if problem is None and BAD_BYTES.search(line):
                    problem = BAD_BYTES_REASON
                cur = [lineno, when, name.strip() if name else None, [], problem, lineno]
                continue
            if cur is None:
                if line.strip() and not orphan:
                    orphan = lineno
                continue
            if cur[4] is None and BAD_BYTES.search(line):
                cur[4], cur[5] = BAD_BYTES_REASON, lineno
            cur[3].append(line)
        if cur is not None:
            message = _finish_plain(cur, issues)
            if message is not None:
                yield message
        elif orphan:
            note(issues, orphan, "找不到“时间 昵称”格式的抬头行，读不出任何消息")
