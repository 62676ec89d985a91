"""Checks a request gets when it arrives, beyond its schema: delivery topics within the plan's size, and every
delivery target and callback address allowed by the outbound policy (refused with 422 naming the field and the
setting that allows it)."""

from __future__ import annotations

from typing import Any

from fastapi.exceptions import RequestValidationError

from assistant.service.delivery.targets import Delivery
from assistant.settings import Settings


def check_topics(delivery: Delivery | None, n: int, loc: tuple[str | int, ...] = ("body",)) -> None:
    """A target's `topic` must exist in a plan of `n` topics: 422 naming the field (never a silent fallback)."""
    if delivery is None:
        return
    errors = []
    for name in ("postiz", "wecom"):
        target = getattr(delivery, name)
        if target is not None and target.topic > n:
            errors.append(
                {
                    "type": "value_error",
                    "loc": (*loc, "delivery", name, "topic"),
                    "input": target.topic,
                    "msg": "",
                    "ctx": {"error": f"方案只有 {n} 个话题（n={n}），没有第 {target.topic} 个"},
                }
            )
    if errors:
        raise RequestValidationError(errors)


def check_destinations(
    delivery: Delivery | None, settings: Settings, loc: tuple[str | int, ...] = ("body",)
) -> None:
    """Delivery URLs the outbound policy refuses outright (loopback, private, link-local … literals, numeric
    spellings, other schemes): a 422 naming the field and `HUATI_OUTBOUND_ALLOW`, before anything is drafted.
    Host names are checked again at connect time, after DNS (`assistant.service.outbound`)."""
    if delivery is None:
        return
    urls = []
    if delivery.postiz is not None:
        urls.append((("postiz", "base_url"), delivery.postiz.base_url))
    if delivery.wecom is not None and delivery.wecom.webhook_url is not None:
        urls.append((("wecom", "webhook_url"), delivery.wecom.webhook_url))
    errors = [e for path, url in urls if (e := _refused(url, settings, (*loc, "delivery", *path)))]
    if errors:
        raise RequestValidationError(errors)


def check_callback(url: Any, settings: Settings) -> None:
    error = _refused(url, settings, ("body", "callback_url"))
    if error:
        raise RequestValidationError([error])


def _refused(url: Any, settings: Settings, loc: tuple[str | int, ...]) -> dict[str, Any] | None:
    from assistant.service.outbound import OutboundRefused, policy_of

    if url is None:
        return None
    try:
        policy_of(settings).check_url(str(url))
    except OutboundRefused as exc:
        return {
            "type": "value_error",
            "loc": loc,
            "input": str(url),
            "msg": "",
            "ctx": {"error": exc.message},
        }
    return None
