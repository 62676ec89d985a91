"""End-to-end in Chromium: a plan for a group, feedback buttons with counts, and the group report on the page."""

from __future__ import annotations

from pathlib import Path

import pytest
from test_web import shot

pytestmark = pytest.mark.browser
FIX = Path(__file__).resolve().parents[1] / "groups" / "fixtures"
GROUP = "阳光宝妈群"


def test_feedback_buttons_and_group_report(page_for, server, chat_env, tmp_path):
    from assistant.groups.importer import import_export
    from assistant.storage import Store

    import_export(FIX / "chatlab.json", GROUP, settings=chat_env)  # the group exists before the page loads
    page = page_for(1100, 1000)
    page.goto(server + "/")
    page.fill("input[name=product]", "亮白牙膏")
    page.select_option("select[name=audience]", "宝妈群")
    page.fill("input[name=group]", GROUP)
    page.click("#plan-submit")
    page.wait_for_selector("#topic-cards .topic")
    assert GROUP in page.inner_text("#plan-title")

    second = page.locator("#topic-cards .topic").nth(1)
    second.locator("button[data-verdict=posted]").click()
    form = second.locator(".feedback-form")
    form.locator("input[name=posted_at]").fill("21:02")
    form.locator("input[name=replies]").fill("14")
    form.locator("input[name=repliers]").fill("9")
    form.locator("input[name=orders]").fill("3")
    form.locator("button[type=submit]").click()
    page.wait_for_selector("#topic-cards .topic:nth-child(2) .feedback-done")
    assert "回复 14 条、接话 9 人、成交 3 单" in second.locator(".feedback-done").inner_text()

    first = page.locator("#topic-cards .topic").first
    first.locator("button[data-verdict=rejected]").click()
    assert first.locator("input[name=replies]").count() == 0  # a rejected topic went nowhere: no counts
    first.locator("input[name=note]").fill("太普通了，群里没人回")
    first.locator(".feedback-form button[type=submit]").click()
    page.wait_for_selector("#topic-cards .topic:nth-child(1) .feedback-done")

    # A bad count is refused with the server's Chinese sentence, nothing recorded
    third = page.locator("#topic-cards .topic").nth(2)
    third.locator("button[data-verdict=posted]").click()
    third.locator("input[name=replies]").fill("2")
    third.locator("input[name=repliers]").fill("5")
    third.locator(".feedback-form button[type=submit]").click()
    page.wait_for_selector("#topic-cards .topic:nth-child(3) .feedback-error")
    assert "不能比回复条数" in third.locator(".feedback-error").inner_text()

    plan_id = Store(chat_env).list_plans(group=GROUP)[0][0].id
    saved = Store(chat_env).feedback_for(plan_id)
    assert [(f["topic_index"], f["verdict"], f["replies"]) for f in saved] == [
        (2, "posted", 14),
        (1, "rejected", None),
    ]

    page.goto(server + "/#groups")
    page.select_option("#report-group", GROUP)
    page.click("#report-submit")
    page.wait_for_selector("#report-body [data-chart=heatmap] img")
    page.wait_for_function(  # every chart image loaded (they come from their own SVG route)
        "() => [...document.querySelectorAll('#report-body .chart img')].every(i => i.complete && i.naturalWidth > 0)"
    )
    assert page.locator("#report-body .chart img").count() == 4
    assert "哪类话题回复多" in page.inner_text("#report-body")
    box = page.locator("#report-body [data-chart=heatmap] img").bounding_box()
    assert box and box["width"] > 300 and box["height"] > 100  # drawn, not an empty element
    shot(page, "screenshot-report.png", tmp_path, full_page=True)
    assert page.js_errors == []
