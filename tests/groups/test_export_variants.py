"""What the package adds to the readers: one group out of a 企业微信 archive, content lines shaped like headers."""

from __future__ import annotations

import json
from datetime import datetime

from assistant.groups.exports import ParseIssue, iter_messages, wecom_rooms


def _wecom_line(msgid: str, room: str, sender: str, ms: int, text: str) -> str:
    obj = {
        "msgid": msgid,
        "action": "send",
        "from": sender,
        "tolist": ["x"],
        "msgtime": ms,
        "msgtype": "text",
        "text": {"content": text},
    }
    if room:
        obj["roomid"] = room
    return json.dumps(obj, ensure_ascii=False)


def test_wecom_archive_keeps_one_room(tmp_path):
    lines = [
        _wecom_line("1", "wrA", "XiaoLu", 1796389205000, "宝妈群的话题"),
        _wecom_line("2", "wrB", "Boss", 1796389206000, "另一个群"),
        _wecom_line("3", "", "XiaoLu", 1796389207000, "单聊"),
        _wecom_line("4", "wrA", "wmDouDou", 1796389208000, "我家用的是这个"),
        '{"msgid": "5", "roomid": "wrB", "from": "Boss", "msgtime": 17963',  # cut, but plainly another room
        '{"msgid": "6", "roomid": "wrA", "from": "wmDou',  # cut, in our room: reported
    ]
    path = tmp_path / "archive.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    assert wecom_rooms(path) == {"wrA": 3, "wrB": 2, "": 1}
    issues: list[ParseIssue] = []
    got = list(iter_messages(path, issues=issues, room="wrA"))
    assert [m.text for m in got] == ["宝妈群的话题", "我家用的是这个"]
    assert [i.line for i in issues] == [6]
    everything = list(iter_messages(path))
    assert len(everything) == 4  # without a room every chat comes through


def test_plain_content_line_that_looks_like_a_header(tmp_path):
    text = (
        "2026-12-04 21:02:11 小鹿老师\n"
        "周六活动改期了，原来的时间是\n"
        "2026-12-01 09:00 在社区活动中心集合\n"
        "\n"
        "2026-12-04 21:03:00 豆豆妈\n"
        "收到\n"
        "\n"
        "2026-12-04 21:04:00 这是一句特别特别长的话它正好在结尾带了个时间所以看起来像抬头但名字太长了 2026-12-05 10:00\n"
    )
    path = tmp_path / "chat.txt"
    path.write_text(text, encoding="utf-8")
    issues: list[ParseIssue] = []
    got = list(iter_messages(path, issues=issues))
    assert [m.sender for m in got] == ["小鹿老师", "豆豆妈"]
    assert got[1].text.endswith(
        "所以看起来像抬头但名字太长了 2026-12-05 10:00"
    )  # a "name" that long is a sentence
    assert got[0].text == "周六活动改期了，原来的时间是\n2026-12-01 09:00 在社区活动中心集合"
    assert got[0].time == datetime(2026, 12, 4, 21, 2, 11)
    assert [i.line for i in issues] == [3] and "正文" in issues[0].reason
