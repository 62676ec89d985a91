"""Chinese reply text for chat tool results (what the operator reads)."""

from __future__ import annotations

from typing import Any

from assistant.models import CheckReport, DailyPlan, SearchHit, Topic, TrendItem

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
    if p.fallback_reason:
        lines.append(f"（注意：{p.fallback_reason}）")
    lines.append("想改哪一个可以直接说，例如「第二个更口语一点」「更短」「换个角度」。")
    return "\n".join(lines)


def revised(index: int, before: Topic, after: Topic) -> str:
    lines = [f"第 {index} 个改好了：", after.text]
    badges = _badges(after.checks)
    if badges:
        lines.append(badges)
    lines.append(f"（原来：{before.text}）")
    return "\n".join(lines)


def check(text: str, report: CheckReport) -> str:
    verdict = "可以发 ✓" if report.passed else "建议修改 ✗"
    lines = [f"「{text}」检查结果：{verdict}（总分 {report.score:.2f}）"]
    for name, label in CHECK_LABELS.items():
        result = report.checks.get(name)
        if result is None:
            continue
        reason = (
            "；".join(_short(r) for r in result.reasons[:2])
            if result.reasons
            else ("没有发现问题" if result.passed else "")
        )
        lines.append(
            f"· {label}：{'通过' if result.passed else '不通过'}" + (f"——{reason}" if reason else "")
        )
    rewrite = report.checks.get("compliance")
    if rewrite is not None and rewrite.details.get("rewrite"):
        lines.append(f"可以改成：{rewrite.details['rewrite']}")
    return "\n".join(lines)


def _short(text: str, limit: int = 80) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


_KIND = {"cases": "案例", "trends": "热搜", "calendar": "日历"}


def hits(query: str, found: list[SearchHit]) -> str:
    if not found:
        return f"没有找到和「{query}」相关的内容。换个说法试试，或者先运行 huati ingest 建立知识库索引。"
    lines = [f"和「{query}」相关的 {len(found)} 条："]
    for i, hit in enumerate(found, 1):
        snippet = hit.text.replace("\n", " ")
        snippet = snippet[:60] + ("…" if len(snippet) > 60 else "")
        lines.append(f"{i}. [{_KIND.get(hit.kind, hit.kind)}] {hit.title}：{snippet}")
    return "\n".join(lines)


def trends(items: list[TrendItem]) -> str:
    if not items:
        return "最近几天没有热搜数据。可以用 huati trends import 导入，或在 API 推送 POST /v1/trends。"
    lines = ["最近的热搜："]
    for i, t in enumerate(items, 1):
        lines.append(f"{i}. {t.title}（{t.platform}，{t.date.isoformat()}）")
    return "\n".join(lines)


def _feedback_line(items: list[dict[str, Any]]) -> str:
    if not items:
        return "还没有反馈"
    counts: dict[str, int] = {}
    for item in items:
        status = str(item.get("status") or item.get("verdict") or item.get("kind") or "其他")
        counts[status] = counts.get(status, 0) + 1
    names = {"accepted": "采用", "rejected": "弃用", "edited": "改后采用"}
    return "，".join(f"{names.get(k, k)} {v} 条" for k, v in counts.items())


def history(product: str | None, days: int, plans: list[DailyPlan], feedback: dict[str, list[dict]]) -> str:
    what = f"「{product}」" if product else ""
    if not plans:
        return f"最近 {days} 天没有{what}的方案记录。可以先让我出一份，例如：明天卖{product or '空气炸锅'}，给我三个话题。"
    lines = [f"最近 {days} 天{what}的方案 {len(plans)} 份："]
    for p in plans:
        first = p.topics[0].text if p.topics else ""
        lines.append(
            f"· {p.date.isoformat()} {p.product.name}（{p.id}）：{_feedback_line(feedback.get(p.id, []))}"
        )
        if first:
            lines.append(f"  头条话题：{first}")
    return "\n".join(lines)


def help_text() -> str:
    return "\n".join(
        [
            "我可以帮你做这些事：",
            "· 出话题：明天卖空气炸锅，宝妈群，给我三个话题",
            "· 改话题：第二个更口语一点 / 更短 / 换个角度 / 结合今天的热搜再来一个",
            "· 查违规：这句有没有违规？「这款面霜用了立刻变白」",
            "· 找素材：冬至有什么可以聊的 / 搜一下防晒案例",
            "· 看效果：上周那个保温杯的话题效果怎样？",
        ]
    )


def engine_line(engine: str, model: str) -> str:
    return "—— 离线引擎回答（规则路由，未调用大模型）" if engine == "offline" else f"—— 大模型 {model} 回答"
