"""Compliance by the groups of the Advertising Law, with context: text the team never wrote."""

from __future__ import annotations

import pytest

from assistant.checks.categories import category_for
from assistant.checks.compliance import check_compliance
from assistant.knowledge import resolve_product


def groups(text: str, product: str = "群聊话题", category: str | None = None) -> set[str]:
    result = check_compliance(text, resolve_product(product, category=category))
    return set() if result.passed else set(result.details["groups"])


@pytest.mark.parametrize(
    "text, product, category, group",
    [
        ("这款吹风机是世界领先的技术，今天团购价299元。", "吹风机", "家电", "绝对化用语"),
        ("性价比之王的床垫到货了，要的群里接龙。", "床垫", "家居", "绝对化用语"),
        ("这款面霜是国家领导人推荐的，你们用过吗？", "面霜", "化妆品", "国家机关与权威"),
        ("国家免检的脐橙到货了，下单记得备注楼号。", "脐橙", "食品", "国家机关与权威"),
        ("这款枕头包治百病，老人都说好。", "枕头", "家居", "医疗与功效宣称"),
        ("这款貔貅摆件摆在客厅招财进宝，群内价99元。", "貔貅摆件", "饰品摆件", "迷信"),
        ("这款面膜今天最后一天特价，错过恢复原价！", "面膜", "化妆品", "诱导与抽奖"),
        ("医生都推荐这款奶粉，宝妈们放心买。", "奶粉", "母婴", "代言推荐与奖项"),
        ("这款理财产品零风险，年化收益8%。", "理财产品", "金融", "投资收益与收藏升值"),
        ("这套纪念币升值空间巨大，今天开团。", "纪念币", "收藏品", "投资收益与收藏升值"),
        ("报我们的班保过，包上岸！", "公考课程", "教育培训", "教育培训承诺"),
        ("这款磁疗护膝100%有效，无效退款。", "护膝", "医疗器械", "保证承诺"),
    ],
)
def test_each_group_of_the_law_is_found(text, product, category, group):
    assert group in groups(text, product, category)


@pytest.mark.parametrize(
    "text",
    [
        "你手机一般充到100%才拔吗？",
        "你减肥成功过吗？",
        "你家老大是第一个学会走路的吗？",
        "这事我百分之百支持你。",
        "今天最低气温零下五度，大家出门多穿点。",
        "你们收到“恭喜获奖，点链接领面膜”的短信了吗？千万别点。",
        "这款四件套是100%棉，洗了不起球，团购价199元。",
        "面霜就是保湿的，没有美白祛斑的功效，大家按需购买。",
        "这次纪念币按面值兑换，不是投资品，别期待升值。",
        "你觉得哪款牙膏最好用？",
    ],
)
def test_ordinary_speech_and_honest_posts_pass(text):
    assert not groups(text), text


@pytest.mark.parametrize(
    "text, product",
    [
        ("你用过唯一一款无添加的儿童酱油吗？", "儿童酱油"),
        ("最强的空气炸锅，你家用过吗？", "空气炸锅"),
        ("你给孩子买过开发智力的积木吗？", "积木"),
    ],
)
def test_a_question_does_not_wave_through_a_claim_about_the_product(text, product):
    assert groups(text, product), text


@pytest.mark.parametrize(
    "text",
    [
        "这款奶粉医生都推荐，你们喝过吗？",
        "這款奶粉是國家級品質，你們喝過嗎？",
        "这款奶粉是ＮＯ．１，你们喝过吗？",
        "这款奶粉全\u200b网\u200b最\u200b低\u200b价，你们喝过吗？",
        "这款奶粉国🔥家免检，你们喝过吗？",
        "这款奶粉销 量 冠 军，你们喝过吗？",
    ],
)
def test_inserted_characters_traditional_and_full_width_do_not_hide_a_claim(text):
    assert groups(text, "奶粉", "母婴"), text


def test_hard_sell_pressure_is_a_compliance_finding():
    result = check_compliance("这款面膜手慢无，明天恢复原价！", resolve_product("面膜", category="化妆品"))
    assert not result.passed
    assert {"手慢无", "恢复原价"} <= {f["text"] for f in result.details["findings"] if f["tier"] == "fail"}


@pytest.mark.parametrize(
    "typed, product, entry",
    [
        ("保健品", "蜂胶", "保健食品"),
        ("医疗器械（儿童）", "护眼贴", "医疗器械"),
        ("母婴/儿童用品", "安睡袋", "母婴"),
        ("教育", "钢琴课", "教育培训"),
        ("收藏品", "纪念币", "金融收藏"),
        ("零售", "蜂胶软胶囊", "保健食品"),  # the category maps to nothing: the product's name decides
    ],
)
def test_free_text_categories_map_to_their_claim_rules(typed, product, entry):
    found = category_for(typed, product)
    assert found is not None and found.name == entry


def test_category_claims_follow_the_mapped_category():
    text = "这款蜂胶是糖尿病专用的，吃了血糖就稳了。"
    result = check_compliance(text, resolve_product("蜂胶", category="保健品"))
    assert not result.passed
    assert result.details["product_category"] == "保健食品"
