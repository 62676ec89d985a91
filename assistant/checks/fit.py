"""Fit: does the topic's shape suit what kind of thing the product is?

"晒一晒你家的体检套餐" asks people to show off a service, "你家的空气炸锅快用完了吗？" restocks a durable, "这门课用着
顺手吗？" uses a course like a tool. Each shape is a pattern in `knowledge_base/style/fit.yaml` over the normalised
topic, written around `{name}` (any of the product's names), with the natures it does not suit and a reason and
a suggestion a copywriter understands. A fit finding fails relevance: the topic names the product, but in a way
that makes no sense for it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from assistant.checks.lexicon import compiled
from assistant.checks.normalize import Normalized
from assistant.errors import DataError
from assistant.products.vocab import NATURE_LABELS, NATURES


@dataclass(frozen=True)
class Shape:
    id: str
    shape: str
    pattern: str
    natures: frozenset[str]
    unless: re.Pattern[str] | None
    reason: str
    suggest: str


@dataclass(frozen=True)
class FitRules:
    version: str
    shapes: tuple[Shape, ...]
    kind_words: dict[str, tuple[str, ...]]  # nature -> words that name such a product without its name


def rules() -> FitRules:
    return compiled(("style", "fit.yaml"), _build)


def _build(data: dict[str, Any]) -> FitRules:
    shapes = []
    for i, raw in enumerate(data.get("rules") or []):
        natures = frozenset(str(n) for n in raw.get("natures") or [])
        bad = natures - set(NATURES)
        if bad or "{name}" not in str(raw.get("pattern", "")):
            raise DataError(
                f"knowledge_base/style/fit.yaml: 第 {i + 1} 条规则写错了（性质 {sorted(bad)} 或缺少 {{name}}）"
            )
        shapes.append(
            Shape(
                id=str(raw["id"]),
                shape=str(raw.get("shape", "")),
                pattern=str(raw["pattern"]),
                natures=natures,
                unless=re.compile(str(raw["unless"])) if raw.get("unless") else None,
                reason=str(raw.get("reason", "")),
                suggest=str(raw.get("suggest", "")),
            )
        )
    kinds = {str(k): tuple(str(w) for w in v or []) for k, v in (data.get("kind_words") or {}).items()}
    return FitRules(version=str(data.get("version", "0")), shapes=tuple(shapes), kind_words=kinds)


_COMPILED: dict[tuple[str, str, tuple[str, ...]], re.Pattern[str]] = {}


def _pattern(shape: Shape, version: str, names: tuple[str, ...]) -> re.Pattern[str]:
    key = (version, shape.id, names)
    hit = _COMPILED.get(key)
    if hit is None:
        alternation = "(?:" + "|".join(re.escape(n) for n in names) + ")"
        hit = re.compile(shape.pattern.replace("{name}", alternation))
        if len(_COMPILED) > 8192:
            _COMPILED.clear()
        _COMPILED[key] = hit
    return hit


def _clause(text: str, start: int, end: int) -> str:
    a = max((m.end() for m in re.finditer(r"[，,。！？!?；;]", text[:start])), default=0)
    b = re.search(r"[，,。！？!?；;]", text[end:])
    return text[a : end + (b.start() if b else len(text) - end)]


def fit_findings(
    n: Normalized,
    names: tuple[str, ...],
    nature: str | None,
    fill: dict[str, str],
) -> list[dict[str, Any]]:
    """Every shape of the topic that does not suit the product's nature, with a Chinese reason and suggestion.
    `fill` supplies {noun}, {verb}, {unit}, {scene} and {pain}."""
    if nature is None or not names:
        return []
    table = rules()
    names = tuple(sorted({*names, *table.kind_words.get(nature, ())}, key=lambda w: (-len(w), w)))
    values = {**fill, "nature": NATURE_LABELS.get(nature, nature)}  # type: ignore[call-overload]
    out: list[dict[str, Any]] = []
    for shape in table.shapes:
        if nature not in shape.natures:
            continue
        m = _pattern(shape, table.version, names).search(n.text)
        if m is None:
            continue
        if shape.unless is not None:
            clause = _clause(n.text, m.start(), m.end())
            for name in names:  # 空气炸锅 is not itself a way of cooking
                clause = clause.replace(name, " ")
            if shape.unless.search(clause):
                continue
        out.append(
            {
                "rule": shape.id,
                "shape": shape.shape,
                "nature": nature,
                "span": list(n.span(*m.span())),
                "text": n.quote(*m.span()),
                "reason": shape.reason.format(**values),
                "suggestion": shape.suggest.format(**values),
            }
        )
    return out


def version() -> str:
    return rules().version
