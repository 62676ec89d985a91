"""The knowledge base is split by concept (products and audiences, cases, file reading); callers keep
importing from `assistant.knowledge`, and one cache serves every loader."""

from __future__ import annotations

import os


def test_public_functions_stay_importable_from_knowledge():
    from assistant import knowledge
    from assistant.knowledge import cases
    from assistant.knowledge import files as kb_files

    assert knowledge.load_cases is cases.load_cases and knowledge.parse_case is cases.parse_case
    assert knowledge.Case is cases.Case and knowledge.clear_cache is kb_files.clear_cache
    for name in knowledge.__all__:
        assert getattr(knowledge, name, None) is not None, name


def test_clear_cache_from_knowledge_reloads_every_kind(scratch_kb):
    from assistant.knowledge import clear_cache, load_audiences, load_cases

    case = scratch_kb / "cases" / "c.md"
    case.write_text("---\nid: c1\ntitle: 甲\nkind: case\nsource: s\n---\n正文\n", encoding="utf-8")
    audiences = load_audiences()
    assert [c.title for c in load_cases()] == ["甲"]
    stat = case.stat()
    case.write_text("---\nid: c1\ntitle: 乙\nkind: case\nsource: s\n---\n正文\n", encoding="utf-8")
    os.utime(case, ns=(stat.st_atime_ns, stat.st_mtime_ns))  # same size and mtime: the cache still holds
    assert [c.title for c in load_cases()] == ["甲"]
    clear_cache()
    assert [c.title for c in load_cases()] == ["乙"] and load_audiences() == audiences
