"""Chinese reply text for chat tool results (what the operator reads)."""

from __future__ import annotations

from typing import Any

from assistant.models import CheckReport, DailyPlan, Topic

CHECK_LABELS = {"compliance": "合规", "low_barrier": "低门槛", "relevance": "贴合产品", "tone": "语气"}
STAGE_LABELS = {
    "warm_up": "预热",
    "launch": "发话题",
    "follow_up": "跟进",
    "product_link": "发链接",
    "wrap_up": "收尾",
}
_NUMS = "①②③④⑤⑥⑦⑧⑨⑩"


def _badges(checks: dict[str, Any]) -> str:
    parts = []
    for name, label in CHECK_LABELS.items():
        result = checks.get(name)
        if result is None:
            continue
        passed = result.passed if hasattr(result, "passed") else result.get("pass")
        parts.append(f"{label}{'✓' if passed else '✗'}")
    return " ".join(parts)


def plan(p: DailyPlan) -> str:
    who = f"，{p.audience.name}" if p.audience else ""
    lines = [f"{p.date.isoformat()} 推「{p.product.name}」{who}，{len(p.topics)} 个话题（方案 {p.id}）："]
    for i, topic in enumerate(p.topics):
        mark = _NUMS[i] if i < len(_NUMS) else f"{i + 1}."
        lines.append(f"{mark} {topic.text}")
        badges = _badges(topic.checks)
        if badges:
            lines.append(f"   {badges}")
    if p.timeline:
        steps = "；".join(f"{s.time} {STAGE_LABELS.get(s.stage, s.stage)}" for s in p.timeline)
        lines.append(f"节奏：{steps}")
    made_by = "离线引擎" if p.engine == "offline" else "大模型"
    lines.append(f"（方案由{made_by}生成：{p.model}）")
    if p.product.ad_hoc:
        lines.append(
            f"（注意：「{p.product.name}」是新商品，未在商品库中：话题只能按名字来写，「贴合产品」也只按名字判断。"
            "建议在 knowledge_base/products/ 补充类目和卖点。）"
        )
    if p.fallback_reason:
        lines.append(f"（注意：{p.fallback_reason}）")
    lines.append("想改哪一个可以直接说，例如「第二个更口语一点」「更短」「换个角度」。")
    return "\n".join(lines)


def revised(
    index: int, before: Topic, after: Topic, plan_id: str, version: int, engine: str, model: str
) -> str:
    made_by = "离线规则" if engine == "offline" else f"大模型 {model}"
    lines = [f"第 {index} 个改好了（第 {version} 版，{made_by}改写，已存进方案 {plan_id}）：", after.text]
    badges = _badges(after.checks)
    if badges:
        lines.append(badges)
    if after.hook is not None and after.hook.kind == "trend":
        lines.append(f"结合的热搜：{after.hook.title}")
    lines.append(f"（改前：{before.text}）")
    return "\n".join(lines)


def shown(index: int, topic: Topic, revisions: int) -> str:
    lines = [
        f"第 {index} 个" + (f"（改过 {revisions} 次，这是现在的版本）：" if revisions else "："),
        topic.text,
    ]
    badges = _badges(topic.checks)
    if badges:
        lines.append(badges)
    lines.append("要改的话直接说，例如「更短」「换个角度」。")
    return "\n".join(lines)


def check(text: str, report: CheckReport, product_known: bool = True) -> str:
    verdict = "可以发 ✓" if report.passed else "建议修改 ✗"
    lines = [f"「{text}」检查结果：{verdict}（总分 {report.score:.2f}）"]
    for name, label in CHECK_LABELS.items():
        result = report.checks.get(name)
        if result is None:
            continue
        # every compliance finding (each is a separate thing to fix); the first two reasons of the others
        shown = result.reasons if name == "compliance" else result.reasons[:2]
        reasons = [r.strip().rstrip("。；;") for r in shown if r.strip()]
        reason = "；".join(reasons) if reasons else ("没有发现问题" if result.passed else "")
        lines.append(
            f"· {label}：{'通过' if result.passed else '不通过'}" + (f"——{reason}" if reason else "")
        )
    if not product_known:
        lines.append(
            "（没有指定商品，没查「贴合产品」；带上商品再问，例如：卖空气炸锅，这句合规吗：「你家炸锅多久洗一次？」）"
        )
    compliance = report.checks.get("compliance")
    rewrite = str(compliance.details.get("rewrite") or "") if compliance is not None else ""
    rewrite = rewrite.strip(" ，,。.；;、！!")
    if rewrite and rewrite != text:
        others = [
            label
            for name, label in CHECK_LABELS.items()
            if name != "compliance" and name in report.checks and not report.checks[name].passed
        ]
        rest = f"（{'、'.join(others)}还不通过，要另外改）" if others else ""
        lines.append(f"去掉违规说法后：{rewrite}{rest}")
    return "\n".join(lines)


def help_text() -> str:
    return "\n".join(
        [
            "我可以帮你做这些事：",
            "· 出话题：明天卖空气炸锅，宝妈群，给我三个话题",
            "· 改话题：第二个更口语一点 / 更短 / 别那么正式 / 换个角度 / 结合今天的热搜再来一个 / 换一批",
            "· 查违规：这句有没有违规？「这款面霜用了立刻变白」",
            "· 找素材：冬至有什么可以聊的 / 搜一下防晒案例 / 最近有什么热搜 / 下周有什么节日",
            "· 看效果：上周那个保温杯的话题效果怎样？ / 上周哪个话题效果最好",
            "· 看话题：第二个是什么（方便复制）",
        ]
    )


def engine_line(engine: str, model: str, fell_back: bool = False) -> str:
    if engine != "offline":
        return f"—— 大模型 {model} 回答"
    return (
        "—— 离线引擎回答（大模型出错后改用规则路由）"
        if fell_back
        else "—— 离线引擎回答（规则路由，未调用大模型）"
    )
