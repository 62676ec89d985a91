"""`chatlab_json`: the ChatLab standard document, streamed element by element, and its JSONL form."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator
from pathlib import Path

from assistant.groups.formats.common import (
    BAD_BYTES,
    BAD_BYTES_REASON,
    JSON,
    TIME_ERRORS,
    Message,
    ParseIssue,
    Skip,
    epoch_time,
    note,
    open_text,
    short,
)

# ChatLab standard message types (v0.0.2).
_CHATLAB_KINDS = {
    0: "text",
    1: "image",
    2: "voice",
    3: "video",
    4: "file",
    5: "emoji",
    7: "link",
    8: "other",
    20: "other",
    21: "other",
    22: "system",
    23: "other",
    24: "link",
    25: "text",
    26: "other",
    27: "other",
    80: "system",
    81: "system",
    99: "other",
}


def _chatlab_message(obj: object, lineno: int, issues: list[ParseIssue], unknown: set) -> Message:
    if not isinstance(obj, dict):
        raise Skip("这一条不是 JSON 对象")
    if "timestamp" not in obj:
        raise Skip("缺少时间（timestamp）")
    try:
        when = epoch_time(obj["timestamp"], "auto")
    except TIME_ERRORS:
        raise Skip(f"时间读不出来（{short(obj['timestamp'])}）") from None
    type_code = obj.get("type")
    if isinstance(type_code, str) and type_code.strip().isdigit():
        type_code = int(type_code)
    if isinstance(type_code, bool) or not isinstance(type_code, int):
        raise Skip(f"消息类型不是数字（{short(type_code)}）")
    kind = _CHATLAB_KINDS.get(type_code)
    if kind is None:
        kind = "other"
        if type_code not in unknown:
            unknown.add(type_code)
            note(
                issues,
                lineno,
                f"不认识的消息类型（type={type_code}），按“其他”计入（同类型的后续消息不再提示）",
            )
    sender = ""
    for key in ("groupNickname", "accountName", "sender"):
        value = obj.get(key)
        if isinstance(value, (str, int)) and not isinstance(value, bool) and str(value).strip():
            sender = str(value).strip()
            break
    if not sender and kind != "system":
        raise Skip("缺少发送者（sender / accountName）")
    content = obj.get("content")
    text = content if kind == "text" and isinstance(content, str) else ""
    return Message(when, sender, kind, text)


_WS = re.compile(r"[ \t\r\n]+")


def _skip_blanks(buf: str, pos: int) -> int:
    m = _WS.match(buf, pos)
    return m.end() if m is not None else pos


_NEXT_ELEMENT = re.compile(r"\}[ \t\r\n]*(?:,[ \t\r\n]*(?=\{)|(?=\]))")
# no opening quote required: a stray quote in front may already have been read as part of a string
_MESSAGES_KEY = re.compile(r'messages"[ \t\r\n]*:[ \t\r\n]*(?=\[)')
_MAX_JSON_VALUE = 8 * 1024 * 1024  # characters one element may take before it counts as broken


class _JsonStream:
    """Just enough of a pull parser to walk one big JSON document.

    Text is read in 64 Ki-character chunks into ``buf``; values are decoded
    one at a time with :meth:`json.JSONDecoder.raw_decode` at ``pos``.  The
    consumed prefix is dropped on every refill, so memory holds about one
    chunk plus the element being decoded.  Newlines are counted as the
    position moves, to report line numbers.
    """

    CHUNK = 1 << 16

    def __init__(self, f) -> None:
        self._f = f
        self.buf = ""
        self.pos = 0
        self.eof = False
        self.stopped = False
        self.lost = False  # set when a skipped (non-message) array turned out damaged
        self._line_pos = 0  # newlines in buf are counted up to here
        self._line_no = 1  # line number at _line_pos

    def fill(self) -> bool:
        if self.eof:
            return False
        chunk = self._f.read(self.CHUNK)
        if not chunk:
            self.eof = True
            return False
        if self.pos:
            self.line_at(self.pos)
            self.buf = self.buf[self.pos :] + chunk
            self._line_pos -= self.pos
            self.pos = 0
        else:
            self.buf += chunk
        return True

    def line_at(self, index: int) -> int:
        if index >= self._line_pos:
            self._line_no += self.buf.count("\n", self._line_pos, index)
            self._line_pos = index
            return self._line_no
        return self._line_no - self.buf.count("\n", index, self._line_pos)

    def peek(self) -> str | None:
        while True:
            self.pos = _skip_blanks(self.buf, self.pos)
            if self.pos < len(self.buf):
                return self.buf[self.pos]
            if not self.fill():
                return None

    def value(self, limit: int = _MAX_JSON_VALUE) -> tuple[object, int, int]:
        """Decode the value at ``pos``; return it with its span in ``buf``."""
        while True:
            try:
                obj, end = JSON.raw_decode(self.buf, self.pos)
            except json.JSONDecodeError as exc:
                ran_out = exc.msg.startswith("Unterminated string") or len(self.buf) - exc.pos < 32
                if ran_out and len(self.buf) - self.pos < limit and self.fill():
                    continue
                raise
            if end == len(self.buf) and isinstance(obj, (int, float)) and self.fill():
                continue  # a number may go on in the next chunk
            start, self.pos = self.pos, end
            return obj, start, end

    def skip_to(self, pattern: re.Pattern[str], offset: int = 0) -> bool:
        """Move ``pos`` to the end of the next match of ``pattern``.

        The text scanned past is dropped as the search goes on (only a short
        overlap is kept between chunks), so memory stays flat.
        """
        self.pos += offset
        while True:
            m = pattern.search(self.buf, self.pos)
            if m is not None:
                self.pos = m.end()
                return True
            self.pos = max(self.pos, len(self.buf) - 64)
            if not self.fill():
                self.pos = len(self.buf)
                return False


def _chatlab_array(
    js: _JsonStream,
    issues: list[ParseIssue],
    unknown: set,
    what: str = "消息",
    convert: bool = True,
    resume: bool = False,
) -> Iterator[Message]:
    """Walk the array at ``pos`` element by element.

    With ``convert`` false the elements are only stepped over (members); any
    damage there sets ``js.lost`` and returns, and the caller jumps straight
    to the message list instead of trying to resynchronise inside a list it
    does not need.  ``resume`` continues a list whose "[" was already passed.
    """
    if not resume:
        js.pos += 1  # "["
    while True:
        c = js.peek()
        if c is None:
            note(
                issues,
                js.line_at(js.pos),
                f"文件在{what}列表中途结束了（可能没导出完整或被截断），之后没有内容可读",
            )
            js.stopped = True
            return
        if c == "]":
            js.pos += 1
            return
        if c == ",":
            js.pos += 1
            continue
        lineno = js.line_at(js.pos)
        if not convert and c != "{":
            js.lost = True
            return
        if c == "[":  # a stray bracket: step over it rather than read the rest of the list as one element
            note(issues, lineno, f"{what}列表里多了一个“[”，已忽略")
            js.pos += 1
            continue
        try:
            obj, start, end = js.value()
        except json.JSONDecodeError:
            if not convert:
                js.lost = True
                return
            if js.skip_to(_NEXT_ELEMENT, 1):
                note(issues, lineno, f"这一条{what}的 JSON 写坏了，已跳过")
                continue
            note(issues, lineno, f"从这一条{what}起 JSON 不完整（文件可能被截断），之后的内容读不了")
            js.stopped = True
            return
        if not convert:
            continue
        if BAD_BYTES.search(js.buf, start, end):
            note(issues, lineno, f"{BAD_BYTES_REASON}，已跳过")
            continue
        try:
            yield _chatlab_message(obj, lineno, issues, unknown)
        except Skip as exc:
            note(issues, lineno, f"{exc}，已跳过")


def _chatlab_document(js: _JsonStream, issues: list[ParseIssue]) -> Iterator[Message]:
    unknown: set = set()
    c = js.peek()
    if c == "[":  # a bare list of ChatLab messages
        yield from _chatlab_array(js, issues, unknown)
        return
    if c != "{":
        note(issues, js.line_at(js.pos), "不是 ChatLab 格式的 JSON（开头应当是 {），读不了")
        return
    js.pos += 1
    found = False
    while not js.stopped:
        c = js.peek()
        if c is None:
            if not found:
                note(issues, js.line_at(js.pos), "文件在消息列表之前就结束了（可能被截断），没有可读的消息")
            return
        if c == "}" and found:
            break
        if c == ",":
            js.pos += 1
            continue
        lineno = js.line_at(js.pos)
        if c == "{" and found:  # a message where a key should be: the list was closed too early
            note(issues, lineno, "消息列表在这里之前被一个多余的“]”提前结束了，已接着往下读")
            yield from _chatlab_array(js, issues, unknown, resume=True)
            continue
        if c == "}":  # the object closed with no message list seen: maybe a damaged part above misled us
            if js.skip_to(_MESSAGES_KEY):
                note(issues, lineno, "文件结构有错（可能有一部分写坏了），已跳到后面的消息列表接着读")
                found = True
                yield from _chatlab_array(js, issues, unknown)
                continue
            break
        try:
            if c != '"':  # not a key: do not decode it, it could swallow the rest of the file
                raise ValueError("not a key")
            key, _, _ = js.value(limit=4096)
            if not isinstance(key, str) or js.peek() != ":":
                raise ValueError("not a key")
            js.pos += 1
            nxt = js.peek()
            if key == "messages" and nxt == "[":
                found = True
                yield from _chatlab_array(js, issues, unknown)
            elif nxt == "[":
                label = "成员" if key == "members" else f"“{key}”"
                yield from _chatlab_array(js, issues, unknown, what=label, convert=False)
                if js.lost:
                    if js.skip_to(_MESSAGES_KEY):
                        note(issues, lineno, f"{label}列表写坏了，已跳过它，直接读消息列表")
                        found = True
                        yield from _chatlab_array(js, issues, unknown)
                        continue
                    note(
                        issues,
                        lineno,
                        f"{label}列表写坏了，之后也找不到 messages（消息列表），没有可读的消息",
                    )
                    return
            elif nxt is None:
                raise ValueError("truncated")
            else:
                js.value()
        except ValueError:  # json.JSONDecodeError is a ValueError
            if found:
                return  # everything after the message list is of no use here
            if js.skip_to(_MESSAGES_KEY):
                note(
                    issues,
                    lineno,
                    "消息列表前面的部分（chatlab / meta / members）写坏了，已跳过这部分，直接读消息列表",
                )
                found = True
                yield from _chatlab_array(js, issues, unknown)
            else:
                note(issues, lineno, "这里的 JSON 写坏了，之后也找不到 messages（消息列表），没有可读的消息")
                return
    if not found:
        note(issues, 0, "文件里没有 messages（消息列表），没有可读的消息")


def _chatlab_lines(lines: Iterable[str], issues: list[ParseIssue]) -> Iterator[Message]:
    unknown: set = set()
    for lineno, line in enumerate(lines, 1):
        s = line.strip().lstrip("\ufeff")
        if not s or s.startswith("#"):
            continue
        if BAD_BYTES.search(s):
            note(issues, lineno, f"{BAD_BYTES_REASON}，已跳过")
            continue
        try:
            obj = JSON.decode(s)
        except ValueError:
            note(issues, lineno, "这一行不是完整的 JSON（可能被截断了），已跳过")
            continue
        if not isinstance(obj, dict):
            note(issues, lineno, "这一行不是 JSON 对象，已跳过")
            continue
        row_type = obj.get("_type", "message")
        if row_type in ("header", "member"):
            continue
        if row_type != "message":
            note(issues, lineno, f"不认识的行类型（_type={short(row_type)}），已跳过")
            continue
        try:
            yield _chatlab_message(obj, lineno, issues, unknown)
        except Skip as exc:
            note(issues, lineno, f"{exc}，已跳过")


def _looks_like_jsonl(buf: str) -> bool:
    """True if one of the first few complete lines is a ChatLab JSONL record."""
    lines = buf.split("\n", 50)
    if len(lines) > 1:
        lines.pop()  # may be cut short
    tried = 0
    for line in lines:
        s = line.strip().lstrip("\ufeff")
        if not s or s.startswith("#"):
            continue
        if s in ("{", "[") or tried >= 5:
            return False
        tried += 1
        try:
            obj = JSON.decode(s)
        except ValueError:
            continue
        if isinstance(obj, dict) and "_type" in obj:
            return True
    return False


def read_chatlab(path: Path, encoding: str, issues: list[ParseIssue]) -> Iterator[Message]:
    with open_text(path, encoding) as f:
        js = _JsonStream(f)
        js.fill()
        if _looks_like_jsonl(js.buf):
            f.seek(0)
            yield from _chatlab_lines(f, issues)
            return
        if js.buf.startswith("\ufeff"):
            js.pos = 1
        yield from _chatlab_document(js, issues)
