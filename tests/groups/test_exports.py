"""Tests for exports: every format from fixtures, every broken variant, detection, 100k files."""

from __future__ import annotations

import codecs
import dataclasses
import importlib.util
import json
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

import export_samples
import pytest

from assistant.groups import exports
from assistant.groups.exports import FORMATS, Message, ParseIssue, detect_format, iter_messages
from assistant.groups.formats import chatlab, common

FIX = Path(__file__).resolve().parent / "fixtures"

_spec = importlib.util.spec_from_file_location("make_fixtures", FIX / "make_fixtures.py")
scenario = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(scenario)

TOPIC = "宝妈们，你家孩子下雨天穿什么鞋上学？"

# every fixture holding the whole four-day conversation, with its format
FULL = {
    "wechat_legacy.csv": "wechat_csv",
    "memotrace.csv": "wechat_csv",
    "chatlog.csv": "wechat_csv",
    "chatlab.json": "chatlab_json",
    "chatlab.jsonl": "chatlab_json",
    "wecom.jsonl": "wecom_jsonl",
    "plain_time_name.txt": "plain_text",
    "plain_name_time.txt": "plain_text",
    "plain_no_seconds.txt": "plain_text",
}


def read(name: str | Path, fmt: str | None = None) -> tuple[list[Message], list[ParseIssue]]:
    issues: list[ParseIssue] = []
    path = name if isinstance(name, Path) else FIX / name
    return list(iter_messages(path, fmt, issues)), issues


def lines_of(name: str) -> list[str]:
    return (FIX / name).read_text(encoding="utf-8-sig").split("\n")


def line_with(name: str, needle: str) -> int:
    """1-based number of the first line containing needle."""
    return next(i for i, line in enumerate(lines_of(name), 1) if needle in line)


# ------------------------------------------------------------------ API shape


def test_public_names():
    assert FORMATS == ("wechat_csv", "chatlab_json", "wecom_jsonl", "plain_text")
    assert set(exports.KINDS) == {
        "text",
        "image",
        "voice",
        "video",
        "file",
        "link",
        "emoji",
        "system",
        "other",
    }


def test_message_is_frozen_and_slotted():
    m = Message(datetime(2026, 12, 4, 21, 0, 5), "小鹿老师", "text", TOPIC)
    with pytest.raises(dataclasses.FrozenInstanceError):
        m.text = "改"  # type: ignore[misc]
    assert not hasattr(m, "__dict__")
    issue = ParseIssue(12, "第 12 行：时间读不出来（2026-13-40）")
    with pytest.raises(dataclasses.FrozenInstanceError):
        issue.line = 3  # type: ignore[misc]


def test_iter_messages_is_lazy_iterator():
    it = iter_messages(FIX / "chatlab.json")
    assert iter(it) is it
    assert next(it).text.startswith("早上好呀各位宝妈")


# ------------------------------------------------------------------ detection


@pytest.mark.parametrize("name,fmt", sorted(FULL.items()))
def test_detect_full_fixtures(name, fmt):
    assert detect_format(FIX / name) == fmt


@pytest.mark.parametrize(
    "name,fmt",
    [
        ("broken_bad_time.csv", "wechat_csv"),
        ("broken_missing_column.csv", "wechat_csv"),
        ("broken_no_time_column.csv", "wechat_csv"),
        ("broken_unknown_type.csv", "wechat_csv"),
        ("broken_mixed_encoding.csv", "wechat_csv"),
        ("broken_stray_quote.csv", "wechat_csv"),
        ("gbk_excel.csv", "wechat_csv"),
        ("broken_truncated.jsonl", "wecom_jsonl"),
        ("broken_chatlab_truncated.json", "chatlab_json"),
        ("broken_chatlab_syntax.json", "chatlab_json"),
        ("broken_mixed_encoding.txt", "plain_text"),
        ("broken_plain.txt", "plain_text"),
    ],
)
def test_detect_broken_fixtures(name, fmt):
    assert detect_format(FIX / name) == fmt


