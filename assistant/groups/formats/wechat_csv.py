"""`wechat_csv`: CSV from the desktop WeChat exporters (WeChatMsg / 留痕 12-column, MemoTrace 8-column,
chatlog), in any of the encodings Excel leaves behind. See docs/groups.md."""

from __future__ import annotations

import csv
import itertools
import re
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

from assistant.groups.formats.common import (
    BAD_BYTES,
    BAD_BYTES_REASON,
    TIME_ERRORS,
    HeaderProblem,
    Message,
    ParseIssue,
    Skip,
    epoch_time,
    kind_from_placeholder,
    local_time,
    note,
    open_text,
    short,
)

CSV_HEADERLESS_LEGACY = re.compile(r"\d+,\d+,-?\d+,-?\d+,[01],\d{9,13},")


def _norm_col(name: str) -> str:
    return re.sub(r"[\s_\-\ufeff]", "", name).lower()


def csv_layout(header: list[str]) -> tuple[str, dict[str, int]] | None:
    cols: dict[str, int] = {}
    for i, name in enumerate(header):
        cols.setdefault(_norm_col(name), i)
    keys = cols.keys()
    if (
        {"localid", "strcontent"} <= keys
        or {"talkerid", "issender"} <= keys
        or {"strcontent", "createtime"} <= keys
    ):
        return "legacy", cols
    if "发送人" in keys or {"消息id", "类型"} <= keys or {"类型", "内容"} <= keys:
        return "memotrace", cols
    if "sendername" in keys or {"talker", "content"} <= keys or {"time", "sender", "content"} <= keys:
        return "chatlog", cols
    return None


_LEGACY_COLUMNS = (
    "localid",
    "talkerid",
    "type",
    "subtype",
    "issender",
    "createtime",
    "status",
    "strcontent",
    "strtime",
    "remark",
    "nickname",
    "sender",
)
# Type codes of the desktop WeChat MSG table (the CSV's Type column).
_LEGACY_TYPES = {
    1: "text",
    3: "image",
    34: "voice",
    43: "video",
    62: "video",
    47: "emoji",
    42: "other",
    48: "other",
    50: "other",
    37: "other",
    40: "other",
    65: "other",
    66: "other",
    10000: "system",
    10002: "system",
}
# Type 49 ("app message") is split by SubType.
_LEGACY_APPMSG = {
    1: "text",
    57: "text",
    3: "link",
    4: "link",
    5: "link",
    33: "link",
    36: "link",
    51: "link",
    63: "link",
    6: "file",
    74: "file",
    8: "emoji",
    62: "system",
}


def _legacy_kind(type_code: int, sub: int) -> str | None:
    if type_code > 0xFFFFFFFF:  # (SubType << 32) | Type, as wxManager stores it
        type_code, sub = type_code & 0xFFFFFFFF, type_code >> 32
    if type_code == 49:
        return _LEGACY_APPMSG.get(sub, "other")
    return _LEGACY_TYPES.get(type_code)


_MEMOTRACE_TYPES = {
    "文本": "text",
    "引用消息": "text",
    "图片": "image",
    "语音": "voice",
    "视频": "video",
    "表情包": "emoji",
    "文件": "file",
    "分享链接": "link",
    "音乐分享": "link",
    "小程序": "link",
    "视频号": "link",
    "系统消息": "system",
    "拍一拍": "system",
    "位置分享": "other",
    "红包": "other",
    "转账": "other",
    "合并转发的聊天记录": "other",
    "个人/公众号名片": "other",
    "企业微信名片": "other",
    "音视频通话": "other",
    "收藏笔记": "other",
    "未知类型": "other",
}

_Converter = Callable[[int, list[str]], Message]


def _cell(row: list[str], index: int | None) -> str:
    return row[index].strip() if index is not None and index < len(row) else ""


