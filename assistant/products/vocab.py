"""The controlled vocabularies of product understanding, in one place.

Each vocabulary is a `Literal` type (for pydantic models and mypy) and a tuple of its values (for loops and
messages); `knowledge_base/product_types/*.yaml`, `selling_points.yaml` and `occasions.yaml` may only use
these values. Chinese labels are what explanations show to operators.
"""

from __future__ import annotations

from typing import Literal, get_args

Nature = Literal[
    "durable",
    "consumable",
    "fresh",
    "food",
    "wearable",
    "service",
    "course",
    "subscription",
    "experience",
    "gift",
]
UserKind = Literal["self", "baby", "child", "elder", "pet", "family", "gift_receiver"]
ClaimRisk = Literal[
    "general",
    "food",
    "health_food",
    "cosmetic",
    "baby",
    "pet",
    "education",
    "appliance",
    "apparel",
    "digital",
    "household",
    "medical_device",
    "finance",
    "travel",
]
Facet = Literal[
    "daily",
    "occasional",
    "shared",
    "personal",
    "placed",
    "showable",
    "flavours",
    "sizes",
    "restock",
    "lasts_years",
    "maintained",
    "booked",
    "with_others",
    "learned",
    "kids_involved",
    "outdoor",
    "cooking",
    "collectible",
]
Theme = Literal[
    "cold",
    "dry",
    "hot",
    "rain",
    "season_change",
    "festive_food",
    "holiday_meal",
    "nianhuo",
    "gift",
    "romance",
    "family_care",
    "shopping",
    "travel",
    "outing",
    "kids",
    "school_start",
    "study",
    "sleep",
    "fitness",
    "new_start",
    "spring_clean",
    "pets",
    "reading",
    "teeth",
    "mosquito",
    "tea",
    "harvest",
    "health",
]
Season = Literal["spring", "summer", "autumn", "winter", "all"]
# How a profile was reached: a catalogue entry, a type of the library, only a category, or only the name.
Basis = Literal["catalogue", "type", "category", "name"]

NATURES: tuple[Nature, ...] = get_args(Nature)
USER_KINDS: tuple[UserKind, ...] = get_args(UserKind)
CLAIM_RISKS: tuple[ClaimRisk, ...] = get_args(ClaimRisk)
FACETS: tuple[Facet, ...] = get_args(Facet)
THEMES: tuple[Theme, ...] = get_args(Theme)
SEASONS: tuple[Season, ...] = get_args(Season)
BASES: tuple[Basis, ...] = get_args(Basis)

NATURE_LABELS: dict[Nature, str] = {
    "durable": "耐用品",
    "consumable": "消耗品",
    "fresh": "生鲜",
    "food": "食品饮料",
    "wearable": "穿戴",
    "service": "服务",
    "course": "课程",
    "subscription": "订阅",
    "experience": "出游体验",
    "gift": "礼品",
}
USER_LABELS: dict[UserKind, str] = {
    "self": "自己",
    "baby": "婴儿",
    "child": "孩子",
    "elder": "老人",
    "pet": "宠物",
    "family": "全家",
    "gift_receiver": "收礼的人",
}
SEASON_LABELS: dict[Season, str] = {
    "spring": "春",
    "summer": "夏",
    "autumn": "秋",
    "winter": "冬",
    "all": "全年",
}
CLAIM_RISK_LABELS: dict[ClaimRisk, str] = {
    "general": "一般商品",
    "food": "普通食品",
    "health_food": "保健食品",
    "cosmetic": "化妆品",
    "baby": "母婴用品",
    "pet": "宠物用品",
    "education": "教育培训",
    "appliance": "家电",
    "apparel": "服饰",
    "digital": "数码",
    "household": "家居日化",
    "medical_device": "医疗器械",
    "finance": "金融",
    "travel": "旅游出行",
}
BASIS_LABELS: dict[Basis, str] = {
    "catalogue": "商品目录",
    "type": "品类库里的类型",
    "category": "只认出了大类",
    "name": "只有商品名",
}

# Facets a nature implies; a type's own `facets` add to these.
NATURE_FACETS: dict[Nature, tuple[Facet, ...]] = {
    "durable": ("lasts_years",),
    "consumable": ("restock", "daily"),
    "fresh": ("restock", "cooking"),
    "food": ("restock",),
    "wearable": ("personal", "showable"),
    "service": ("booked",),
    "course": ("learned", "booked"),
    "subscription": ("restock",),
    "experience": ("booked", "occasional", "with_others"),
    "gift": ("occasional", "showable"),
}

# Everyday verb and unit when nothing better is known than the nature.
NATURE_WORDS: dict[Nature, tuple[str, str]] = {
    "durable": ("用", "个"),
    "consumable": ("用", "个"),
    "fresh": ("吃", "份"),
    "food": ("吃", "份"),
    "wearable": ("穿", "件"),
    "service": ("约", "次"),
    "course": ("上", "节"),
    "subscription": ("订", "份"),
    "experience": ("去", "次"),
    "gift": ("送", "份"),
}

# Catalogue seasons (Chinese) -> library seasons.
SEASON_FROM_ZH: dict[str, Season] = {
    "春": "spring",
    "春季": "spring",
    "春天": "spring",
    "夏": "summer",
    "夏季": "summer",
    "夏天": "summer",
    "秋": "autumn",
    "秋季": "autumn",
    "秋天": "autumn",
    "冬": "winter",
    "冬季": "winter",
    "冬天": "winter",
    "全年": "all",
    "四季": "all",
}
