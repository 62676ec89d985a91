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

from assistant.chat.lookup import next_event
from assistant.chat.product_words import category_in, points_in
from assistant.knowledge import load_audiences, load_products, norm_key
from assistant.retrieval.event_names import event_name_in
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
    r"违规|合规|违禁|违法|广告法|极限词|敏感词|能不能发|可以发吗|能发吗|发得了吗|有没有问题|有问题吗|检查一下|"
    r"查一下这|审一下|(?:帮我)?(?:看看|看下|看一下|瞧瞧|把把关)(?:这句|这条|这段|这个话题|这个文案)|"
    r"(?:这么|这样)(?:写|说)(?:行|可以|没问题|合适)|能说吗|能用吗|可以说吗|可以用吗|能写吗|可以写吗|能不能(?:说|用|写)|"
    r"(?:这个|这句|这条)话?题?(?:怎么样|行不行|可以吗|好不好)"
)
_HISTORY_WORDS = re.compile(
    r"效果|反馈|历史|之前的|上次|上周|上个月|以前|发过|用过哪些|往期|记录|最近.{0,6}方案|哪个最好|哪个好|反响"
)
_BEST = re.compile(r"哪个.{0,4}(?:最好|最受欢迎|最火|好|效果最)|效果最好|最受欢迎|反响最好")
# Revision styles: (pattern, instruction sent to revise_topic). Instructions avoid the words of other styles.
_COLLOQUIAL = "更口语一点，像群里聊天"
_SHORT = "更短，一句话说完"
_FORMAL = "稍微正式一点，措辞稳重"
_LONGER = "写长一点，多一点细节"
_PLAIN = "更口语一点，少点推销味，像朋友聊天那样问"
_ANGLE = "换个角度，问法和切入点都换掉"
_SIMPLE = "更简单，谁都能一句话回答"
_WARM = "语气更亲切温柔一点"
_LIVELY = "更活泼一点"
# 别那么正式 / 不要太长 / 太正式了 / 少点广告味: the opposite of the word.
_NEGATED = [
    (r"正式|书面|官方|严肃|死板|生硬|硬邦邦|客套", _COLLOQUIAL),
    (r"长|啰嗦|啰唆|罗嗦|多字|绕", _SHORT),
    (r"口语|随意|随便|轻浮|油腻|跳脱", _FORMAL),
    (r"短|简单|单薄", _LONGER),
    (r"广告|推销|硬广|营销|卖货|销售", _PLAIN),
    (r"难|复杂|专业", _SIMPLE),
    (r"冷|凶|冲", _WARM),
]
_NEGATION = re.compile(
    r"(?:(?<![特分区告类性级识])别|不要|不用|没必要|不必|少点|少一点|少些|去掉|太)(?:那么|这么|太|那样|这样|点|些)?"
)
_POSITIVE = [
    (r"口语|接地气|像聊天|随意|轻松|大白话|说人话|自然一点", _COLLOQUIAL),
    (r"更短|短一点|短点|短些|短一些|简短|精简|简洁|少点字|字少|一句话|缩短|压缩|删减", _SHORT),
    (r"正式|书面|稳重|礼貌|专业一点", _FORMAL),
    (r"长一点|长些|详细|具体一点|丰富", _LONGER),
    (r"角度|思路|切入点|问法|说法|换个方向", _ANGLE),
    (r"简单|好回答|好接|门槛低|容易回", _SIMPLE),
    (r"温柔|温暖|亲切|暖心", _WARM),
    (r"活泼|俏皮|有趣|好玩|幽默", _LIVELY),
]
_TREND_REVISE = re.compile(
    r"(?:结合|蹭|借|加上|加点|带上|用上|联系|套上|融入|挂钩|贴|追)\s*(?:一下|一个|下)?\s*(?:今天|今日|最近|当下)?的?"
    r"(?:热搜|热点|热门|新闻)|(?:热搜|热点)[^，。,]{0,6}(?:改|写|再来|重写|换|来一个|结合)"
)
_TREND_ASK = re.compile(r"(?:热搜|热点|热门|热榜)")
_ASK = re.compile(r"有什么|有哪些|有啥|哪些|是什么|什么热|列一下|列出|看看|看下|查查|搜|找|给我看|说说|多少")
_NEW_ONE = re.compile(r"再来一个|换一个|重写|重新写|再写一个|不好|不行|不太行|不喜欢|一般般|不一样")
_ORDINAL = re.compile(r"第\s*" + _NUM + r"\s*[个条]?")
_SHOW = re.compile(r"(?:是什么|是啥|发我|给我看|看看|看下|复制|原文|全文|再说一遍|发一下)")
_ACK = re.compile(r"^第\s*" + _NUM + r"\s*[个条]?(?:不错|挺好|可以|很好|好|行|就它|就用它)")
_DRAFT_WORDS = re.compile(r"话题|选题|聊什么|聊点什么|怎么聊|出题|文案")
_SELL = re.compile(
    r"(?:主推|要推|在推|推广|卖|推|上新)\s*([\u4e00-\u9fffA-Za-z0-9]{2,20}?)(?=[,，。.!！?？;；、\s]|给我|帮我|$)"
)
_SEARCH_WORDS = re.compile(
    r"搜|找|案例|有什么可以聊|可以聊什么|有什么好聊|有啥可聊|能聊什么|聊点啥|热搜|热点|节日|节气|日历|查查|看看"
)
_REDRAFT = re.compile(
    r"换一批|重新来|重新出|再出几个|再来几个|全部重写|都不行|都不好|全都换|都换掉|全换了?|全部换"
)
_THANKS = re.compile(
    r"(?:好的|好嘞|收到|谢谢|多谢|辛苦了?|感谢|ok|OK|👍)[，,。!！~～\s]*(?:谢谢|辛苦了?|啦|了)?[。!！~～]*"
)
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


