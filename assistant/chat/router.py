"""Offline intent router: maps common operator requests to Huati's tools without any LLM.

`route(message, has_plan, today)` -> `Intent(tool, args)`. Tools: draft, revise, check, search, history,
help. Parsing is rule based: catalogue names/aliases, audience aliases, date words, counts.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date as Date
from datetime import timedelta
from typing import Any

from assistant.knowledge import load_audiences, load_products, norm_key
from assistant.settings import Settings

_CN_DIGITS = {
    "零": 0,
    "一": 1,
    "二": 2,
    "两": 2,
    "三": 3,
    "四": 4,
    "五": 5,
    "六": 6,
    "七": 7,
    "八": 8,
    "九": 9,
    "十": 10,
}
_WEEKDAYS = {"一": 0, "二": 1, "三": 2, "四": 3, "五": 4, "六": 5, "日": 6, "天": 6, "末": 5}
_NUM = r"(\d{1,2}|[一二两三四五六七八九十]{1,2})"

_QUOTED = re.compile(r"[「“\"『‘']([^」”\"』’']{2,200})[」”\"』’']")
_CHECK_WORDS = re.compile(
    r"违规|合规|违禁|违法|广告法|极限词|能不能发|可以发吗|能发吗|有没有问题|检查一下|查一下这|"
    r"(?:这个|这句|这条)话?题?(?:怎么样|行不行|可以吗|好不好)"
)
_HISTORY_WORDS = re.compile(r"效果|反馈|历史|之前的|上次|上周|以前|发过|用过哪些|往期|记录|最近.{0,6}方案")
_REVISE_STYLE = {
    "口语": "更口语一点，像群里聊天",
    "短": "更短，一句话说完",
    "太长": "更短，一句话说完",
    "啰嗦": "更短，一句话说完",
    "生硬": "更口语一点，像群里聊天",
    "太正式": "更口语一点，像群里聊天",
    "角度": "换个角度，问法和切入点都换掉",
    "热搜": "结合今天的热搜重写",
    "热点": "结合今天的热点重写",
    "活泼": "更活泼一点",
    "温柔": "语气更温柔一点",
    "简单": "更简单，谁都能一句话回答",
    "正式": "稍微正式一点",
    "再来一个": "换一个新的话题",
    "换一个": "换一个新的话题",
    "重写": "重写一遍",
    "改": "按要求改写",
}
_ORDINAL = re.compile(r"第\s*" + _NUM + r"\s*[个条]?")
_DRAFT_WORDS = re.compile(r"话题|选题|聊什么|聊点什么|怎么聊|出题|文案")
_SELL = re.compile(
    r"(?:主推|要推|在推|推广|卖|推|上新)\s*([\u4e00-\u9fffA-Za-z0-9]{2,20}?)(?=[,，。.!！?？;；、\s]|给我|帮我|$)"
)
_SEARCH_WORDS = re.compile(
    r"搜|找|案例|有什么可以聊|可以聊什么|有什么好聊|有啥可聊|热搜|热点|节日|节气|日历|查查|看看"
)
_REDRAFT = re.compile(r"换一批|重新来|重新出|再出几个|再来几个|全部重写|都不行")
_COUNT = re.compile(_NUM + r"\s*[个条道]")


@dataclass
class Intent:
    tool: str
    args: dict[str, Any] = field(default_factory=dict)


def cn_number(text: str) -> int | None:
    """'3' -> 3, '三' -> 3, '十二' -> 12, '两' -> 2."""
    if text.isdigit():
        return int(text)
    if not text or any(c not in _CN_DIGITS for c in text):
        return None
    if len(text) == 1:
        return _CN_DIGITS[text]
    if text[0] == "十":
        return 10 + _CN_DIGITS[text[1]]
    if text[-1] == "十":
        return _CN_DIGITS[text[0]] * 10
    return None


def parse_date(text: str, today: Date) -> Date | None:
    """今天/明天/后天/大后天, 周六/星期六/下周三, 12月22日/12月22号, 2026-12-22, 12/22."""
    if m := re.search(r"(\d{4})[-/年.](\d{1,2})[-/月.](\d{1,2})", text):
        try:
            return Date(int(m[1]), int(m[2]), int(m[3]))
        except ValueError:
            return None
    if m := re.search(_NUM + r"\s*月\s*" + r"(\d{1,2}|[一二三四五六七八九十]{1,3})\s*[日号]?", text):
        month, day = cn_number(m[1]), cn_number(m[2]) if not m[2].isdigit() else int(m[2])
        if month and day:
            year = today.year
            try:
                candidate = Date(year, month, day)
            except ValueError:
                return None
            if candidate < today - timedelta(days=60):  # "1月5日" said in December means next year
                candidate = candidate.replace(year=year + 1)
            return candidate
    if "大后天" in text:
        return today + timedelta(days=3)
    if "后天" in text:
        return today + timedelta(days=2)
    if "明天" in text or "明日" in text:
        return today + timedelta(days=1)
    if "今天" in text or "今日" in text:
        return today
    if m := re.search(r"(下+)?(?:周|星期|礼拜)([一二三四五六日天末])", text):
        target = _WEEKDAYS[m[2]]
        ahead = (target - today.weekday()) % 7
        if m[1]:
            ahead = (7 - today.weekday()) + target + 7 * (len(m[1]) - 1)
        return today + timedelta(days=ahead)
    return None


def parse_count(text: str) -> int | None:
    for m in _COUNT.finditer(text):
        if text[max(0, m.start() - 1)] == "第":  # "第二个" is an ordinal
            continue
        n = cn_number(m[1])
        if n:
            return max(1, min(10, n))
    return None


def find_product_in(text: str, settings: Settings | None = None) -> str | None:
    """Longest catalogue name/alias/subject mentioned in the text, else a '卖X'/'推X' phrase."""
    key = norm_key(text)
    best: tuple[int, str] | None = None
    for product in load_products(settings):
        names = [product.name, *product.aliases] + ([product.subject] if product.subject else [])
        for name in names:
            n = norm_key(name)
            if len(n) >= 2 and n in key and (best is None or len(n) > best[0]):
                best = (len(n), product.name)
    if best:
        return best[1]
    if m := _SELL.search(text):
        name = re.sub(r"^(的|个|款|一款|一个)", "", m[1])
        name = re.sub(r"(的话题|话题|吧|呢|啊)$", "", name)
        if len(name) >= 2 and not re.search(r"群|今天|明天|后天|周", name):
            return name
    return None


def find_audience_in(text: str, settings: Settings | None = None) -> str | None:
    key = norm_key(text)
    best: tuple[int, str] | None = None
    for audience in load_audiences(settings):
        for name in [audience.name, *audience.aliases]:
            n = norm_key(name)
            if len(n) >= 2 and n in key and (best is None or len(n) > best[0]):
                best = (len(n), audience.name)
    return best[1] if best else None


def _quoted(text: str) -> str | None:
    if m := _QUOTED.search(text):
        return m[1].strip()
    return None


def _after_colon(text: str) -> str | None:
    m = re.search(r"[?？:：]\s*(.{4,})$", text)
    return m[1].strip().strip('「」“”"') if m else None


def _revise_instruction(text: str) -> str | None:
    for word, instruction in _REVISE_STYLE.items():
        if word in text:
            return instruction if word not in ("改", "重写") else text
    return None


def route(message: str, *, has_plan: bool = False, today: Date, settings: Settings | None = None) -> Intent:
    """Decide which tool answers `message`, with its arguments."""
    text = message.strip()
    quoted = _quoted(text)

    # 1. check: "这句有没有违规? <text>" or a quoted sentence.
    if _CHECK_WORDS.search(text) or (quoted and not _DRAFT_WORDS.search(text.replace(quoted, ""))):
        topic = quoted or _after_colon(text)
        if topic:
            return Intent("check", {"text": topic, "product": find_product_in(topic, settings)})
        return Intent("check", {"text": None})

    # 2. history + feedback: "上周那个保温杯的话题效果怎样?"
    if _HISTORY_WORDS.search(text) and not re.search(
        r"给我|来\s*" + _NUM + r"?\s*[个条]|帮我写|出几个", text
    ):
        days = (
            7
            if "上周" in text or "这周" in text
            else (30 if re.search(r"上个月|这个月|一个月", text) else 14)
        )
        return Intent("history", {"product": find_product_in(text, settings), "days": days})

    # 3. a new batch for the current plan's product, group and date.
    if has_plan and _REDRAFT.search(text) and not find_product_in(text, settings):
        return Intent("redraft", {"n": parse_count(text)})

    # 4. revise topic N of the current plan.
    ordinal = _ORDINAL.search(text)
    instruction = _revise_instruction(text)
    if has_plan and instruction and (ordinal or not find_product_in(text, settings)):
        index = cn_number(ordinal[1]) if ordinal else 1
        trend = bool(re.search(r"热搜|热点", text))
        return Intent("revise", {"index": index or 1, "instruction": instruction, "use_trends": trend})

    # 5. draft a plan.
    product = find_product_in(text, settings)
    wants = _DRAFT_WORDS.search(text) or re.search(r"卖|推|上新|给我|帮我|来", text)
    if product and (wants or find_audience_in(text, settings) or parse_date(text, today)):
        return Intent(
            "draft",
            {
                "product": product,
                "audience": find_audience_in(text, settings),
                "date": parse_date(text, today),
                "n": parse_count(text) or 3,
            },
        )

    # 6. search cases, trends, calendar.
    if _SEARCH_WORDS.search(text) or product:
        kind = "all"
        if "案例" in text:
            kind = "cases"
        elif re.search(r"热搜|热点", text):
            kind = "trends"
        elif re.search(r"节日|节气|日历|冬至|春节|中秋|端午|元旦|双十一|双11|618|圣诞", text) and not product:
            kind = "calendar"
        query = re.sub(r"^(帮我|请|麻烦)?\s*(搜一下|搜索|搜搜|搜|找一下|找找|找|查查|看看)", "", text)
        query = re.sub(
            r"(有什么可以聊的|可以聊什么|有什么好聊的|有啥可聊的|的?案例|[?？。!！]+)$", "", query
        ).strip()
        query = re.sub(r"(有什么可以聊的|可以聊什么|有什么好聊的|有啥可聊的)", "", query).strip()
        query = re.sub(r"^(有没有|有什么|有啥)?(关于|和|跟)?", "", query)
        query = re.sub(r"^(今天|明天|下周|这周|本周|最近|近期)?(有什么|有啥|有哪些)", "", query)
        query = re.sub(r"(相关)?的$", "", query).strip()
        return Intent("search", {"query": query or text, "kind": kind, "date": parse_date(text, today)})

    if has_plan and ordinal:
        return Intent(
            "revise", {"index": cn_number(ordinal[1]) or 1, "instruction": text, "use_trends": False}
        )
    return Intent("help", {})
