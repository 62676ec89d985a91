"""Reading a product title the way a shop writes it: 加厚防滑儿童雨靴男女童 10斤装 包邮 …

`clean_text` folds width, traditional characters and case; `read_name` also drops listing fluff (新款, 包邮,
10斤装, 2件套, 男女童 …), notes the packaging or voucher words at the end (礼盒, 券, 年卡 …) so that the head
noun before them counts as the end of the title, and finds the words that say who it is for (儿童, 狗狗 …)
or what kind of thing it is (…课, …门票, …上门服务).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from assistant.products.vocab import Nature, UserKind
from assistant.retrieval.text import normalize

MAX_NAME_CHARS = 200  # longer input is read only this far (a pasted listing, noise)

_BRACKETS = re.compile(r"【[^】]*】|\[[^\]]*\]|（[^）]*）|\([^)]*\)|「[^」]*」")
_UNITS = (
    "公斤|千克|kg|斤|克|g|毫升|ml|升|l|英寸|寸|cm|mm|厘米|米|片|包|袋|盒|支|瓶|罐|箱|提|枚|颗|粒|只|个|件|双|条|"
    "卷|抽|层|册|本|张|套|人|天|晚|次|节|课时|小时|朵|键|岁|码|w|瓦"
)
_QUANTITY = re.compile(rf"\d+(?:\.\d+)?\s*(?:{_UNITS})(?:装|起)?|[*x×]\s*\d+|\d+\s*[-~到]\s*\d+")
_FLUFF = (
    "男女童",
    "男女款",
    "男女通用",
    "旗舰店",
    "新款",
    "新品",
    "包邮",
    "正品",
    "特价",
    "官方",
    "旗舰",
    "爆款",
    "热卖",
    "限时",
    "秒杀",
    "清仓",
    "现货",
    "同款",
    "网红",
    "加厚",
    "加大",
    "加长",
    "大码",
    "ins",
)
_TRAILING_GENDER = re.compile(r"(?:女款|男款|女士|男士|女式|男式|女|男)$")
# Packaging and voucher words after the head noun: 大闸蟹礼券, 粽子礼盒, 温泉周末套票 ...
_TRAILING = (
    "礼盒装",
    "组合装",
    "家庭装",
    "上门服务",
    "同城配送",
    "大礼包",
    "代金券",
    "兑换券",
    "团购券",
    "礼盒",
    "套装",
    "组合",
    "礼包",
    "整箱",
    "礼券",
    "年卡",
    "月卡",
    "次卡",
    "周卡",
    "套餐",
    "配送",
    "当日达",
    "服务",
    "门票",
    "双人套餐",
    "单人套餐",
    "双人",
    "单人",
    "合集",
    "全集",
    "系列",
    "体验",
    "拍摄",
    "券",
)
# More words a listing puts after what people say: 温泉周末套票 is 温泉, 牛奶月订 is 牛奶, 电影票 is 电影.
_SPOKEN_TRAILING = (*_TRAILING, "套票", "月订", "周期购", "票", "周末")
# Who a title says it is for ("self": grown-ups, for titles that rule out a children's type).
USER_CUES: dict[UserKind, tuple[str, ...]] = {
    "pet": ("宠物", "猫咪", "狗狗", "幼犬", "幼猫", "猫", "狗", "犬", "喵", "汪"),
    "baby": ("婴儿", "婴幼儿", "新生儿", "宝宝", "母婴"),
    "child": ("儿童", "童装", "童鞋", "小学生", "中小学", "少儿", "孩子", "女童", "男童", "幼儿", "亲子"),
    "elder": ("老人", "中老年", "长辈", "父母", "爸妈", "老年"),
    "self": ("成人", "考研", "大学生", "职场", "白领", "上班族", "孕妇", "孕妈"),
}
# Words that say what kind of thing a title is, checked in this order (a 学车套餐 is a course, not an outing).
NATURE_CUES: tuple[tuple[Nature, tuple[str, ...]], ...] = (
    ("subscription", ("月卡", "年卡", "季卡", "周卡", "会员", "月订", "订阅", "包月")),
    ("course", ("课程", "网课", "训练营", "冲刺班", "培训", "陪练", "私教", "学车", "驾校", "课", "班")),
    (
        "service",
        (
            "上门",
            "服务",
            "保洁",
            "家政",
            "维修",
            "安装",
            "清洗",
            "搬家",
            "代办",
            "体检",
            "拍摄",
            "写真",
            "摄影",
            "按摩",
            "足疗",
            "美甲",
            "理发",
            "洗车",
            "保养",
            "护理",
            "月嫂",
        ),
    ),
    (
        "experience",
        (
            "门票",
            "套票",
            "一日游",
            "旅游",
            "度假",
            "酒店",
            "民宿",
            "乐园",
            "演唱会",
            "演出",
            "电影",
            "票",
            "券",
        ),
    ),
    ("gift", ("礼盒", "礼品", "伴手礼", "礼包", "礼物")),
)


@lru_cache(maxsize=1)
def _jieba() -> Any:
    import jieba

    from assistant.retrieval.text import tokenize

    # The one process-wide segmenter, always with retrieval's domain words added first: the same split
    # whether or not a search ran before (words added later would change it).
    tokenize("话题")
    return jieba


def segment(text: str) -> list[str]:
    """Words of a short title (jieba, precise mode, no HMM guesses: the same split on every run)."""
    return list(_jieba().lcut(text, HMM=False)) if text else []


def is_word(text: str) -> bool:
    """Whether the segmenter's dictionary knows `text` as a word (雨靴 yes, 花月卡 no)."""
    return bool(_jieba().dt.FREQ.get(text))