def date_in_words(text: str, today: Date) -> Date | None:
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
        if len(name) >= 2 and not re.search(r"群|今天|明天|后天|周[一二三四五六日天]|什么|啥|哪", name):
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
    if m := re.search(r"[?？:：]\s*(.{4,})$", text):
        return m[1].strip().strip('「」“”"')
    m = re.match(
        r"^(.{2,80}?)(?:这个词|这句话|这句|这么说|这样说)?(?:能说吗|能用吗|可以说吗|可以用吗|能写吗|可以写吗|"
        r"能不能说|能不能用|合规吗|违规吗)",
        text,
    )
    return m[1].strip().strip('「」“”"') if m else None


def revise_instruction(text: str) -> str | None:
    """The rewrite the operator asks for, negations turned into the opposite (别那么正式 -> 更口语)."""
    for m in _NEGATION.finditer(text):
        rest = text[m.end() : m.end() + 6]
        for words, instruction in _NEGATED:
            if re.match(f"像?(?:{words})", rest) or (m[0] == "太" and re.match(f".{{0,2}}(?:{words})", rest)):
                return instruction
    for words, instruction in _POSITIVE:
        if re.search(words, text):
            return instruction
    if _TREND_REVISE.search(text):
        return "结合今天的热搜重写"
    if _NEW_ONE.search(text):
        return _ANGLE
    if re.search(r"改|换", text):
        return text
    return None


def _history_days(text: str) -> int:
    if re.search(r"上周|这周|本周|一周|七天|7天", text):
        return 7
    if re.search(r"上个月|这个月|本月|一个月|30天|三十天", text):
        return 30
    if m := re.search(_NUM + r"\s*天", text):
        return max(1, min(365, cn_number(m[1]) or 14))
    return 14


def _search_query(text: str) -> str:
    query = re.sub(
        r"^(帮我|请|麻烦你?)?\s*(搜一下|搜索|搜搜|搜|找一下|找找|找|查一下|查查|查|看看)", "", text
    )
    query = re.sub(
        r"(有什么可以聊的|可以聊什么|有什么好聊的|有啥可聊的|能聊什么|聊点啥|的?案例|[?？。!！]+)$", "", query
    )
    query = re.sub(r"(有什么可以聊的|可以聊什么|有什么好聊的|有啥可聊的|能聊什么)", "", query).strip()
    query = re.sub(r"^(有没有|有什么|有啥)?(关于|和|跟)?", "", query)
    query = re.sub(r"^(今天|明天|下周|这周|本周|最近|近期)?(有什么|有啥|有哪些)", "", query)
    return re.sub(r"(相关)?的$", "", query).strip()


def _trend_query(text: str, product: str | None) -> str | None:
    """「有没有和降温相关的热搜」 -> 降温; 「最近有什么热搜」 -> None (list them)."""
    if product:
        return product
    m = re.search(
        r"(?:和|跟|关于|有关)\s*([\u4e00-\u9fffA-Za-z0-9]{2,12}?)\s*(?:相关|有关)?的?(?:热搜|热点)", text
    )
    return m[1] if m else None


