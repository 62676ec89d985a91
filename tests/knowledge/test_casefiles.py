"""Case file names: stable, unique, safe; an existing id is a conflict, never an overwrite."""

from __future__ import annotations

import re
import threading

import pytest

from assistant.knowledge.casefiles import CaseConflict, case_file_name, id_hash, ids_in, save_new_case, slug


def case_text(case_id: str, title: str = "标题") -> str:
    return f"---\nid: {case_id}\ntitle: {title}\nkind: case\nsource: 笔记\n---\n正文\n"


SAFE = re.compile(r"^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?-[0-9a-f]{12}\.md$")


@pytest.mark.parametrize(
    "case_id",
    [
        "winter-solstice",
        "冬至团购复盘",
        "案例 一",
        "A/B test",
        "../../etc/passwd",
        "CON",
        "nul.txt",
        "README",
        "_draft",
        "-rf",
        "x" * 500,
        "e\u0301té",
        "🙂",
        "tab\tand\nnewline",
        "…",
    ],
)
def test_names_are_filesystem_safe(case_id: str) -> None:
    name = case_file_name(case_id)
    assert SAFE.match(name), name
    assert len(name) <= 40 + 1 + 12 + 3
    assert name == case_file_name(case_id)  # stable


def test_names_are_unique_where_slugs_collide() -> None:
    ids = ["案例一", "案例二", "A/B", "A-B", "a-b", "Case", "case", "e\u0301", "\u00e9"]
    names = {case_file_name(i) for i in ids}
    assert len(names) == len(ids)
    assert len({n.lower() for n in names}) == len(ids)  # also on case-insensitive file systems


def test_name_shape() -> None:
    assert (
        case_file_name("Winter Solstice 2026") == f"winter-solstice-2026-{id_hash('Winter Solstice 2026')}.md"
    )
    assert case_file_name("冬至团购复盘").startswith("case-")
    assert case_file_name("冬至", hint="dongzhi") == f"dongzhi-{id_hash('冬至')}.md"
    assert slug("ＡＢＣ１２３") == "abc123"  # full-width letters and digits fold (NFKC)
    assert id_hash("冬至") != id_hash("冬至 ")  # the exact id


def test_save_keeps_the_id_in_front_matter(tmp_path) -> None:
    path = save_new_case(tmp_path, "冬至团购复盘", case_text("冬至团购复盘"))
    assert path.name == case_file_name("冬至团购复盘")
    assert "id: 冬至团购复盘" in path.read_text(encoding="utf-8")
    assert ids_in(tmp_path) == {"冬至团购复盘": path.name}
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".tmp")]


def test_same_id_is_a_conflict_not_an_overwrite(tmp_path) -> None:
    first = save_new_case(tmp_path, "案例 一", case_text("案例 一", "第一版"))
    with pytest.raises(CaseConflict) as info:
        save_new_case(tmp_path, "案例 一", case_text("案例 一", "第二版"))
    assert info.value.status == 409 and "已存在" in info.value.message and first.name in info.value.message
    assert "第一版" in first.read_text(encoding="utf-8")
    # the bug this replaces: two CJK ids used to share the name `case.md` and the second overwrote the first
    second = save_new_case(tmp_path, "案例 二", case_text("案例 二"))
    assert second != first and len(list(tmp_path.glob("*.md"))) == 2


def test_id_under_an_old_file_name_or_in_the_knowledge_base_conflicts(tmp_path) -> None:
    (tmp_path / "case.md").write_text(case_text("旧案例"), encoding="utf-8")  # written by the old scheme
    with pytest.raises(CaseConflict, match="case.md"):
        save_new_case(tmp_path, "旧案例", case_text("旧案例"))
    with pytest.raises(CaseConflict, match="知识库"):
        save_new_case(tmp_path, "shipped", case_text("shipped"), known={"shipped": "cases/shipped.md"})


def test_text_must_carry_the_id(tmp_path) -> None:
    with pytest.raises(ValueError):
        save_new_case(tmp_path, "a", case_text("b"))


def test_concurrent_creates_one_wins(tmp_path) -> None:
    results: list[str] = []
    barrier = threading.Barrier(8)

    def create(i: int) -> None:
        barrier.wait()
        try:
            save_new_case(tmp_path, "同一个", case_text("同一个", f"版本 {i}"))
            results.append("created")
        except CaseConflict:
            results.append("conflict")

    threads = [threading.Thread(target=create, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results) == ["conflict"] * 7 + ["created"]
    assert len(list(tmp_path.glob("*.md"))) == 1
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".tmp")]