def dictionary() -> dict[str, int]:
    """The segmenter's word frequencies (0 for a mere prefix of a word): `is_word` for many look-ups."""
    freq: dict[str, int] = _jieba().dt.FREQ
    return freq


def clean_text(text: str) -> str:
    """Simplified, half-width, lower case, single spaces."""
    return normalize(str(text or "")[:MAX_NAME_CHARS])


@dataclass(frozen=True)
class Name:
    """A title read for matching. `text` has no spaces; `core` is `text` without trailing packaging words."""

    raw: str
    text: str
    core: str
    trailing: tuple[str, ...]
    users: tuple[UserKind, ...]
    nature: Nature | None
    nature_word: str

    @property
    def has_cjk(self) -> bool:
        return bool(re.search(r"[\u4e00-\u9fff]", self.text))


def _strip_fluff(text: str) -> str:
    text = _BRACKETS.sub(" ", text)
    text = _QUANTITY.sub(" ", text)
    for word in _FLUFF:
        text = text.replace(word, " ")
    text = re.sub(r"[^0-9a-z\u4e00-\u9fff]+", "", text)
    stripped = _TRAILING_GENDER.sub("", text)
    return stripped if len(stripped) >= 2 else text


def _split_trailing(text: str, tails: Sequence[str] = _TRAILING) -> tuple[str, tuple[str, ...]]:
    """`text` without the words of `tails` it ends with (repeatedly, never below two characters), and them."""
    trailing: list[str] = []
    core = text
    changed = True
    while changed:
        changed = False
        for word in tails:
            if core.endswith(word) and len(core) - len(word) >= 2:
                core = core[: -len(word)]
                trailing.insert(0, word)
                changed = True
                break
    return core, tuple(trailing)


def user_cues(text: str) -> tuple[UserKind, ...]:
    return tuple(kind for kind, words in USER_CUES.items() if any(w in text for w in words))


def nature_cue(text: str) -> tuple[Nature | None, str]:
    for nature, words in NATURE_CUES:
        for word in words:
            if word in text:
                return nature, word
    return None, ""


def read_name(name: str) -> Name:
    """The title cleaned for matching, with its trailing packaging words and cue words."""
    clean = clean_text(name)
    text = _strip_fluff(clean) or re.sub(r"\s+", "", clean)
    core, trailing = _split_trailing(text)
    nature, word = nature_cue(text)
    return Name(
        raw=str(name),
        text=text,
        core=core,
        trailing=trailing,
        users=user_cues(text),
        nature=nature,
        nature_word=word,
    )


def head_nature(name: Name) -> tuple[Nature | None, str]:
    """A service, course or subscription word at the head of the title (窗帘上门安装, 亲子乐园年卡): the product is
    that, whatever thing it is about."""
    tail = "".join(name.trailing)
    for nature, words in NATURE_CUES:
        if nature in ("service", "course", "subscription"):
            for word in words:
                if name.core.endswith(word) or word in tail:
                    return nature, word
    return None, ""


def head_noun(name: Name) -> str:
    """The everyday noun of a title nothing in the library names: short titles whole, else the last word
    (a single character, or a piece no dictionary knows, joined to the character before it)."""
    core = name.core or name.text
    if len(core) <= 4:
        return core
    words = [w for w in segment(core) if re.search(r"[0-9a-z\u4e00-\u9fff]", w)]
    if not words:
        return core[-4:]
    head = words.pop()
    while words and len(head) < 3 and (len(head) == 1 or (len(words[-1]) == 1 and not is_word(head))):
        head = words.pop() + head  # 早餐|机 → 早餐机, 血|氧仪 → 血氧仪, but 高|达|模型 stays 模型
    return head


def spoken(noun: str) -> str:
    """What people say for a listing word of a service, outing or subscription: 温泉套票 → 温泉, 体检套餐 → 体检,
    鲜花月卡 → 鲜花; a word that would be left shorter than two characters stays whole."""
    return _split_trailing(noun, _SPOKEN_TRAILING)[0]
