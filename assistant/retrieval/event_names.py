"""The names people use for calendar events (过年 -> 春节, 五一 -> 劳动节, the 24 solar terms …) and finding
one in a sentence: the chat resolves questions with them, drafting checks that a topic names no event outside
the days it is for."""

from __future__ import annotations

import re

SOLAR_TERMS = (
    "立春 雨水 惊蛰 春分 清明 谷雨 立夏 小满 芒种 夏至 小暑 大暑 "
    "立秋 处暑 白露 秋分 寒露 霜降 立冬 小雪 大雪 冬至 小寒 大寒"
).split()
# What operators say -> the calendar's event name (assistant.retrieval.calendar).
EVENT_ALIASES = {
    "过年": "春节",
    "春节": "春节",
    "大年初一": "春节",
    "除夕": "除夕",
    "年三十": "除夕",
    "元宵": "元宵节",
    "元旦": "元旦节",
    "情人节": "情人节",
    "妇女节": "妇女节",
    "女神节": "38节",
    "三八节": "38节",
    "38节": "38节",
    "植树节": "植树节",
    "清明节": "清明",
    "劳动节": "劳动节",
    "五一": "劳动节",
    "青年节": "青年节",
    "母亲节": "母亲节",
    "520": "520",
    "儿童节": "儿童节",
    "六一": "儿童节",
    "端午": "端午节",
    "父亲节": "父亲节",
    "618": "618",
    "七夕": "七夕节",
    "中秋": "中秋节",
    "教师节": "教师节",
    "国庆": "国庆节",
    "重阳": "重阳节",
    "万圣节": "万圣节",
    "双十一": "双11",
    "双11": "双11",
    "感恩节": "感恩节",
    "双十二": "双12",
    "双12": "双12",
    "平安夜": "平安夜",
    "圣诞": "圣诞节",
    "腊八": "腊八节",
    "年货节": "年货节",
    "二月二": "龙头节",
    "龙抬头": "龙头节",
    "爱牙日": "全国爱牙日",
    "读书日": "世界读书日",
    **{term: term for term in SOLAR_TERMS},
}
EVENT_WORDS = re.compile("|".join(sorted(map(re.escape, EVENT_ALIASES), key=len, reverse=True)))


def event_name_in(text: str) -> str | None:
    """The calendar name of the first festival or solar term mentioned in `text`."""
    m = EVENT_WORDS.search(text)
    return EVENT_ALIASES[m[0]] if m else None


def event_names_in(text: str) -> list[str]:
    """The calendar names of every festival or solar term mentioned in `text`, in order, once each."""
    return list(dict.fromkeys(EVENT_ALIASES[m[0]] for m in EVENT_WORDS.finditer(text)))
