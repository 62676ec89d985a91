"""The shipped case files: parse, coverage, labelling."""

from __future__ import annotations

import re

from assistant.knowledge import audience_names, load_cases

PLAYBOOK_CATEGORIES = {"母婴", "美妆个护", "食品生鲜", "小家电", "服饰", "宠物", "数码", "教育", "家居日用"}


def _cjk(text: str) -> int:
    return len(re.findall(r"[\u4e00-\u9fff]", text))


def test_every_case_parses_with_required_fields():
    errors: list = []
    cases = load_cases(errors=errors)
    assert errors == []
    assert len(cases) >= 20
    for c in cases:
        assert c.id and c.title and c.source and c.industry and c.platform, c.path
        assert c.audience and c.tactics and c.categories, c.id
        assert c.path.startswith("knowledge_base/cases/") and c.path.endswith(f"{c.id}.md"), c.path
        assert 250 <= _cjk(c.body) <= 600, (c.id, _cjk(c.body))
        assert "## 可借鉴" in c.body and "## 注意事项" in c.body, c.id


def test_case_audiences_and_categories_are_known():
    known = set(audience_names())
    categories = PLAYBOOK_CATEGORIES
    for c in load_cases():
        assert set(c.audience) <= known, (c.id, set(c.audience) - known)
        assert set(c.categories) <= categories, (c.id, set(c.categories) - categories)


def test_playbooks_cover_every_category_and_are_labelled():
    playbooks = [c for c in load_cases() if c.kind == "playbook"]
    covered = {cat for p in playbooks for cat in p.categories}
    assert PLAYBOOK_CATEGORIES <= covered
    # One dedicated playbook per category (a single category in its front matter).
    dedicated = {p.categories[0] for p in playbooks if len(p.categories) == 1}
    assert PLAYBOOK_CATEGORIES <= dedicated
    for p in playbooks:
        assert p.title.startswith("Huati 实践手册"), p.id
        assert p.source == "Huati playbook" and p.brand == "", p.id
        # No invented figures: no percentages, money or multipliers.
        assert not re.search(r"\d+(\.\d+)?\s*(%|％|万|元|倍|成)", p.body), p.id


def test_seed_cases_and_seasonal_playbooks_present():
    cases = {c.id: c for c in load_cases()}
    brands = " ".join(c.brand for c in cases.values())
    for brand in ("小米", "星巴克", "小红书", "知乎", "抖音"):
        assert brand in brands
    failed = [c for c in cases.values() if c.title.startswith("失败案例")]
    assert len(failed) >= 2
    text = " ".join(c.title + c.body for c in cases.values() if c.kind == "playbook")
    for theme in ("冬季", "冬至", "双11", "年货"):
        assert theme in text, theme
    assert "你用过美白类牙膏吗" in cases["toothpaste-low-barrier"].body
    assert cases["toothpaste-low-barrier"].kind == "case"


def test_playbook_example_topics_pass_the_checks():
    """Example topics labelled with a product (`- 空气炸锅：“...”`) are low-barrier, relevant and compliant."""
    from assistant.checks import run_checks
    from assistant.knowledge import find_product

    checked = 0
    for case in load_cases():
        for match in re.finditer(r"^- (\S+?)：“(.+?)”", case.body, re.M):
            product = find_product(match.group(1))
            if product is None:
                continue
            report = run_checks(match.group(2), product)
            failed = {k: v.reasons for k, v in report.checks.items() if not v.passed}
            assert not failed, (case.id, match.group(2), failed)
            checked += 1
    assert checked >= 15
