"""Offline rewrites of one topic (part of the offline engine). The instruction is read for what operators
ask — 更短 / 更口语 / 更正式 / 别那么X / 换个角度 / 结合热点 / 带上节日 / 改成投票·晒图·二选一·回忆·妙招 /
加emoji / 去掉表情 / 去掉由头 — and the result either really follows it and passes every check, or an
InputError says in Chinese why not and what can be done. Deterministic for the same inputs."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from assistant.drafting.context import DayContext
from assistant.drafting.offline.engine import Candidate, candidates
from assistant.drafting.offline.library import library, slots, traits_of
from assistant.drafting.ranking import near_duplicate_of
from assistant.errors import InputError
from assistant.models import Topic, TopicType
from assistant.settings import Settings

_NOT = r"(别|不要|不用|别太|不要太|没必要|太|有点|有些|过于)(那么|这么|太)?"
# Negated wishes first: 别那么正式 asks for the opposite of 正式.
_RULES: list[tuple[str, re.Pattern[str]]] = [
    ("colloquial", re.compile(_NOT + r"(正式|书面|官方|生硬|严肃|客气|端着|死板)")),
    ("formal", re.compile(_NOT + r"(口语|随意|随便|油腻|轻浮|嘻嘻哈哈|网络)")),
    ("short", re.compile(_NOT + r"(长|啰嗦|啰唆|多字)")),
    (
        "no_emoji",
        re.compile(r"(去掉|不要|别|删掉|删了|拿掉|别加|不加)(个|这个|那个)?(emoji|表情|符号)", re.I),
    ),
    (
        "plain",
        re.compile(r"(去掉|不要|别|删掉|拿掉|别蹭|不蹭)(个|这个|那个)?(热点|热搜|节日|节气|由头|开头)"),
    ),
    ("vote", re.compile(r"投票|选项|ABC|abc")),
    ("photo", re.compile(r"晒图|晒照|晒一晒|晒个|晒张|拍照|拍张")),
    ("either_or", re.compile(r"二选一|二选1|两个选项|选边|站队|A还是B|哪派", re.I)),
    ("memory", re.compile(r"回忆|小时候|怀旧")),
    ("tips", re.compile(r"窍门|妙招|小技巧|技巧")),
    ("trend", re.compile(r"热点|热搜|热门|新闻|时事|蹭")),
    ("festival", re.compile(r"节日|节气|过节|节庆|冬至|春节|过年|中秋|端午|元宵|圣诞|除夕|618|双11|双12")),
    ("emoji", re.compile(r"emoji|表情|颜文字", re.I)),
    ("longer", re.compile(r"长一点|长些|写长|详细|具体一点|丰富|多一点细节|多点细节")),
    ("short", re.compile(r"短|精简|简洁|简短|少点字|一句话|删减")),
    ("colloquial", re.compile(r"口语|随意|接地气|轻松|活泼|俏皮|像聊天|亲切|热情|随性|自然|有趣|好玩")),
    ("formal", re.compile(r"正式|书面|礼貌|稳重|客气|专业|官方")),
    (
        "angle",
        re.compile(
            r"换个|换一个|换种|换一种|另一个|另外一个|再来一个|再换|重新|不喜欢|不太行|不好|别的|改改|改一改|改一下|再改"
        ),
    ),
]
CONTENT = {
    "angle": None,
    "vote": TopicType.vote,
    "photo": TopicType.photo_share,
    "either_or": TopicType.either_or,
    "memory": TopicType.memory,
    "tips": TopicType.tips_swap,
    "trend": None,
    "festival": None,
}
CAN_DO = "更短、更长一点、更口语、更正式、换个角度、结合热点、带上节日、改成投票/晒图/二选一/回忆/妙招、加emoji、去掉表情或由头"
_EMOJI = re.compile("[\U0001f000-\U0001faff\u2600-\u27bf\ufe0f]")
_CASUAL_OPENINGS = (
    "来唠唠，",
    "说真的，",
    "问问",
    "随便聊聊：",
    "来个轻松的：",
    "好奇问一句：",
    "问个小问题：",
)
_LED = re.compile(r"^[^，,？?]{0,6}[：:]|^(说说|晒|说实话)")
_EXAMPLE = re.compile(r"[，,]?\s*我先(来|说|晒|坦白)[：:][^？?]*$")


def instruction_kinds(instruction: str) -> list[str]:
    """What the instruction asks for, in the order it says it (negations read as their opposite)."""
    found: list[tuple[int, str]] = []
    taken: list[tuple[int, int]] = []
    for kind, rx in _RULES:
        for m in rx.finditer(instruction or ""):
            if any(a < m.end() and m.start() < b for a, b in taken):
                continue
            taken.append(m.span())
            found.append((m.start(), kind))
    return list(dict.fromkeys(k for _pos, k in sorted(found)))


def instruction_kind(instruction: str) -> str:
    """The main kind (the first content change, else the first style edit); "unknown" when none."""
    kinds = instruction_kinds(instruction)
    return next((k for k in kinds if k in CONTENT), kinds[0] if kinds else "unknown")


def _checked(topic: Topic, ctx: DayContext) -> Topic:
    from assistant.checks import run_checks

    trend = [topic.hook.title] if topic.hook and topic.hook.kind == "trend" else None
    report = run_checks(topic.text, ctx.product, audience=ctx.audience, date=ctx.date, trend=trend)
    topic.checks, topic.score = report.checks, report.score
    return topic


# --------------------------------------------------------------------------- content changes


def _pool(ctx: DayContext, settings: Settings | None, avoid: list[str]) -> list[Candidate]:
    if not ctx.events:
        from assistant.retrieval.calendar import events_for

        ctx.events = events_for(ctx.date, 7)
    ctx.avoid = avoid
    found = [c for c in candidates(ctx, library(settings)) if c.passed]
    return sorted(found, key=lambda c: -c.rank)


def _redraft(kind: str, topic: Topic, ctx: DayContext, settings: Settings | None, avoid: list[str]) -> Topic:
    noun = slots(ctx.product, ctx.audience, library(settings))["noun"]
    pool = _pool(ctx, settings, avoid)
    want = CONTENT[kind]
    if want is not None:
        pool = [c for c in pool if c.topic.type == want]
    elif kind == "trend":
        pool = [c for c in pool if c.hook.kind == "trend"]
    elif kind == "festival":
        pool = [c for c in pool if c.hook.kind == "calendar"]
    else:  # another angle: another shape first
        pool = sorted(pool, key=lambda c: (c.topic.type == topic.type, c.pattern == topic.pattern, -c.rank))
    if not pool:
        raise InputError(_no_way(kind, topic, ctx, noun), field="instruction")
    new = pool[0].topic.model_copy(deep=True)
    new.bridge = topic.bridge or new.bridge
    new.note = ""
    return new


def _no_way(kind: str, topic: Topic, ctx: DayContext, noun: str) -> str:
    if kind == "trend":
        skipped = "".join(n for n in ctx.notes if n)
        head = f"{skipped}" if skipped else f"今天热榜里没有和{noun}沾边的热点。"
        return head + "可以告诉我一个热点，例如：结合热点（今日热搜：……）"
    if kind == "festival":
        names = "、".join(
            dict.fromkeys(e.name for e in ctx.events if e.kind != "season" and 0 <= e.days_from <= 7)
        )
        near = f"这几天的节日节气（{names}）" if names else "这几天没有节日节气，"
        return f"{near}和{noun}不沾边，硬带上会很别扭；可以换个角度，或者结合热点。"
    label = {"vote": "投票", "photo": "晒图", "either_or": "二选一", "memory": "回忆", "tips": "妙招"}.get(
        kind
    )
    if label:
        return f"{noun}今天没有合适又不重复的{label}话题了；可以换个角度，或者改成别的形式。"
    return f"{noun}在这个群里能换的角度都用过了（和方案里的其他话题或之前的改写重复）；可以结合热点，或者自己改一句。"


# --------------------------------------------------------------------------- style edits


def _subs(text: str, words: dict[str, str]) -> str:
    for old, new in words.items():
        text = text.replace(old, new)
    return text


def _shorter(topic: Topic, ctx: DayContext, settings: Settings | None, avoid: list[str]) -> Topic:
    new = topic.model_copy(deep=True)
    if new.hook and new.hook.title not in new.question:
        new.hook = None
    new.opening = ""
    new.question = _EXAMPLE.sub("～", new.question) if "？" not in new.question else new.question
    if len(new.text) < len(topic.text):
        return new
    shorter = [c.topic for c in _pool(ctx, settings, avoid) if len(c.topic.text) < len(topic.text)]
    same = [t for t in shorter if t.type == topic.type] or shorter
    if not same:
        raise InputError(
            f"这条已经很短了（{len(topic.text)} 个字），再删就说不清楚了；可以换个角度，或者更口语一点。",
            field="instruction",
        )
    best = min(same, key=lambda t: len(t.text)).model_copy(deep=True)
    best.bridge, best.note = topic.bridge, ""
    return best


def _plain_opening(opening: str, addr: str, rules: dict[str, Any]) -> bool:
    """An opening that carries no hook: empty, the address, a casual or a formal lead-in."""
    formal = tuple(rules.get("formal", {}).get("openings", ["各位好，"]))
    return not opening or opening.startswith(_CASUAL_OPENINGS + formal) or opening == f"{addr}，"


def _colloquial(topic: Topic, rules: dict[str, Any], addr: str) -> Topic:
    style = rules.get("colloquial", {})
    new = topic.model_copy(deep=True)
    new.question = _subs(new.question, style.get("words", {}))
    led = _LED.search(new.question)  # 坦白局：/投个票：/说实话， already lead the question
    if _plain_opening(new.opening, addr, rules) and not new.opening.startswith(_CASUAL_OPENINGS) and not led:
        options = [o.format(addr=addr) for o in style.get("openings", [])]
        if options:
            new.opening = options[sum(map(ord, topic.question)) % len(options)]
    for old, repl in style.get("tails", []):
        if new.question.endswith(old) and not new.question.endswith(tuple(style.get("tags", []))):
            if not re.search(r"[呀啊呢没啦不]？$", new.question) and not (
                repl == "不？" and "是" in new.question
            ):
                new.question = new.question[: -len(old)] + repl
            break
    tags = style.get("tags", [])
    if tags and _edits(topic.text, new.text) < 3 and not new.question.endswith(tuple(tags)):
        new.question += tags[sum(map(ord, topic.question)) % len(tags)]  # a chatty invitation after the ask
    return new


def _edits(a: str, b: str) -> int:
    """Characters that differ between two texts (a rough, cheap edit size)."""
    from difflib import SequenceMatcher

    return sum(
        max(i2 - i1, j2 - j1)
        for op, i1, i2, j1, j2 in SequenceMatcher(None, a, b).get_opcodes()
        if op != "equal"
    )


def _formal(topic: Topic, rules: dict[str, Any], addr: str) -> Topic:
    style = rules.get("formal", {})
    lead = (style.get("openings") or ["各位好，"])[0]
    new = topic.model_copy(deep=True)
    if _plain_opening(new.opening, addr, rules):
        new.opening = lead
    elif not new.opening.startswith(lead):
        new.opening = lead + new.opening
    for tag in rules.get("colloquial", {}).get("tags", []):
        new.question = new.question.removesuffix(tag)
    new.opening = _subs(new.opening, style.get("words", {}))
    new.question = _subs(new.question, style.get("words", {}))
    return new


def _emoji(topic: Topic, rules: dict[str, Any], traits: set[str], product_id: str) -> Topic:
    if _EMOJI.search(topic.text):
        raise InputError("这条已经带表情了，再加就花哨了；可以试试更口语一点。", field="instruction")
    by_type, by_trait = rules.get("by_type", {}), rules.get("by_trait", {})
    pick = rules.get("by_product", {}).get(product_id) or by_type.get(topic.type.value)
    pick = pick or next((by_trait[t] for t in by_trait if t in traits), None)
    new = topic.model_copy(deep=True)
    new.question = new.question + (pick or rules.get("default", "😄"))
    return new


def _longer(topic: Topic, rules: dict[str, Any], addr: str) -> Topic:
    """A warmer lead-in when there is none, then an easy invitation after the question."""
    new = topic.model_copy(deep=True)
    if not new.opening:
        new.opening = str(rules.get("opening", "{addr}，")).format(addr=addr)
    elif not any(new.question.endswith(t) for t in rules.get("tails", [])) and new.question.endswith("？"):
        tails = rules.get("tails", [])
        if tails:
            new.question += tails[sum(map(ord, topic.question)) % len(tails)]
    return new


def _style(kind: str, topic: Topic, ctx: DayContext, settings: Settings | None, avoid: list[str]) -> Topic:
    lib = library(settings)
    rules = lib.get("rewrite", {})
    addr = ctx.audience.address if ctx.audience else "大家"
    if kind == "short":
        return _shorter(topic, ctx, settings, avoid)
    if kind == "colloquial":
        return _colloquial(topic, rules, addr)
    if kind == "formal":
        return _formal(topic, rules, addr)
    if kind == "emoji":
        return _emoji(topic, rules.get("emoji", {}), traits_of(ctx.product, lib), ctx.product.id)
    if kind == "longer":
        return _longer(topic, rules.get("longer", {}), addr)
    new = topic.model_copy(deep=True)
    if kind == "no_emoji":
        new.opening, new.question = _EMOJI.sub("", new.opening), _EMOJI.sub("", new.question)
    elif kind == "plain":
        new.opening = ""
        if new.hook and new.hook.title not in new.question:
            new.hook = None
    return new


_SAME = {
    "longer": "这条已经够长了，群里的话题再长就没人看完了；可以换个角度。",
    "colloquial": "这条已经够口语了，再改就不像正经话了；可以换个角度，或者加个emoji。",
    "formal": "这条已经挺正式了；再正式就不像群里聊天了，可以换个角度。",
    "no_emoji": "这条里没有表情，不用去。",
    "plain": "这条本来就没有由头，可以直接发。",
}


def rewrite_offline(
    topic: Topic,
    instruction: str,
    ctx: DayContext,
    settings: Settings | None = None,
    avoid: Sequence[str] = (),
) -> Topic:
    """The topic rewritten as asked, checked again; InputError (Chinese) when that cannot be done offline."""
    kinds = instruction_kinds(instruction)
    if not kinds:
        raise InputError(
            f"离线模式看不懂「{instruction.strip()[:30]}」这个要求。可以说：{CAN_DO}。", field="instruction"
        )
    banned = [topic.text, *(a for a in avoid if a)]
    content = next((k for k in kinds if k in CONTENT), None)
    new = _redraft(content, topic, ctx, settings, banned) if content else topic.model_copy(deep=True)
    for kind in (k for k in kinds if k not in CONTENT):
        before = new.text
        new = _style(kind, new, ctx, settings, banned)
        if new.text == before and not content and kind in _SAME:
            raise InputError(_SAME[kind], field="instruction")
    if new.text == topic.text:
        raise InputError(
            f"按「{instruction.strip()[:30]}」改不出不一样的说法；可以说：{CAN_DO}。", field="instruction"
        )
    if not content and near_duplicate_of(new.text, banned[1:]):
        raise InputError("改出来的话题和方案里已有的话题重复了；可以换个角度。", field="instruction")
    new = _checked(new, ctx)
    failed = [name for name, c in new.checks.items() if not c.passed]
    if failed:
        why = "；".join(r for name in failed for r in new.checks[name].reasons[:1])
        raise InputError(
            f"按「{instruction.strip()[:30]}」改出来的话题没通过检查（{why}）；换个要求试试。",
            field="instruction",
        )
    return new