def route(message: str, *, has_plan: bool = False, today: Date, settings: Settings | None = None) -> Intent:
    """Decide which tool answers `message`, with its arguments."""
    text = message.strip()
    quoted = _quoted(text)
    ordinal = next(
        (
            m
            for m in _ORDINAL.finditer(text)
            if not re.search(r"(?:热搜|热榜|热点|榜单?|排名)$", text[: m.start()])
        ),
        None,
    )
    index = (cn_number(ordinal[1]) or 1) if ordinal else None

    # 1. check: "这句有没有违规? <text>", a quoted sentence, or "第二个有没有违规" (a topic of the plan).
    if _CHECK_WORDS.search(text) or (quoted and not _DRAFT_WORDS.search(text.replace(quoted, ""))):
        topic = quoted or _after_colon(text)
        if topic:
            # the product the operator names around the sentence ("卖空气炸锅，这句合规吗：「…」"), else one the
            # sentence names; either way `check_topic` resolves it like `huati check --product`
            around = text.replace(topic, " ")
            product = find_product_in(around, settings) or find_product_in(topic, settings)
            return Intent("check", {"text": topic, "product": product})
        if has_plan and index:
            return Intent("check", {"text": None, "index": index})
        return Intent("check", {"text": None})

    # 2. what is hot: "最近有什么热搜" lists trends, even with a plan open ("结合热搜再来一个" is a revision).
    if _TREND_ASK.search(text) and not ordinal and not _TREND_REVISE.search(text):
        if _ASK.search(text) or re.fullmatch(r"(今天|今日|最近)?的?(热搜|热点|热榜)[?？吗呢]*", text):
            query = _trend_query(text, find_product_in(text, settings))
            return Intent(
                "search", {"query": query or "热搜", "kind": "trends", "date": date_in_words(text, today)}
            )

    # 3. history + feedback: "上周那个保温杯的话题效果怎样?"
    if _HISTORY_WORDS.search(text) and not re.search(
        r"给我|来\s*" + _NUM + r"?\s*[个条]|帮我写|出几个", text
    ):
        ask = (
            "best"
            if _BEST.search(text)
            else ("effect" if re.search(r"效果|反馈|反响|怎么样|怎样|如何", text) else "list")
        )
        return Intent(
            "history", {"product": find_product_in(text, settings), "days": _history_days(text), "ask": ask}
        )

    # 4. a new batch for the current plan's product, group and date.
    if has_plan and _REDRAFT.search(text) and not find_product_in(text, settings):
        return Intent("redraft", {"n": parse_count(text)})

    # 5. "第二个不错" / "第二个是什么": show the topic (nothing is rewritten).
    if (
        has_plan
        and ordinal
        and (_ACK.search(text) or _SHOW.search(text))
        and not revise_instruction(text.replace(ordinal[0], ""))
    ):
        return Intent("show", {"index": index})

    # 6. revise topic N of the current plan (no N: the topic being discussed, else the first). Without a plan
    # an explicit revision still routes here, so the reply can say there is no plan yet.
    instruction = revise_instruction(text)
    explicit = bool(ordinal or _TREND_REVISE.search(text))
    if instruction and (has_plan or explicit) and (ordinal or not find_product_in(text, settings)):
        trend = bool(_TREND_REVISE.search(text) or (re.search(r"热搜|热点", text) and ordinal))
        return Intent("revise", {"index": index, "instruction": instruction, "use_trends": trend})

    # 7. draft a plan.
    product = find_product_in(text, settings)
    wants = _DRAFT_WORDS.search(text) or re.search(r"卖|推|上新|给我|帮我|来", text)
    event = event_name_in(text)
    if product and (wants or find_audience_in(text, settings) or date_in_words(text, today)):
        day = date_in_words(text, today)
        if day is None and event:  # 冬至那天卖饺子: the festival's next date
            found = next_event(event, today)
            day = found.date if found else None
        return Intent(
            "draft",
            {
                "product": product,
                "audience": find_audience_in(text, settings),
                "date": day,
                "n": parse_count(text) or 3,
                "category": category_in(text, product, settings),
                "points": points_in(text),
            },
        )

    # 8. search cases, trends, calendar.
    if _SEARCH_WORDS.search(text) or product or event:
        kind = "all"
        if "案例" in text:
            kind = "cases"
        elif re.search(r"热搜|热点", text):
            kind = "trends"
        elif (event or re.search(r"节日|节气|日历|假期|放假", text)) and not product:
            kind = "calendar"
        query = _search_query(text)
        return Intent("search", {"query": query or text, "kind": kind, "date": date_in_words(text, today)})

    if has_plan and ordinal:
        return Intent("revise", {"index": index, "instruction": text, "use_trends": False})
    if _THANKS.fullmatch(text):
        return Intent("help", {"thanks": True})
    return Intent("help", {})
