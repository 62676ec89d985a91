"""End-to-end: the page at `/` in real headless Chromium: plan from the form, cards, copy, streamed chat."""

from __future__ import annotations

from pathlib import Path

import pytest
from page_wait import wait_until

pytestmark = pytest.mark.browser
DOCS = Path(__file__).resolve().parents[2] / "docs"
SCREENSHOTS_ENV = (
    "HUATI_DOCS_SCREENSHOTS"  # =1: also refresh docs/screenshot-*.png (a plain pytest never does)
)


def shot(page, name: str, tmp_path: Path, **kwargs) -> Path:
    """Screenshot into tmp_path; into docs/ only when SCREENSHOTS_ENV asks for it."""
    import os

    folder = DOCS if os.environ.get(SCREENSHOTS_ENV) == "1" else tmp_path
    path = folder / name
    page.screenshot(path=str(path), **kwargs)
    assert path.stat().st_size > 10_000  # a real rendering, not an empty page
    return path


DONE = "document.querySelectorAll('#chat-log .msg.assistant:not(.hint):not(.streaming)').length >= {n}"


def make_plan(page, base: str, product: str = "空气炸锅", audience: str = "宝妈群", n: str = "3") -> None:
    page.goto(base + "/")
    page.fill("input[name=product]", product)
    page.select_option("select[name=audience]", audience)
    page.select_option("select[name=n]", n)
    page.click("#plan-submit")
    wait_until(
        page,
        "!!(document.querySelector('#topic-cards .topic') || document.querySelector('#plan-status.error'))",
    )
    assert not page.locator("#plan-status.error").count(), page.inner_text("#plan-status")


def test_plan_from_form_cards_badges_copy(page_for, server, tmp_path):
    page = page_for()
    make_plan(page, server)
    cards = page.locator("#topic-cards .topic")
    assert cards.count() == 3
    assert "空气炸锅" in page.inner_text("#plan-title") and "宝妈群" in page.inner_text("#plan-title")
    assert "引擎" in page.inner_text("#plan-engine")
    # A badge per check on every card; each carries its reasons for hover.
    for i in range(3):
        badges = cards.nth(i).locator(".badge")
        assert badges.count() == 4
        assert all(badges.nth(j).get_attribute("title") for j in range(4))
        classes = {badges.nth(j).get_attribute("class").split()[-1] for j in range(4)}
        assert classes <= {"pass", "fail"}
    # Reasons also expand inline.
    cards.first.locator("summary").click()
    assert "合规" in cards.first.locator("details ul").inner_text()
    # Copy the second topic and read the clipboard back.
    text = cards.nth(1).locator(".topic-text").inner_text()
    cards.nth(1).locator(".copy").click()
    page.wait_for_selector("#topic-cards .topic:nth-child(2) .copy.done")
    assert page.evaluate("navigator.clipboard.readText()") == text
    assert page.locator("#timeline li").count() >= 1
    shot(page, "screenshot-plan.png", tmp_path, full_page=True)
    assert page.js_errors == []


def test_chat_streams_and_resumes(page_for, server, tmp_path):
    page = page_for()
    page.goto(server + "/#chat")
    page.fill("#chat-input", "明天卖空气炸锅，宝妈群，给我三个话题")
    page.press("#chat-input", "Enter")
    wait_until(page, DONE.format(n=1))
    reply = page.locator("#chat-log .msg.assistant").last
    assert "空气炸锅" in reply.inner_text() and "离线引擎回答" in reply.inner_text()
    assert int(reply.get_attribute("data-chunks")) > 3  # arrived as several SSE token events
    # The plan drafted in chat is on the plan tab too.
    page.wait_for_selector("#topic-cards .topic:nth-child(2)", state="attached")
    before = page.locator("#topic-cards .topic-text").nth(1).text_content()
    page.fill("#chat-input", "第二个更口语一点")
    page.click("#chat-send")
    wait_until(page, DONE.format(n=2))
    revised = page.locator("#chat-log .msg.assistant").last
    assert "第 2 个" in revised.inner_text() and "error" not in (revised.get_attribute("class") or "")
    # The revision was saved into the plan: the card now shows the new text, the one quoted in the reply.
    wait_until(
        page, "t => document.querySelectorAll('#topic-cards .topic-text')[1].textContent !== t", before
    )
    after = page.locator("#topic-cards .topic-text").nth(1).text_content()
    assert after and after in revised.inner_text()
    shot(page, "screenshot-chat.png", tmp_path)
    # The plan drafted in chat joined the history list.
    page.click("a[data-tab=history]")
    assert "空气炸锅" in page.inner_text("#history-list")
    # Reload: the conversation comes back from the server.
    page.reload()
    wait_until(page, "document.querySelectorAll('#chat-log .msg.user').length == 2")
    assert page.js_errors == []