def test_detect_rejects_prose_with_chinese_message():
    with pytest.raises(ValueError, match="认不出这个文件的格式"):
        detect_format(FIX / "not_a_chat.txt")
    with pytest.raises(ValueError, match="认不出"):
        iter_messages(FIX / "not_a_chat.txt")


def test_detect_rejects_empty_file():
    with pytest.raises(ValueError, match="文件是空的"):
        detect_format(FIX / "empty.csv")


def test_detect_first_line_of_wecom_broken(tmp_path):
    good = (FIX / "wecom.jsonl").read_text(encoding="utf-8").splitlines()
    path = tmp_path / "cut_first.jsonl"
    path.write_text(good[0][:30] + "\n" + "\n".join(good[1:]) + "\n", encoding="utf-8")
    assert detect_format(path) == "wecom_jsonl"


def test_unknown_fmt_argument():
    with pytest.raises(ValueError, match="不支持的格式"):
        iter_messages(FIX / "chatlog.csv", fmt="excel")


# ------------------------------------------------------------------ full fixtures


@pytest.mark.parametrize("name", sorted(FULL))
def test_full_fixture_matches_scenario(name):
    messages, issues = read(name)
    assert len(messages) == len(scenario.SCENARIO) == 51
    for got, (stamp, _who, kind, payload) in zip(messages, scenario.SCENARIO, strict=True):
        expected_time = scenario.when(stamp)
        if name == "plain_no_seconds.txt":
            expected_time = expected_time.replace(second=0)
        assert got.time.replace(microsecond=0) == expected_time
        assert got.kind == scenario.EXPECTED_KIND.get(kind, kind)
        assert got.kind in exports.KINDS
        if got.kind == "text":
            assert got.text == payload
        else:
            assert got.text == ""
    # only the plain copy-paste with a title line has something to report
    assert [i.line for i in issues] == ([1] if name == "plain_name_time.txt" else [])


@pytest.mark.parametrize("name", sorted(FULL))
def test_topic_post_and_its_replies(name):
    """The use case: find the operator's topic post and the replies within 10 minutes."""
    messages, _ = read(name)
    topic = next(m for m in messages if m.kind == "text" and m.text == TOPIC)
    window = [
        m
        for m in messages
        if topic.time < m.time <= topic.time + timedelta(minutes=10)
        and m.sender != topic.sender
        and m.kind != "system"
    ]
    assert len(window) == 10
    assert len({m.sender for m in window}) == 7


def test_same_kinds_everywhere():
    kinds = {name: Counter(m.kind for m in read(name)[0]) for name in FULL}
    expected = Counter(
        {"text": 38, "image": 3, "link": 3, "emoji": 2, "system": 2, "voice": 1, "video": 1, "file": 1}
    )
    assert all(k == expected for k in kinds.values()), kinds


def test_wechat_legacy_csv():
    messages, _ = read("wechat_legacy.csv")
    first, last = messages[0], messages[-1]
    assert first == Message(
        datetime(2026, 12, 1, 7, 12, 30),
        "小鹿老师",
        "text",
        "早上好呀各位宝妈，今天降温了，出门记得给娃加衣服～",
    )
    assert last == Message(datetime(2026, 12, 4, 22, 30), "一一妈", "text", "晚安啦")
    # CreateTime is epoch seconds; it is read as China time, whatever this machine's zone is
    utc = datetime.fromtimestamp(1796080350, UTC).replace(tzinfo=None)
    assert first.time == utc + timedelta(hours=8)
    # Remark wins over NickName; system rows name nobody
    assert messages[5] == Message(datetime(2026, 12, 1, 12, 20, 11), "乐乐爸-大班", "image", "")
    assert messages[11] == Message(datetime(2026, 12, 1, 21, 40, 2), "", "system", "")
    assert messages[9].kind == "link" and messages[20].kind == "file"  # Type 49 with SubType 5 / 6
    assert messages[28].text == "提醒：周六亲子活动\n1. 带水杯\n2. 带小零食\n3. 穿运动鞋，方便做游戏"


