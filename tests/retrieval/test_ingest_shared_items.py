"""Items present in several files (trend ids, case ids) and files that turn unreadable."""

import json
from datetime import date

from retrieval_kb import trend_line, write_case
from typer.testing import CliRunner

from assistant.cli.main import app
from assistant.retrieval import search
from assistant.retrieval.index import IndexStore
from assistant.retrieval.ingest import ingest

runner = CliRunner()
DAY = date(2026, 11, 27)
TITLE = "重复出现的审计条目"


def _titles(settings, query=TITLE):
    return [h.title for h in search(query, kind="trends", date=DAY, k=10, settings=settings)]


def _dup_dir(tmp_path):
    trends = tmp_path / "dup" / "trends"
    trends.mkdir(parents=True)
    line = trend_line(DAY.isoformat(), TITLE, 100) + "\n"
    (trends / "a.jsonl").write_text(line, encoding="utf-8")
    (trends / "b.jsonl").write_text(
        line + trend_line(DAY.isoformat(), "只在乙文件里", 50) + "\n", encoding="utf-8"
    )
    return trends


def test_trend_item_in_two_files_survives_deleting_one(tiny_kb, tmp_path):
    trends = _dup_dir(tmp_path)
    first = ingest([trends.parent], settings=tiny_kb, progress=False)
    assert first.chunks_added == 2  # three lines, two distinct items
    manifest = IndexStore(tiny_kb).manifest()
    counts = {k.rsplit("/", 1)[-1]: v["count"] for k, v in manifest["files"].items()}
    assert counts == {"a.jsonl": 1, "b.jsonl": 2}
    (trends / "a.jsonl").unlink()
    second = ingest([trends.parent], settings=tiny_kb, progress=False)
    assert second.deleted == 1 and second.chunks_removed == 0
    assert _titles(tiny_kb).count(TITLE) == 1
    (trends / "b.jsonl").write_text(trend_line(DAY.isoformat(), "只在乙文件里", 50) + "\n", encoding="utf-8")
    third = ingest([trends.parent], settings=tiny_kb, progress=False)
    assert third.updated == 1 and third.chunks_removed == 2 and third.chunks_added == 1
    assert TITLE not in _titles(tiny_kb)


def test_editing_one_owner_keeps_the_item_and_it_goes_with_the_last(tiny_kb, tmp_path):
    trends = _dup_dir(tmp_path)
    ingest([trends.parent], settings=tiny_kb, progress=False)
    (trends / "b.jsonl").write_text(
        trend_line(DAY.isoformat(), "乙文件改成了别的", 50) + "\n", encoding="utf-8"
    )
    ingest([trends.parent], settings=tiny_kb, progress=False)
    assert TITLE in _titles(tiny_kb)  # a.jsonl still has it
    (trends / "a.jsonl").unlink()
    ingest([trends.parent], settings=tiny_kb, progress=False)
    assert TITLE not in _titles(tiny_kb)
    assert "乙文件改成了别的" in _titles(tiny_kb, "乙文件改成了别的")


def test_same_item_in_knowledge_base_and_pushed_trends(tiny_kb):
    from assistant.models import TrendItem
    from assistant.retrieval.trend_store import save_trends

    day, title = date(2026, 12, 20), "冬至前的寒潮"  # already in the tiny knowledge base
    ingest(settings=tiny_kb, progress=False)
    saved = save_trends([TrendItem(date=day, platform="微博热搜", title=title, heat=5000)], tiny_kb)
    assert saved.saved == 1 and saved.report.chunks_added == 0
    (tiny_kb.kb_dir / "trends" / "2026-12-20.jsonl").unlink()
    ingest(settings=tiny_kb, progress=False)
    hits = search(title, kind="trends", date=day, k=10, settings=tiny_kb)
    assert [h.title for h in hits].count(title) == 1


def test_duplicate_case_gets_indexed_when_the_first_file_goes(tiny_kb):
    ingest(settings=tiny_kb, progress=False)
    write_case(
        tiny_kb.kb_dir / "cases", "zz-copy", id="winter", title="另一份冬至", background="第二份文件的内容。"
    )
    report = ingest(settings=tiny_kb, progress=False)
    assert any("zz-copy.md:2: 案例 id 与" in e for e in report.errors)
    (tiny_kb.kb_dir / "cases" / "winter.md").unlink()
    after = ingest(settings=tiny_kb, progress=False)
    assert after.errors == [] and after.deleted == 1
    hits = search("第二份文件的内容", kind="cases", k=3, settings=tiny_kb)
    assert hits and hits[0].metadata["case_id"] == "winter" and "第二份文件" in hits[0].text
    assert not ingest(settings=tiny_kb, progress=False).changed


def test_identical_copy_of_a_case_is_reported(tiny_kb):
    cases = tiny_kb.kb_dir / "cases"
    (cases / "zz-same.md").write_text((cases / "pets.md").read_text(encoding="utf-8"), encoding="utf-8")
    report = ingest(settings=tiny_kb, progress=False)
    assert len(report.errors) == 1 and "zz-same.md:2: 案例 id 与" in report.errors[0]


def test_file_turning_non_utf8_is_counted_in_the_summary(tiny_kb):
    ingest(settings=tiny_kb, progress=False)
    path = tiny_kb.kb_dir / "trends" / "2026-12-20.jsonl"
    path.write_bytes(b"\xff\xfe" + "冬至".encode("gbk"))
    result = runner.invoke(app, ["ingest", "-q"])
    assert result.exit_code == 1
    assert "2026-12-20.jsonl:1: 文件不是 UTF-8 编码" in result.output
    assert "4 个文件未改动" in result.output and "1 个文件读不了" in result.output
    assert "冬至前的寒潮" in _titles_on(tiny_kb, date(2026, 12, 20))  # previous records kept


def _titles_on(settings, day):
    return [h.title for h in search("冬至 寒潮", kind="trends", date=day, k=10, settings=settings)]


def test_manifest_lists_both_owners(tiny_kb, tmp_path):
    trends = _dup_dir(tmp_path)
    ingest([trends.parent], settings=tiny_kb, progress=False)
    store = IndexStore(tiny_kb)
    part = store.part(store.manifest(), "trends-2026-11")
    (record,) = [r for r in part.records if r["title"] == TITLE]
    assert sorted(p.rsplit("/", 1)[-1] for p in record["files"]) == ["a.jsonl", "b.jsonl"]
    assert json.loads(json.dumps(record))["file"].endswith("a.jsonl")
