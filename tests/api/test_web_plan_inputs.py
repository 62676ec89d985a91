"""The page's plan form asks for a category and selling points (for products outside the catalogue), sends them
under the API's own keys, and stays within the page's strict CSP (no inline script, style or handler)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

STATIC = Path(__file__).resolve().parents[2] / "api" / "static" / "huati.js"


@pytest.fixture
def page(monkeypatch):
    from api.routes import web

    monkeypatch.setattr(web, "_recent_plans", lambda limit=20: [])


def _signed_in_page(c: TestClient) -> str:
    from assistant.service.keys import create_key

    _record, secret = create_key("web")
    assert c.post("/login", data={"key": secret}, follow_redirects=False).status_code == 303
    return c.get("/").text


def _plan_form(html: str) -> str:
    return re.search(r'<form[^>]*id="plan-form".*?</form>', html, re.S).group(0)


def test_plan_form_has_category_and_points(app, page):
    with TestClient(app) as c:
        form = _plan_form(_signed_in_page(c))
    assert re.search(r'<input[^>]*name="category"[^>]*list="categories"', form)
    assert re.search(r'<input[^>]*name="points"', form)
    from assistant.products import load_library

    options = re.findall(r'<option value="([^"]+)">', form)
    assert {c.name for c in load_library().categories} <= set(options)


def test_page_has_no_inline_script_style_or_handler(app, page):
    with TestClient(app) as c:
        html = _signed_in_page(c)
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html)
    assert not re.search(r"\sstyle=|\son[a-z]+=", html)


def test_script_sends_the_api_keys():
    js = STATIC.read_text(encoding="utf-8")
    assert 'form.get("category")' in js and "body.category" in js
    assert 'form.get("points")' in js and "body.points" in js


def test_plan_api_takes_category_and_points(app, page, drafting):
    body = {"product": "钢琴陪练课", "category": "教育课程", "points": ["一对一", "可回放"], "n": 1}
    with TestClient(app) as c:
        _signed_in_page(c)
        r = c.post("/v1/plans", json=body, headers={"X-Requested-With": "huati-web"})
    assert r.status_code == 201, r.text
    product = r.json()["product"]
    assert product["category"] == "教育课程" and product["selling_points"] == ["一对一", "可回放"]