def test_memotrace_csv():
    messages, _ = read("memotrace.csv")
    link = messages[9]
    assert link == Message(datetime(2026, 12, 1, 21, 5, 9), "小鹿老师", "link", "")
    assert messages[23] == Message(datetime(2026, 12, 2, 20, 34, 2), "", "system", "")
    assert messages[43].text == "[捂脸]我家的雨靴去年就小了"  # inline emoji code stays text


def test_chatlog_csv():
    messages, _ = read("chatlog.csv")
    assert [m.kind for m in messages[:3]] == ["text", "text", "emoji"]
    assert messages[20].kind == "file" and messages[32].kind == "link"
    assert messages[11].sender == "" and messages[11].kind == "system"
    assert messages[40].sender == "乐乐爸"


def test_chatlab_json():
    messages, issues = read("chatlab.json")
    assert not issues
    assert messages[0].sender == "小鹿老师（群主）"  # groupNickname before accountName
    assert messages[5].sender == "乐乐爸-大班"
    assert messages[1].sender == "豆豆妈"
    reply = next(m for m in messages if m.text == "对，我们学校有鞋柜")  # type 25 (reply) is text
    assert reply.kind == "text" and reply.time == datetime(2026, 12, 4, 21, 8, 30)
    join = messages[11]
    assert join == Message(datetime(2026, 12, 1, 21, 40, 2), "系统消息", "system", "")
    assert messages[23].kind == "system" and messages[23].sender == "乐乐爸-大班"  # recall
    doc = json.loads((FIX / "chatlab.json").read_text(encoding="utf-8"))
    ts = doc["messages"][36]["timestamp"]
    assert messages[36].time == datetime(1970, 1, 1) + timedelta(seconds=ts, hours=8)
    assert messages[36].text == TOPIC


def test_chatlab_jsonl_equals_json():
    assert read("chatlab.jsonl") == read("chatlab.json")


def test_chatlab_small_chunks(monkeypatch):
    """Elements split across reads give the same messages and the same line numbers."""
    expected = {
        name: read(name)
        for name in ("chatlab.json", "broken_chatlab_syntax.json", "broken_chatlab_truncated.json")
    }
    monkeypatch.setattr(chatlab._JsonStream, "CHUNK", 7)
    for name, result in expected.items():
        assert read(name) == result


def test_chatlab_millisecond_and_string_values(tmp_path):
    doc = {
        "chatlab": {"version": "0.0.2", "exportedAt": 1},
        "meta": {"name": "g", "platform": "wechat", "type": "group"},
        "members": [],
        "messages": [
            {"sender": "a", "accountName": "甲", "timestamp": 1796130005123, "type": 0, "content": "毫秒"},
            {"sender": "b", "accountName": "乙", "timestamp": "1796130006", "type": "0", "content": "字符串"},
            {"sender": "c", "accountName": "丙", "timestamp": 1796130007, "type": 42, "content": "?"},
        ],
    }
    path = tmp_path / "ms.json"
    path.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")  # minified, one line
    messages, issues = read(path)
    assert messages[0].time == datetime(2026, 12, 1, 21, 0, 5, 123000)
    assert messages[1].text == "字符串"
    assert messages[2].kind == "other"
    assert [i.line for i in issues] == [1] and "type=42" in issues[0].reason


def test_wecom_jsonl():
    messages, issues = read("wecom.jsonl")
    assert not issues
    raw = [json.loads(line) for line in lines_of("wecom.jsonl") if line.strip()]
    assert len(raw) == 52 and sum(o["action"] == "switch" for o in raw) == 1  # switch entry skipped
    first = messages[0]
    assert first.sender == "XiaoLu" and first.kind == "text"
    sent = [o for o in raw if o["action"] != "switch"]
    for got, obj in zip(messages, sent, strict=True):
        ms = int(obj["msgtime"])
        assert got.time == datetime(1970, 1, 1, 8) + timedelta(milliseconds=ms)
        assert got.sender == obj["from"]
    assert messages[1].time == datetime(2026, 12, 1, 7, 15, 2, 37000)  # milliseconds kept
    assert messages[5].kind == "image"  # msgtime given as a string
    assert messages[11].kind == "system"  # agree
    assert messages[23].kind == "system"  # action recall / msgtype revoke
    assert messages[9].kind == "link" and messages[2].kind == "emoji"


