"""Generated exports of any size in each of the four shapes (the 100k tests and benchmarks/groups.py):
`WRITERS[fmt]` = (file name, writer(path, n)); `synth(i)` says what message i must read back as."""

from __future__ import annotations

import csv
import json
from datetime import datetime, timedelta
from pathlib import Path

from assistant.groups.exports import Message

SENDERS = ("小鹿老师", "豆豆妈", "糖糖妈妈", "一一妈", "乐乐爸", "橙子妈", "安安外婆", "朵朵妈")
WXIDS = {name: f"wxid_demo{i:02d}" for i, name in enumerate(SENDERS)}
START = datetime(2026, 1, 1, 6, 0, 0)
WEATHER = ("下雨", "晴天", "降温", "大风")


def synth(i: int) -> Message:
    """Message i of a generated export (China local time, 37 s apart)."""
    when = START + timedelta(seconds=37 * i)
    sender = SENDERS[(i * 5 + i // 11) % len(SENDERS)]
    r = i % 20
    if r == 7:
        return Message(when, sender, "image", "")
    if r == 13:
        return Message(when, sender, "emoji", "")
    if r == 19 and i % 100 == 99:
        return Message(when, "", "system", "")
    text = f"第{i}条：今天{WEATHER[i % 4]}，孩子穿什么鞋？"
    if i % 50 == 0:
        text += '\n第二行，带逗号,也带"引号"'
    return Message(when, sender, "text", text)


def _epoch(when: datetime) -> int:
    return int((when - timedelta(hours=8) - datetime(1970, 1, 1)).total_seconds())


def write_wechat_csv(path: Path, n: int) -> None:
    """WeChatMsg / 留痕 12-column CSV, UTF-8 with BOM."""
    with open(path, "w", encoding="utf-8-sig", newline="") as f:
        w = csv.writer(f)
        w.writerow(
            [
                "localId",
                "TalkerId",
                "Type",
                "SubType",
                "IsSender",
                "CreateTime",
                "Status",
                "StrContent",
                "StrTime",
                "Remark",
                "NickName",
                "Sender",
            ]
        )
        for i in range(n):
            m = synth(i)
            t, content = {
                "text": (1, m.text),
                "image": (3, '<msg><img length="1024" /></msg>'),
                "emoji": (47, '<msg><emoji type="2" /></msg>'),
                "system": (10000, '"豆豆妈"邀请"新朋友"加入了群聊'),
            }[m.kind]
            names = [m.sender, m.sender, WXIDS[m.sender]] if m.sender else ["", "", ""]
            w.writerow(
                [
                    i + 1,
                    57,
                    t,
                    0,
                    int(m.sender == "小鹿老师"),
                    _epoch(m.time),
                    2,
                    content,
                    m.time.strftime("%Y-%m-%d %H:%M:%S"),
                    *names,
                ]
            )


def write_plain_text(path: Path, n: int) -> None:
    """ "时间 昵称" headers, content, blank line; system notices under a time-only header."""
    with open(path, "w", encoding="utf-8", newline="\n") as f:
        for i in range(n):
            m = synth(i)
            stamp = m.time.strftime("%Y-%m-%d %H:%M:%S")
            if m.kind == "system":
                f.write(f'{stamp}\n"豆豆妈"邀请"新朋友"加入了群聊\n\n')
            else:
                body = {"text": m.text, "image": "[图片]", "emoji": "[动画表情]"}[m.kind]
                f.write(f"{stamp} {m.sender}\n{body}\n\n")


def write_chatlab_json(path: Path, n: int) -> None:
    """One ChatLab document, messages pretty-printed, written without building it in memory."""
    codes = {"text": 0, "image": 1, "emoji": 5, "system": 80}
    with open(path, "w", encoding="utf-8") as f:
        head = {
            "chatlab": {"version": "0.0.2", "exportedAt": _epoch(START)},
            "meta": {"name": "阳光宝妈交流群", "platform": "wechat", "type": "group"},
            "members": [{"platformId": WXIDS[s], "accountName": s} for s in SENDERS],
        }
        f.write(json.dumps(head, ensure_ascii=False, indent=2)[:-2] + ',\n  "messages": [\n')
        for i in range(n):
            m = synth(i)
            msg = {
                "sender": WXIDS.get(m.sender, "system"),
                "accountName": m.sender,
                "timestamp": _epoch(m.time),
                "type": codes[m.kind],
                "content": m.text if m.kind == "text" else None,
            }
            text = json.dumps(msg, ensure_ascii=False, indent=2).replace("\n", "\n    ")
            f.write(("    " if i == 0 else ",\n    ") + text)
        f.write("\n  ]\n}\n")


def write_wecom_jsonl(path: Path, n: int) -> None:
    """企业微信会话存档 lines; the system entries become recalls."""
    with open(path, "w", encoding="utf-8") as f:
        for i in range(n):
            m = synth(i)
            ms = _epoch(m.time) * 1000 + i % 1000
            obj = {
                "msgid": f"{i}_{ms}_external",
                "action": "send",
                "from": WXIDS.get(m.sender, "wxid_demo01"),
                "tolist": ["wxid_demo00"],
                "roomid": "wrDemoRoom",
                "msgtime": ms,
            }
            if m.kind == "text":
                obj.update(msgtype="text", text={"content": m.text})
            elif m.kind == "image":
                obj.update(msgtype="image", image={"md5sum": "0" * 32, "filesize": 1024, "sdkfileid": "Ct0"})
            elif m.kind == "emoji":
                obj.update(msgtype="emotion", emotion={"type": 1, "width": 120, "height": 120})
            else:
                obj.update(action="recall", msgtype="revoke", revoke={"pre_msgid": f"{i - 1}_x"})
            f.write(json.dumps(obj, ensure_ascii=False) + "\n")


WRITERS = {
    "wechat_csv": ("export.csv", write_wechat_csv),
    "chatlab_json": ("export.json", write_chatlab_json),
    "wecom_jsonl": ("export.jsonl", write_wecom_jsonl),
    "plain_text": ("export.txt", write_plain_text),
}
