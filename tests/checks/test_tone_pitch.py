"""Tone: ad copy is a pitch about what is sold; a title, a tag or a friend's own story is not."""

from __future__ import annotations

from assistant.checks import run_checks
from assistant.knowledge import resolve_product


def test_tone_tells_a_pitch_from_a_title_or_a_friends_story():
    def tone(text: str, product: str, category: str | None = None) -> bool:
        return run_checks(text, resolve_product(product, category=category)).checks["tone"].passed

    assert tone("想和自己的宠物说谢谢的瞬间", "猫粮", "宠物")
    assert tone("#防晒霜#", "防晒霜", "美妆个护")
    assert tone("我妈吃了这个牌子的蜂胶，脚麻都轻了。", "蜂胶", "保健食品") is False  # points at the product
    assert tone("我妈冬天脚麻，泡脚以后轻多了。", "足浴盆", "小家电")
    assert not tone("换季脸干的姐妹，你们晚上护肤几步？这套三件套美白去皱都能做。", "护肤三件套", "化妆品")
    assert not tone("德国血液净化，降三高、护心脑、助长寿。", "血液净化服务", "医疗服务")
