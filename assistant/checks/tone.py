"""Tone check: friendly and casual for the audience, no hard-sell call to action, no chatbot filler.

Word lists in `knowledge_base/style/tone.yaml`. A hard-sell CTA or AI filler fails the check outright;
stiff corporate wording, preaching, shouting (too many ！), words that jar with the audience, and ad copy
lower the score; warm particles and the group's own form of address raise it a little. Ad copy is a sentence
that pitches what is sold without asking anything — it points at the product or carries the seller's words
("这套三件套美白去皱都能做。", "今天的洗衣凝珠到货啦~"), or, when the whole text asks nothing, a slogan shouted
about no one ("全市最低价！"). A title, a tag or a friend's own story that asks nothing is not a pitch
("想和自己的宠物说谢谢的瞬间", "#防晒霜#", "我妈吃了以后脚麻都轻了").
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from assistant.checks.context import read
from assistant.checks.lexicon import Matcher, compiled, longest_only
from assistant.checks.normalize import Normalized, normalize
from assistant.models import Audience, CheckResult, Product

# A topic talks *with* the group: it asks, or invites people to show, vote or tell.
_CONVERSATION = re.compile(
    r"\?|(吗|呢|吧|没|么|啥|谁|哪|几)[!~。.]*$|晒(一?晒|出|张|图|照|个|下)|说说|聊聊|接龙|投票|扣[0-9一二]|你们觉得|评论|举手|报个"
    r"|还是|(什么|哪|几|谁|怎么|多少|有没有|是不是|会不会)[^,，。!]*(呀|啊|嘛|哇|呐)[!~。.]*$"
)
PITCH_WEIGHT = 0.45
_OPTIONS = re.compile(r"(选项)?[a-d1-4][、:：]?[\u4e00-\u9fff]{1,8}[a-d1-4][、:：]?[\u4e00-\u9fff]")
_WARM = re.compile(r"[~～😄😊🙋😂🤣❤]")  # warm marks the normalised text drops

LABELS = {
    "hard_sell": "话题里叫卖（硬广号召），群友会直接划走",
    "ai_filler": "AI 腔套话，不像群里的人说话",
    "corporate": "官腔/客服腔，不够亲切",
    "lecture": "说教口吻",
    "audience": "这个群的人听着别扭",
    "pitch": "是在对群友推销商品（广告文案），不是和大家聊天",
}


@dataclass
class ToneRules:
    version: str
    base: float
    pass_at: float
    matcher: Matcher
    weights: dict[str, float]
    rewrites: dict[str, str]
    exclaim_limit: int
    exclaim_weight: float
    audience: dict[str, tuple[float, Matcher]]
    sell_patterns: list[re.Pattern[str]]


def rules() -> ToneRules:
    return compiled(("style", "tone.yaml"), _build)


def _build(data: dict[str, Any]) -> ToneRules:
    groups = ("hard_sell", "ai_filler", "corporate", "lecture", "friendly")
    items = [(t, g) for g in groups for t in (data.get(g) or {}).get("terms", [])]
    weights = {g: float((data.get(g) or {}).get("weight", 1.0)) for g in groups}
    audience = {
        name: (
            float(spec.get("weight", 0.2)),
            Matcher.build((t, "audience") for t in spec.get("terms", [])),
        )
        for name, spec in (data.get("audience_avoid") or {}).items()
    }
    built = ToneRules(
        version=str(data.get("version", "0")),
        base=float(data.get("base", 0.8)),
        pass_at=float(data.get("pass_at", 0.5)),
        matcher=Matcher.build(items),
        weights=weights,
        rewrites={g: (data.get(g) or {}).get("rewrite", "") for g in groups},
        exclaim_limit=int(data.get("exclaim_limit", 2)),
        exclaim_weight=float(data.get("exclaim_weight", 0.2)),
        audience=audience,
        sell_patterns=[re.compile(p) for p in (data.get("hard_sell") or {}).get("patterns", [])],
    )
    return built


def _pitch(n: Normalized, product: Product | None, claims: list[list[int]]) -> tuple[int, int] | None:
    """The span (in the original text) of the first sentence that pitches what is sold, or None."""
    from assistant.checks.claims import product_terms
    from assistant.checks.compliance import lexicon

    reading = read(n.text, lexicon().context, product_terms(product))
    talks = bool(_CONVERSATION.search(n.text))
    for s in reading.sentences:
        sentence = n.text[s.start : s.end]
        if s.asks or "?" in sentence or sentence.startswith("#") or _CONVERSATION.search(sentence):
            continue
        if _OPTIONS.match(sentence):  # the options of a vote ("A超市 B网购 C团购群") belong to its question
            continue
        a, b = n.span(s.start, s.end)
        claimed = any(a <= x < b for x, _y in claims)  # copy that makes a claim the compliance check found
        slogan = not talks and s.copy and (sentence.endswith("!") or claimed)
        named = sum(e - b for b, e in s.mentions)
        told = named and len(sentence.strip("!。.~#")) > named + 3  # says something about it, not a bare tag
        if s.pointer or s.commerce or slogan or told:
            return n.span(s.start, s.end)
    return None


def check_tone(
    text: str,
    audience: Audience | None = None,
    *,
    norm: Normalized | None = None,
    product: Product | None = None,
    claims: list[list[int]] | None = None,
) -> CheckResult:
    n = norm or normalize(text)
    r = rules()
    found: dict[str, list[dict[str, Any]]] = {}
    for start, end, _term, groups in longest_only(list(r.matcher.iter(n.text))):
        a, b = n.span(start, end)
        for g in set(groups):
            found.setdefault(g, []).append({"span": [a, b], "text": n.original[a:b]})
    for rx in r.sell_patterns:
        for m in rx.finditer(n.text):
            a, b = n.span(m.start(), m.end())
            if not any(q["span"][0] <= a and b <= q["span"][1] for q in found.get("hard_sell", [])):
                found.setdefault("hard_sell", []).append({"span": [a, b], "text": n.original[a:b]})
    weights = dict(r.weights)
    if audience is not None and audience.name in r.audience:
        weight, matcher = r.audience[audience.name]
        for start, end, _t, _g in matcher.iter(n.text):
            a, b = n.span(start, end)
            found.setdefault("audience", []).append({"span": [a, b], "text": n.original[a:b]})
        weights["audience"] = weight
    score = r.base
    reasons: list[str] = []
    fatal = [g for g in ("hard_sell", "ai_filler") if g in found]
    for g in ("hard_sell", "ai_filler", "corporate", "lecture", "audience"):
        if g not in found:
            continue
        quotes = "、".join(f"「{q['text']}」" for q in found[g])
        who = f"（{audience.name}）" if g == "audience" and audience else ""
        hint = r.rewrites.get(g) or ""
        reasons.append(f"{quotes}：{LABELS[g]}{who}。{hint}".rstrip("。") + "。")
        score -= 0.5 if g in fatal else weights.get(g, 0.2) * len(found[g])
    pitch = _pitch(n, product, claims or [])
    if pitch is not None:
        score -= PITCH_WEIGHT
        reasons.append(f"整句没有在问群友，也没有邀请大家晒/聊：{LABELS['pitch']}。")
        found.setdefault("pitch", []).append({"span": list(pitch), "text": text[pitch[0] : pitch[1]]})
    exclaims = n.text.count("!")
    if exclaims > r.exclaim_limit:
        score -= r.exclaim_weight
        reasons.append(f"用了 {exclaims} 个感叹号，像在喊话。")
    if "friendly" in found or _WARM.search(text):
        score += weights.get("friendly", 0.1)
    if audience is not None and audience.address and audience.address in text:
        score += 0.05
    score = max(0.0, min(1.0, score))
    passed = not fatal and score >= r.pass_at
    if passed and not reasons:
        reasons.append("语气轻松友好，没有叫卖和套话。")
    return CheckResult.model_construct(  # built from checked values: no second validation
        passed=passed,
        score=round(score, 3),
        reasons=reasons,
        details={
            "findings": {g: v for g, v in found.items() if g != "friendly"},
            "spans": [q["span"] for g, v in found.items() if g != "friendly" for q in v],
            "exclaims": exclaims,
            "audience": audience.name if audience else None,
            "rules_version": r.version,
            "rewrite": r.rewrites.get(fatal[0]) if fatal else None,
        },
    )