def test_wecom_markdown_and_mixed(tmp_path):
    lines = [
        {
            "msgid": "1",
            "action": "send",
            "from": "robot",
            "tolist": [],
            "roomid": "r",
            "msgtime": 1796130005000,
            "msgtype": "markdown",
            "info": {"content": "**周六活动**"},
        },
        {
            "msgid": "2",
            "action": "send",
            "from": "XiaoLu",
            "tolist": [],
            "roomid": "r",
            "msgtime": 1796130006000,
            "msgtype": "mixed",
            "mixed": {
                "item": [
                    {"type": "text", "content": json.dumps({"content": "看这双"}, ensure_ascii=False)},
                    {"type": "image", "content": json.dumps({"md5sum": "0"})},
                ]
            },
        },
        {
            "msgid": "3",
            "action": "send",
            "from": "XiaoLu",
            "tolist": [],
            "roomid": "r",
            "msgtime": 1796130007000,
            "msgtype": "mixed",
            "mixed": {"item": [{"type": "image", "content": "{}"}]},
        },
    ]
    path = tmp_path / "w.jsonl"
    path.write_text("".join(json.dumps(o, ensure_ascii=False) + "\n" for o in lines), encoding="utf-8")
    messages, issues = read(path)
    assert [(m.kind, m.text) for m in messages] == [
        ("text", "**周六活动**"),
        ("text", "看这双"),
        ("other", ""),
    ]
    assert not issues


def test_plain_text_variants():
    a, _ = read("plain_time_name.txt")
    b, b_issues = read("plain_name_time.txt")
    c, _ = read("plain_no_seconds.txt")
    assert a == b
    assert [m.time.replace(second=0) for m in a] == [m.time for m in c]
    assert a[28].text == c[28].text == "提醒：周六亲子活动\n1. 带水杯\n2. 带小零食\n3. 穿运动鞋，方便做游戏"
    assert a[11] == Message(datetime(2026, 12, 1, 21, 40, 2), "", "system", "")
    assert b_issues[0].line == 1 and "抬头" in b_issues[0].reason  # the title line


# ------------------------------------------------------------------ broken variants


def test_broken_bad_time():
    messages, issues = read("broken_bad_time.csv")
    assert [m.sender for m in messages] == ["豆豆妈", "糖糖妈妈", "橙子妈"]
    assert [i.line for i in issues] == [4, 5]
    assert issues[0].reason == "第 4 行：时间读不出来（2026-13-40 21:02:11），已跳过"
    assert "昨天晚上" in issues[1].reason


def test_broken_missing_column():
    messages, issues = read("broken_missing_column.csv")
    assert len(messages) == 7
    assert [i.line for i in issues] == [5]
    assert "少了列" in issues[0].reason and "9 列" in issues[0].reason
    assert messages[2].kind == "text" and messages[2].text == "今天幼儿园要带水杯吗？"  # the row after


def test_broken_no_time_column():
    messages, issues = read("broken_no_time_column.csv")
    assert messages == []
    assert [i.line for i in issues] == [1] and "时间" in issues[0].reason


def test_broken_unknown_type():
    messages, issues = read("broken_unknown_type.csv")
    assert [m.kind for m in messages] == ["text", "other", "emoji", "text", "other", "text"]
    assert messages[1].sender == "豆豆妈"  # kept, as "other"
    assert [i.line for i in issues] == [3, 5]  # the second Type=99999 row is not reported again
    assert "Type=99999" in issues[0].reason and "其他" in issues[0].reason
    assert "abc" in issues[1].reason and issues[1].reason.endswith("已跳过")


def test_broken_mixed_encoding_csv():
    messages, issues = read("broken_mixed_encoding.csv")
    assert len(messages) == 5 and "今天幼儿园要带水杯吗？" not in [m.text for m in messages]
    assert [i.line for i in issues] == [5] and "字节" in issues[0].reason
    assert messages[-1].kind == "image"  # rows after the bad one are kept


def test_broken_stray_quote_costs_one_row():
    messages, issues = read("broken_stray_quote.csv")
    assert [i.line for i in issues] == [3] and "引号" in issues[0].reason
    assert [m.kind for m in messages] == ["text", "emoji", "text", "text", "image"]