def _legacy_converter(cols: dict[str, int], width: int, issues: list[ParseIssue]) -> _Converter:
    missing = []
    if "type" not in cols:
        missing.append("Type")
    if "createtime" not in cols and "strtime" not in cols:
        missing.append("CreateTime 或 StrTime")
    if "strcontent" not in cols:
        missing.append("StrContent")
    if missing:
        raise HeaderProblem(f"表头里缺少 {'、'.join(missing)} 列，这份 CSV 读不了")
    i_type, i_text = cols["type"], cols["strcontent"]
    i_sub, i_self, i_talker = cols.get("subtype"), cols.get("issender"), cols.get("talkerid")
    i_ct, i_st = cols.get("createtime"), cols.get("strtime")
    name_cols = [cols[c] for c in ("remark", "nickname", "sender") if c in cols]
    unknown: set[int] = set()

    def convert(lineno: int, row: list[str]) -> Message:
        if len(row) < width:
            raise Skip(f"少了列（应有 {width} 列，这一行只有 {len(row)} 列）")
        raw_type = row[i_type].strip()
        try:
            type_code = int(raw_type)
        except ValueError:
            raise Skip(f"消息类型不是数字（{short(raw_type)}）") from None
        sub_text = _cell(row, i_sub)
        sub = int(sub_text) if sub_text.isdigit() else 0
        when = None
        if _cell(row, i_ct):
            try:
                when = epoch_time(_cell(row, i_ct), "auto")
            except TIME_ERRORS:
                when = None
        if when is None and _cell(row, i_st):
            try:
                when = local_time(_cell(row, i_st))
            except TIME_ERRORS:
                when = None
        if when is None:
            raise Skip(f"时间读不出来（{short(_cell(row, i_st) or _cell(row, i_ct))}）")
        kind = _legacy_kind(type_code, sub)
        if kind is None:
            kind = "other"
            if type_code not in unknown:
                unknown.add(type_code)
                note(
                    issues,
                    lineno,
                    f"不认识的消息类型（Type={type_code}），按“其他”计入（同类型的后续行不再提示）",
                )
        sender = next((row[i].strip() for i in name_cols if i < len(row) and row[i].strip()), "")
        if not sender and kind != "system":
            if _cell(row, i_self) == "1":
                sender = "我"
            elif len(row) > width:  # the old 9-column header: rows carry one more, unnamed, column
                sender = row[width].strip()
            else:
                sender = _cell(row, i_talker)
        return Message(when, sender, kind, row[i_text] if kind == "text" else "")

    return convert


def _memotrace_converter(cols: dict[str, int], width: int, issues: list[ParseIssue]) -> _Converter:
    missing = [name for name in ("类型", "时间", "内容") if name not in cols]
    name_cols = [cols[c] for c in ("发送人", "昵称", "备注") if c in cols]
    if not name_cols:
        missing.append("发送人")
    if missing:
        raise HeaderProblem(f"表头里缺少 {'、'.join(missing)} 列，这份 CSV 读不了")
    i_type, i_time, i_text = cols["类型"], cols["时间"], cols["内容"]
    unknown: set[str] = set()

    def convert(lineno: int, row: list[str]) -> Message:
        if len(row) < width:
            raise Skip(f"少了列（应有 {width} 列，这一行只有 {len(row)} 列）")
        try:
            when = local_time(row[i_time])
        except TIME_ERRORS:
            raise Skip(f"时间读不出来（{short(row[i_time])}）") from None
        type_name = row[i_type].strip()
        kind = _MEMOTRACE_TYPES.get(type_name)
        if kind is None:
            kind = "other"
            if type_name not in unknown:
                unknown.add(type_name)
                note(
                    issues,
                    lineno,
                    f"不认识的消息类型（{short(type_name)}），按“其他”计入（同类型的后续行不再提示）",
                )
        sender = next((row[i].strip() for i in name_cols if row[i].strip()), "")
        return Message(when, sender, kind, row[i_text] if kind == "text" else "")

    return convert


def _chatlog_converter(cols: dict[str, int], width: int, issues: list[ParseIssue]) -> _Converter:
    missing = [name for name in ("time", "content") if name not in cols]
    name_cols = [cols[c] for c in ("sendername", "sender") if c in cols]
    if not name_cols:
        missing.append("SenderName")
    if missing:
        raise HeaderProblem(f"表头里缺少 {'、'.join(missing)} 列，这份 CSV 读不了")
    i_time, i_text = cols["time"], cols["content"]

    def convert(lineno: int, row: list[str]) -> Message:
        if len(row) < width:
            raise Skip(f"少了列（应有 {width} 列，这一行只有 {len(row)} 列）")
        try:
            when = local_time(row[i_time])
        except TIME_ERRORS:
            raise Skip(f"时间读不出来（{short(row[i_time])}）") from None
        sender = next((row[i].strip() for i in name_cols if row[i].strip()), "")
        content = row[i_text]
        kind = kind_from_placeholder(content) or ("text" if sender else "system")
        return Message(when, sender, kind, content if kind == "text" else "")

    return convert


