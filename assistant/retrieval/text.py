"""Chinese text normalisation and tokenisation for retrieval.

`normalize` folds traditional to simplified characters (OpenCC t2s), full width to half width
(NFKC), case and whitespace. `tokenize` segments with jieba (plus domain words such as 双十一,
年货节, 宝妈) and drops stopwords and punctuation.
"""

from __future__ import annotations

import logging
import re
import threading
import unicodedata
from functools import lru_cache

# Words jieba would split wrongly; they matter for community-selling queries.
DOMAIN_WORDS = (
    "双十一",
    "双11",
    "双十二",
    "双12",
    "618",
    "520",
    "38节",
    "三八节",
    "女神节",
    "年货节",
    "冬至",
    "夏至",
    "立冬",
    "立春",
    "春节",
    "元宵",
    "端午",
    "中秋",
    "七夕",
    "重阳",
    "清明",
    "宝妈",
    "宝爸",
    "团长",
    "团购",
    "社群",
    "私域",
    "社群团购",
    "企业微信",
    "企微",
    "群话题",
    "话题",
    "复购",
    "拉新",
    "裂变",
    "种草",
    "小红书",
    "抖音",
    "知乎",
    "微博",
    "米粉",
    "星巴克",
    "防晒霜",
    "防晒",
    "牙膏",
    "美白",
    "母婴",
    "美妆",
    "个护",
    "生鲜",
    "小家电",
    "空气炸锅",
    "宠物",
    "猫粮",
    "狗粮",
    "数码",
    "直播",
    "带货",
    "秒杀",
    "晒单",
    "打卡",
    "接龙",
    "红包",
    "爆款",
    "低门槛",
    "银发",
    "大学生",
    "白领",
    "上班族",
)

STOPWORDS = frozenset(
    "的 了 和 是 在 也 就 都 而 及 与 着 或 一个 没有 我们 你们 他们 她们 它们 这 那 这个 那个 这些 那些 "
    "之 于 以 把 被 让 给 从 向 对 为 吗 呢 吧 啊 呀 哦 嘛 么 有 个 上 下 中 里 又 还 很 更 最 "
    "怎么 什么 如何 哪些 哪个 可以 能 会 要 想 用 来 去 说 看 做 得 地 等 等等 一些 一下 如果 "
    "们 过 到 类 "
    "因为 所以 但是 但 并 并且 而且 然后 以及 其 该 此 已 已经 每 各 自己 大家 我 你 他 她 它 "
    "the a an of to and or in on for is are with".split()
)

_SPACES = re.compile(r"\s+")
_TOKEN_OK = re.compile(r"[0-9a-z\u4e00-\u9fff]")
_lock = threading.Lock()
_ready = False


@lru_cache(maxsize=1)
def _converter():
    import opencc

    return opencc.OpenCC("t2s")


def normalize(text: str) -> str:
    """Simplified, half-width, lower-case text with single spaces."""
    if not text:
        return ""
    text = unicodedata.normalize("NFKC", text)
    text = _converter().convert(text)
    return _SPACES.sub(" ", text).strip().lower()


def _jieba():
    global _ready
    import jieba

    if not _ready:
        with _lock:
            if not _ready:
                jieba.setLogLevel(logging.WARNING)
                for word in DOMAIN_WORDS:
                    jieba.add_word(word, freq=200000)
                _ready = True
    return jieba


def tokenize(text: str) -> list[str]:
    """Search tokens of `text` (normalised first): jieba words without stopwords and punctuation."""
    norm = normalize(text)
    if not norm:
        return []
    out = []
    for token in _jieba().lcut_for_search(norm, HMM=True):
        token = token.strip()
        if token and token not in STOPWORDS and _TOKEN_OK.search(token):
            out.append(token)
    return out


def tokenize_many(texts: list[str]) -> list[list[str]]:
    return [tokenize(t) for t in texts]


def char_ngrams(text: str, sizes: tuple[int, ...] = (1, 2, 3)) -> list[str]:
    """Character n-grams of the normalised text, spaces removed (for the hash embedding)."""
    norm = normalize(text).replace(" ", "")
    grams: list[str] = []
    for n in sizes:
        grams.extend(norm[i : i + n] for i in range(max(0, len(norm) - n + 1)))
    return grams


_CJK = re.compile(r"[\u4e00-\u9fff]")
_STOP_CHARS = frozenset(
    "的了和是在也就都而及与着或这那之于以把被让给从向对为吗呢吧啊呀哦嘛么有个上下中里又还很更最我你他她它们"
)


def search_terms(text: str) -> list[str]:
    """BM25 terms: jieba tokens plus single CJK characters of multi-character words, so a one-character
    query (猫) still meets 猫咪 and a word jieba splits differently still overlaps."""
    tokens = tokenize(text)
    chars = [c for t in tokens if len(t) > 1 for c in t if _CJK.match(c) and c not in _STOP_CHARS]
    return tokens + chars