def test_broken_truncated_jsonl():
    messages, issues = read("broken_truncated.jsonl")
    assert [i.line for i in issues] == [3, 5, 6, 8]
    assert "不是完整的 JSON" in issues[0].reason and "不是完整的 JSON" in issues[3].reason
    assert "hologram" in issues[1].reason and "msgtime" in issues[2].reason
    assert [m.kind for m in messages] == ["text", "text", "text", "other", "text"]
    assert messages[-1].text == "中午给娃做的便当，大家看看"


def test_broken_chatlab_truncated():
    messages, issues = read("broken_chatlab_truncated.json")
    assert len(messages) == 4 and messages[-1].text == "今天幼儿园要带水杯吗？"
    lines = lines_of("broken_chatlab_truncated.json")
    assert lines[-2].strip() == "{" and lines[-1].strip() == '"platformM'  # cut inside message 5
    assert len(issues) == 1 and issues[0].line == len(lines) - 1
    assert "不完整" in issues[0].reason


def test_broken_chatlab_syntax_recovers():
    messages, issues = read("broken_chatlab_syntax.json")
    name = "broken_chatlab_syntax.json"
    assert [i.line for i in issues] == [line_with(name, '"msg_0003"') - 1, line_with(name, '"msg_0005"') - 1]
    assert "写坏了" in issues[0].reason and "yesterday" in issues[1].reason
    texts = [m.text for m in messages]
    assert "emoji" not in [m.kind for m in messages]  # msg_0003 (the sticker) dropped
    assert "今天幼儿园要带水杯吗？" in texts  # msg_0004, right after the broken one, kept
    assert "要带的，老师昨天群里说了" not in texts  # msg_0005 had no usable time
    assert len(messages) == 6 and messages[-1].text == "哇好棒，求教程！"


def test_empty_file():
    messages, issues = read("empty.csv")
    assert messages == []
    assert issues == [ParseIssue(0, "文件是空的，没有可读的消息")]
    assert read("empty.csv", "wecom_jsonl")[1] == issues


def test_gbk_excel_resave():
    messages, issues = read("gbk_excel.csv")
    assert not issues and len(messages) == 12
    assert messages[0] == Message(
        datetime(2026, 12, 1, 7, 12), "小鹿老师", "text", "早上好呀各位宝妈，今天降温了，出门记得给娃加衣服～"
    )


def test_broken_mixed_encoding_txt():
    messages, issues = read("broken_mixed_encoding.txt")
    assert [i.line for i in issues] == [11]
    assert [m.sender for m in messages] == ["小鹿老师", "豆豆妈", "糖糖妈妈", "一一妈", "乐乐爸"]


def test_broken_plain():
    messages, issues = read("broken_plain.txt")
    assert [m.sender for m in messages] == ["小鹿老师", "豆豆妈", "乐乐爸"]
    assert [i.line for i in issues] == [1, 10]
    assert issues[1].reason == "第 10 行：时间读不出来（2026-13-40 21:02:11），这条消息已跳过"


def test_forced_format_on_wrong_file():
    messages, issues = read("not_a_chat.txt", "plain_text")
    assert messages == [] and [i.line for i in issues] == [1]
    messages, issues = read("chatlog.csv", "wecom_jsonl")
    physical = [line for line in lines_of("chatlog.csv") if line.strip()]
    assert messages == [] and len(issues) == len(physical)  # every line reported, nothing raised


def test_issues_list_is_optional():
    assert len(list(iter_messages(FIX / "broken_truncated.jsonl"))) == 5


def _with(tmp_path, name: str, old: str, new: str, suffix: str) -> Path:
    text = (FIX / name).read_text(encoding="utf-8")
    assert old in text
    path = tmp_path / f"edited{suffix}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return path