def test_history_reopens_a_plan(page_for, server):
    page = page_for()
    make_plan(page, server, product="电热毯", audience="银发群", n="2")
    first = page.locator("#topic-cards .topic-text").first.inner_text()
    page.goto(server + "/#history")
    page.click("#history-list .history-item >> nth=0")
    wait_until(page, "location.hash === '#plan'")
    page.wait_for_selector("#topic-cards .topic")
    assert page.locator("#topic-cards .topic-text").first.inner_text() == first


def test_errors_show_in_chinese(page_for, server):
    page = page_for()
    page.goto(server + "/")
    page.fill("input[name=product]", "长" * 80)
    page.click("#plan-submit")
    page.wait_for_selector("#plan-status.error")
    assert page.inner_text("#plan-status").strip()
    assert page.locator("#topic-cards .topic").count() == 0


def test_phone_width_has_no_horizontal_scroll(page_for, server):
    page = page_for(390, 844)
    make_plan(page, server)
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.click("a[data-tab=chat]")
    page.locator("#chat-input").wait_for(state="visible", timeout=5000)  # the tab switches after the click
    assert page.locator("#chat-input").is_visible() and page.locator("#chat-send").is_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390


def test_copy_falls_back_without_clipboard_api(page_for, server):
    page = page_for()
    # A browser that refuses navigator.clipboard.writeText: the button falls back to execCommand("copy").
    page.add_init_script("navigator.clipboard.writeText = () => Promise.reject(new Error('denied'))")
    make_plan(page, server, n="1")
    text = page.locator("#topic-cards .topic-text").first.inner_text()
    page.locator("#topic-cards .copy").first.click()
    page.wait_for_selector("#topic-cards .copy.done")
    assert page.evaluate("navigator.clipboard.readText()") == text


def test_page_needs_a_key_to_sign_in(page_for, server, web_key):
    page = page_for(signed_in=False)
    page.goto(server + "/")
    assert page.locator("#login-form").count() == 1 and page.locator("#plan-form").count() == 0
    # Without a session the API refuses the page's own calls.
    status = page.evaluate(
        "fetch('/v1/plans', {method: 'POST', headers: {'X-Requested-With': 'huati-web', "
        "'Content-Type': 'application/json'}, body: JSON.stringify({product: '空气炸锅'})}).then(r => r.status)"
    )
    assert status == 401
    page.fill("input[name=key]", "hk_not-a-real-key")
    page.click("#login-submit")
    assert "密钥不对" in page.inner_text("#login-error")
    page.fill("input[name=key]", web_key)
    page.click("#login-submit")
    page.wait_for_selector("#plan-form")
    assert "网页-测试" in page.inner_text("#who-name")
    page.click("#logout")
    page.wait_for_selector("#login-form")


def test_revoked_key_ends_the_session(page_for, server):
    from assistant.service.keys import revoke_key

    page = page_for()
    revoke_key("网页-测试")
    page.fill("input[name=product]", "空气炸锅")
    page.click("#plan-submit")
    page.wait_for_selector("#plan-status.error")
    assert "吊销" in page.inner_text("#plan-status")
    page.reload()
    assert "已被吊销" in page.inner_text("#login-error")


def test_plan_notes_say_which_typed_trend_was_left_out(page_for, server):
    page = page_for()
    page.goto(server + "/")
    page.fill("input[name=product]", "亮白牙膏")
    page.fill("input[name=trend]", "加微信abc123领红包，冬天刷牙水太冰")
    page.click("#plan-submit")
    page.wait_for_selector("#plan-notes li")
    notes = page.inner_text("#plan-notes")
    assert (
        "abc123" in notes and "联系方式" in notes and "冬天刷牙水太冰" not in notes
    )  # the fitting one was used
    assert "abc123" not in page.inner_text("#topic-cards")
    assert page.js_errors == []