_CSV_CONVERTERS = {
    "legacy": _legacy_converter,
    "memotrace": _memotrace_converter,
    "chatlog": _chatlog_converter,
}
_MAX_RECORD_LINES = 5000


def _csv_records(
    lines: Iterable[str],
    first_lineno: int,
    delimiter: str,
    issues: list[ParseIssue],
    plausible: Callable[[list[str]], bool],
) -> Iterator[tuple[int, list[str]]]:
    """Split CSV text into records, yielding (line where it starts, fields).

    A line without quotes is one record and is split directly (a writer quotes
    every field holding the delimiter, so this is exact).  A line with quotes
    takes following lines until its quotes pair up, then goes through the csv
    module.  If they never pair up, or the joined record has an implausible
    number of fields, the record is reported and the lines it swallowed are
    read again one by one, so one stray quote costs one record, not the rest
    of the file.
    """
    source = enumerate(lines, first_lineno)
    replay: deque[tuple[int, str]] = deque()

    def pull() -> tuple[int, str] | None:
        return replay.popleft() if replay else next(source, None)

    while True:
        item = pull()
        if item is None:
            return
        lineno, line = item
        if '"' not in line:
            body = line.rstrip("\r\n")
            if not body.strip():
                continue
            if BAD_BYTES.search(body):
                note(issues, lineno, f"{BAD_BYTES_REASON}，已跳过")
                continue
            yield lineno, body.split(delimiter)
            continue
        parts = [line]
        taken: list[tuple[int, str]] = []
        quotes = line.count('"')
        while quotes % 2 and len(taken) < _MAX_RECORD_LINES:
            nxt = pull()
            if nxt is None:
                break
            taken.append(nxt)
            parts.append(nxt[1])
            quotes += nxt[1].count('"')
        if quotes % 2 == 0:
            try:
                rows = list(csv.reader(parts, delimiter=delimiter))
            except csv.Error:
                rows = []
            if len(rows) == 1 and (not taken or plausible(rows[0])):
                if any(BAD_BYTES.search(p) for p in parts):
                    note(issues, lineno, f"{BAD_BYTES_REASON}，已跳过")
                else:
                    yield lineno, rows[0]
                continue
            if not rows and not taken:
                continue
        note(issues, lineno, "引号没有配对（这一行可能被截断或改坏了），已跳过")
        replay.extendleft(reversed(taken))


def read_wechat_csv(path: Path, encoding: str, issues: list[ParseIssue]) -> Iterator[Message]:
    with open_text(path, encoding) as f:
        first = f.readline().lstrip("\ufeff")
        while first and not first.strip():  # leading blank lines
            first = f.readline()
        if not first:
            return
        delimiter = "\t" if first.count("\t") > first.count(",") else ","
        convert: _Converter | None = None
        problem = None
        candidates = (
            next(csv.reader([first], delimiter=delimiter), []),
            first.replace('"', "").rstrip("\r\n").split(delimiter),  # the header with a stray quote ignored
        )
        for attempt, header in enumerate(candidates):
            layout = csv_layout(header)
            if layout is None:
                continue
            name, cols = layout
            width = len(header)
            try:
                convert = _CSV_CONVERTERS[name](cols, width, issues)
            except HeaderProblem as exc:
                problem = problem or str(exc)
                continue
            if attempt:
                note(issues, 1, "表头里的引号没有配对，已忽略引号读表头")
            break
        if convert is None and problem is not None:
            note(issues, 1, problem)
            return
        if convert is not None:
            lines: Iterable[str] = f
            first_lineno = 2
        elif CSV_HEADERLESS_LEGACY.match(first):
            cols = {name: i for i, name in enumerate(_LEGACY_COLUMNS)}
            width = 9  # localId..StrTime; the three sender columns may be absent
            convert = _legacy_converter(cols, width, issues)
            lines = itertools.chain([first], f)
            first_lineno = 1
        else:
            note(issues, 1, f"表头不是认识的微信导出格式（{short(first.strip(), 60)}），这份 CSV 读不了")
            return

        def plausible(row: list[str]) -> bool:
            return width <= len(row) <= max(width + 1, 13 if first_lineno == 1 else 0)

        for lineno, row in _csv_records(lines, first_lineno, delimiter, issues, plausible):
            try:
                yield convert(lineno, row)
            except Skip as exc:
                note(issues, lineno, f"{exc}，已跳过")