def test_chatlab_stray_closing_bracket_does_not_end_reading(tmp_path):
    text = (FIX / "chatlab.json").read_text(encoding="utf-8")
    cut = text.index('"platformMessageId": "msg_0011"')
    brace = text.rindex("}", 0, cut)  # end of message 10
    path = tmp_path / "closed_early.json"
    path.write_text(text[: brace + 1] + "]" + text[brace + 1 :], encoding="utf-8")
    messages, issues = read(path)
    assert len(messages) == 51
    assert len(issues) == 1 and "提前结束" in issues[0].reason


def test_chatlab_stray_opening_bracket(tmp_path):
    text = (FIX / "chatlab.json").read_text(encoding="utf-8")
    cut = text.index('"platformMessageId": "msg_0020"')
    brace = text.rindex("{", 0, cut)
    path = tmp_path / "bracket.json"
    path.write_text(text[:brace] + "[" + text[brace:], encoding="utf-8")
    messages, issues = read(path)
    assert len(messages) == 51 and len(issues) == 1 and "“[”" in issues[0].reason


def test_chatlab_damaged_member_jumps_to_messages(tmp_path):
    path = _with(
        tmp_path, "chatlab.json", '"accountName": "朵朵妈"\n    }', '"accountName": "朵朵妈"\n    }"', ".json"
    )
    messages, issues = read(path)
    assert len(messages) == 51
    assert len(issues) == 1 and "成员列表写坏了" in issues[0].reason


def test_chatlab_jsonl_with_damaged_header_line(tmp_path):
    lines = (FIX / "chatlab.jsonl").read_text(encoding="utf-8").split("\n")
    lines[0] = lines[0][:25]
    path = tmp_path / "cut.jsonl"
    path.write_text("\n".join(lines), encoding="utf-8")
    assert detect_format(path) == "chatlab_json"
    messages, issues = read(path)
    assert len(messages) == 51 and [i.line for i in issues] == [1]


def test_gbk_file_with_one_damaged_byte_stays_gbk(tmp_path):
    data = bytearray((FIX / "gbk_excel.csv").read_bytes())
    data[data.index("好的谢谢外婆".encode("gbk")) + 1] = 0xFF
    path = tmp_path / "damaged.csv"
    path.write_bytes(bytes(data))
    messages, issues = read(path)
    assert len(messages) == 11 and len(issues) == 1
    assert "\udcff" not in issues[0].reason  # undecodable bytes never leak into reasons


def test_stray_quote_in_csv_header(tmp_path):
    path = _with(tmp_path, "memotrace.csv", "消息ID,类型,发送人,时间", '消息ID,类型,"发送人,时间', ".csv")
    messages, issues = read(path)
    assert len(messages) == 51
    assert [i.line for i in issues] == [1] and "引号" in issues[0].reason


# ------------------------------------------------------------------ other real-world variants


def test_headerless_and_nine_column_legacy(tmp_path):
    text = (FIX / "wechat_legacy.csv").read_bytes().decode("utf-8-sig")
    header, body = text.split("\r\n", 1)
    headerless = tmp_path / "headerless.csv"
    headerless.write_bytes(body.encode("utf-8"))
    assert detect_format(headerless) == "wechat_csv"
    assert read(headerless) == read("wechat_legacy.csv")

    # the old 9-column header, rows with one more (unnamed) column holding the talker
    rows = [",".join(header.split(",")[:9])]
    rows.append("1,57,1,0,1,1796080350,2,我发的,2026-12-01 07:12:30,48823701522@chatroom")
    rows.append("2,57,1,0,0,1796080502,3,别人发的,2026-12-01 07:15:02,wxid_doudou88")
    nine = tmp_path / "nine.csv"
    nine.write_text("\n".join(rows) + "\n", encoding="utf-8")
    messages, issues = read(nine)
    assert not issues
    assert [(m.sender, m.text) for m in messages] == [("我", "我发的"), ("wxid_doudou88", "别人发的")]


def test_utf16_tab_separated(tmp_path):
    text = (FIX / "memotrace.csv").read_text(encoding="utf-8-sig")
    import csv
    import io

    rows = list(csv.reader(io.StringIO(text)))
    out = io.StringIO()
    csv.writer(out, delimiter="\t").writerows(rows)
    path = tmp_path / "unicode.txt"
    path.write_bytes(codecs.BOM_UTF16_LE + out.getvalue().encode("utf-16-le"))
    assert detect_format(path) == "wechat_csv"
    assert read(path) == read("memotrace.csv")


