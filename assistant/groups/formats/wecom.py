"""`wecom_jsonl`: 企业微信会话存档 messages after decryption, one JSON object per line. One archive holds
every chat of the company: `room` keeps one group's messages."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator
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
    read_head,
    short,
)

# msgtype values of 企业微信会话存档 messages.
_WECOM_KINDS = {
    "text": "text",
    "markdown": "text",
    "mixed": "text",
    "image": "image",
    "voice": "voice",
    "video": "video",
    "file": "file",
    "qydiskfile": "file",
    "emotion": "emoji",
    "link": "link",
    "weapp": "link",
    "news": "link",
    "docmsg": "link",
    "sphfeed": "link",
    "revoke": "system",
    "agree": "system",
    "disagree": "system",
    "card": "other",
    "location": "other",
    "chatrecord": "other",
    "todo": "other",
    "vote": "other",
    "collect": "other",
    "redpacket": "other",
    "external_redpacket": "other",
    "meeting": "other",
    "meeting_notification": "other",
    "calendar": "other",
    "meeting_voice_call": "other",
    "voip_doc_share": "other",
    "voiptext": "other",
}


def _wecom_text(obj: dict, msgtype: str) -> str:
    if msgtype == "text":
        body = obj.get("text")
    elif msgtype == "markdown":
        body = obj.get("info")
    else:  # mixed: items of several types, each with a JSON string as content
        texts = []
        mixed = obj.get("mixed")
        items = mixed.get("item") if isinstance(mixed, dict) else None
        for item in items if isinstance(items, list) else ():
            if not isinstance(item, dict) or item.get("type") != "text":
                continue
            content = item.get("content")
            if isinstance(content, str):
                try:
                    inner = JSON.decode(content)
                    content = inner.get("content") if isinstance(inner, dict) else content
                except ValueError:
                    pass
            if isinstance(content, str) and content:
                texts.append(content)
        return "\n".join(texts)
    content = body.get("content") if isinstance(body, dict) else None
    return content if isinstance(content, str) else ""


def _wecom_message(obj: dict, lineno: int, issues: list[ParseIssue], unknown: set) -> Message | None:
    action = str(obj.get("action") or "send").strip().lower()
    if action == "switch":  # "切换企业" log entry: not a chat message
        return None
    sender = obj.get("from")
    if not isinstance(sender, str) or not sender.strip():
        raise Skip("缺少发送者（from）")
    if "msgtime" not in obj:
        raise Skip("缺少发送时间（msgtime）")
    try:
        when = epoch_time(obj["msgtime"], "auto")
    except TIME_ERRORS:
        raise Skip(f"时间读不出来（{short(obj['msgtime'])}）") from None
    msgtype = str(obj.get("msgtype") or "").strip().lower()
    kind = "system" if action == "recall" else _WECOM_KINDS.get(msgtype)
    if kind is None:
        kind = "other"
        if msgtype not in unknown:
            unknown.add(msgtype)
            shown = msgtype or "没有 msgtype"
            note(
                issues, lineno, f"不认识的消息类型（{short(shown)}），按“其他”计入（同类型的后续行不再提示）"
            )
    text = ""
    if kind == "text":
        text = _wecom_text(obj, msgtype)
        if msgtype == "mixed" and not text:
            kind = "other"
    return Message(when, sender.strip(), kind, text)


_ROOM = re.compile(r'"roomid"\s*:\s*"([^"]*)"')


def wecom_rooms(path: str | Path) -> Counter[str]:
    """Messages per `roomid` in an archive ("" for one-to-one chats), from a quick scan of the raw lines."""
    _, encoding, _ = read_head(Path(path))
    rooms: Counter[str] = Counter()
    with open_text(Path(path), encoding) as f:
        for line in f:
            m = _ROOM.search(line)
            if m is not None:
                rooms[m.group(1)] += 1
            elif '"msgid"' in line:
                rooms[""] += 1
    return rooms


def read_wecom(
    path: Path, encoding: str, issues: list[ParseIssue], room: str | None = None
) -> Iterator[Message]:
    """`room`: keep only that group's messages (lines of other chats are passed over without a word)."""
    unknown: set = set()
    with open_text(path, encoding) as f:
        for lineno, line in enumerate(f, 1):
            s = line.strip().lstrip("\ufeff")
            if not s:
                continue
            if room is not None and (m := _ROOM.search(s)) is not None and m.group(1) != room:
                continue  # another chat of the archive
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
            if room is not None and str(obj.get("roomid") or "") != room and obj.get("action") != "switch":
                continue  # a one-to-one chat (no roomid)
            try:
                message = _wecom_message(obj, lineno, issues, unknown)
            except Skip as exc:
                note(issues, lineno, f"{exc}，已跳过")
                continue
            if message is not None:
                yield message