def test_composite_type_code_and_offset_times(tmp_path):
    path = tmp_path / "mixed.csv"
    path.write_text(
        "localId,TalkerId,Type,SubType,IsSender,CreateTime,Status,StrContent,StrTime,Remark,NickName,Sender\n"
        "1,57,25769803825,0,0,,2,,2026-12-04T13:00:05Z,豆豆妈,豆豆妈,wxid_doudou88\n"
        "2,57,244813135921,0,0,,2,对呀,2026-12-04 21:01:00+08:00,豆豆妈,豆豆妈,wxid_doudou88\n",
        encoding="utf-8",
    )
    messages, issues = read(path)
    assert not issues
    assert messages == [
        Message(datetime(2026, 12, 4, 21, 0, 5), "豆豆妈", "file", ""),
        Message(datetime(2026, 12, 4, 21, 1), "豆豆妈", "text", "对呀"),
    ]


@pytest.mark.parametrize(
    "text,expected",
    [
        ("2026-12-04 21:02:11", datetime(2026, 12, 4, 21, 2, 11)),
        ("2026-12-04 21:02", datetime(2026, 12, 4, 21, 2)),
        ("2026/12/4 9:02", datetime(2026, 12, 4, 9, 2)),
        ("2026年12月4日 21:02:11", datetime(2026, 12, 4, 21, 2, 11)),
        ("2026-12-04T13:02:11+00:00", datetime(2026, 12, 4, 21, 2, 11)),
        ("2026-12-04 21:02:11.250", datetime(2026, 12, 4, 21, 2, 11, 250000)),
    ],
)
def test_local_time_forms(text, expected):
    assert common.local_time(text) == expected


@pytest.mark.parametrize("text", ["2026-13-40", "2026-13-40 21:02:11", "昨天", "", "1850-01-01 00:00"])
def test_local_time_rejects(text):
    with pytest.raises(ValueError):
        common.local_time(text)


@pytest.mark.parametrize(
    "value,unit,expected",
    [
        (1796389205, "auto", datetime(2026, 12, 4, 21, 0, 5)),
        (1796389205123, "auto", datetime(2026, 12, 4, 21, 0, 5, 123000)),
        ("1796389205123", "ms", datetime(2026, 12, 4, 21, 0, 5, 123000)),
        (1796389205.5, "s", datetime(2026, 12, 4, 21, 0, 5, 500000)),
    ],
)
def test_epoch_time(value, unit, expected):
    assert common.epoch_time(value, unit) == expected


@pytest.mark.parametrize("value", [None, True, "abc", 0, float("nan"), [1]])
def test_epoch_time_rejects(value):
    with pytest.raises(common.TIME_ERRORS):
        common.epoch_time(value, "auto")


# ------------------------------------------------------------------ 100,000 messages

BIG = 100_000


@pytest.mark.parametrize("fmt", ["wechat_csv", "plain_text"])
def test_hundred_thousand_messages(tmp_path, fmt):
    name, write = export_samples.WRITERS[fmt]
    path = tmp_path / name
    write(path, BIG)
    assert detect_format(path) == fmt
    issues: list[ParseIssue] = []
    count = 0
    for i, message in enumerate(iter_messages(path, issues=issues)):
        assert message == export_samples.synth(i), i
        count += 1
    assert count == BIG
    assert issues == []


@pytest.mark.parametrize("fmt", ["chatlab_json", "wecom_jsonl"])
def test_twenty_thousand_messages_json(tmp_path, fmt):
    name, write = export_samples.WRITERS[fmt]
    path = tmp_path / name
    n = 20_000
    write(path, n)
    issues: list[ParseIssue] = []
    messages = list(iter_messages(path, issues=issues))
    assert len(messages) == n and not issues
    for i in (0, 7, 13, 99, 150, n - 1):
        want = export_samples.synth(i)
        got = messages[i]
        assert (got.time.replace(microsecond=0), got.kind, got.text) == (want.time, want.kind, want.text)
