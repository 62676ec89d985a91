import json
from datetime import date

import pytest
from typer.testing import CliRunner

from assistant.cli.main import app
from assistant.errors import IndexError_
from assistant.retrieval import search
from assistant.retrieval.index import IndexStore
from assistant.retrieval.ingest import ingest

runner = CliRunner()


def _case_ids(settings):
    store = IndexStore(settings)
    manifest = store.manifest()
    part = store.part(manifest, "cases")
    return {r["metadata"]["case_id"] for r in part.records}, part


def test_second_ingest_does_no_work(tiny_kb):
    first = ingest(settings=tiny_kb, progress=False)
    assert (first.added, first.updated, first.deleted) == (5, 0, 0)
    assert first.chunks_added == 3 * 2 + 3
    manifest_before = (tiny_kb.home / "index" / "manifest.json").stat().st_mtime_ns
    parts_before = sorted(p.name for p in (tiny_kb.home / "index" / "parts").iterdir())
    second = ingest(settings=tiny_kb, progress=False)
    assert not second.changed and second.unchanged == 5
    assert "无变化" in second.summary()
    assert (tiny_kb.home / "index" / "manifest.json").stat().st_mtime_ns == manifest_before
    assert sorted(p.name for p in (tiny_kb.home / "index" / "parts").iterdir()) == parts_before


def test_changed_file_replaces_chunks_and_deleted_file_disappears(tiny_kb):
    ingest(settings=tiny_kb, progress=False)
    case = tiny_kb.kb_dir / "cases" / "toothpaste.md"
    case.write_text(
        case.read_text(encoding="utf-8").replace("先问大家用过没有", "改成问大家早上几点刷牙"),
        encoding="utf-8",
    )
    (tiny_kb.kb_dir / "cases" / "pets.md").unlink()
    report = ingest(settings=tiny_kb, progress=False)
    assert (report.added, report.updated, report.deleted, report.unchanged) == (0, 1, 1, 3)
    ids, part = _case_ids(tiny_kb)
    assert ids == {"toothpaste", "winter"}
    texts = " ".join(r["text"] for r in part.records)
    assert "几点刷牙" in texts and "用过没有" not in texts
    store = IndexStore(tiny_kb)
    assert store.collection(store.manifest()["collection"]).count() == len(part.records)
    hits = search("猫粮", kind="cases", k=5, settings=tiny_kb)
    assert all(h.metadata["case_id"] != "pets" for h in hits)


def test_trend_file_update_replaces_items(tiny_kb):
    ingest(settings=tiny_kb, progress=False)
    path = tiny_kb.kb_dir / "trends" / "2026-12-20.jsonl"
    path.write_text(
        json.dumps({"date": "2026-12-20", "platform": "抖音", "title": "围炉煮茶"}, ensure_ascii=False),
        encoding="utf-8",
    )
    report = ingest(settings=tiny_kb, progress=False)
    assert report.updated == 1 and report.chunks_removed == 2 and report.chunks_added == 1
    titles = {
        h.title
        for h in search("冬至 寒潮 猫咪 围炉", kind="trends", date=date(2026, 12, 20), k=10, settings=tiny_kb)
    }
    assert "围炉煮茶" in titles and "冬至前的寒潮" not in titles


def test_malformed_input_reported_rest_ingested(tiny_kb):
    bad_case = tiny_kb.kb_dir / "cases" / "bad.md"
    bad_case.write_text("没有头部的案例\n", encoding="utf-8")
    trends = tiny_kb.kb_dir / "trends" / "2026-12-21.jsonl"
    trends.write_text(
        '{"date": "2026-12-21", "platform": "微博", "title": "好"}\n{"date": oops}\n', encoding="utf-8"
    )
    result = runner.invoke(app, ["ingest", "-q"])
    assert result.exit_code == 1
    output = result.output
    assert "bad.md:1: 缺少 YAML 头部" in output
    assert "2026-12-21.jsonl:2: JSON 格式错误" in output
    ids, _ = _case_ids(tiny_kb)
    assert ids == {"toothpaste", "winter", "pets"}
    hits = search("好", kind="trends", date=date(2026, 12, 21), settings=tiny_kb)
    assert any(h.title == "好" for h in hits)
    # The broken line is still reported while the file is unchanged (so the exit code keeps saying so).
    again = ingest(settings=tiny_kb, progress=False)
    assert not again.changed and any(":2: JSON" in e for e in again.errors)


def test_interrupted_ingest_leaves_previous_index_usable(tiny_kb, monkeypatch):
    ingest(settings=tiny_kb, progress=False)
    before = [h.id for h in search("牙膏 美白", kind="cases", settings=tiny_kb)]
    case = tiny_kb.kb_dir / "cases" / "toothpaste.md"
    case.write_text(case.read_text(encoding="utf-8").replace("美白牙膏", "儿童牙刷"), encoding="utf-8")
    (tiny_kb.kb_dir / "cases" / "winter.md").unlink()

    def crash(self, manifest):  # the process dies just before the commit point
        raise KeyboardInterrupt

    monkeypatch.setattr(IndexStore, "write_manifest", crash)
    with pytest.raises(KeyboardInterrupt):
        ingest(settings=tiny_kb, progress=False)
    monkeypatch.undo()
    # The old index still answers, with the old content, and still knows the deleted case.
    assert [h.id for h in search("牙膏 美白", kind="cases", settings=tiny_kb)] == before
    ids, _ = _case_ids(tiny_kb)
    assert ids == {"toothpaste", "winter", "pets"}
    # The next run completes the work.
    report = ingest(settings=tiny_kb, progress=False)
    assert (report.updated, report.deleted) == (1, 1)
    ids, part = _case_ids(tiny_kb)
    assert ids == {"toothpaste", "pets"}
    assert "儿童牙刷" in " ".join(r["text"] for r in part.records)
    parts = {p.name for p in (tiny_kb.home / "index" / "parts").iterdir()}
    assert parts == set(IndexStore(tiny_kb).manifest()["parts"].values())  # leftovers cleaned up


def test_crash_while_writing_a_partition(tiny_kb, monkeypatch):
    from assistant.retrieval import index

    ingest(settings=tiny_kb, progress=False)
    (tiny_kb.kb_dir / "cases" / "pets.md").unlink()
    real_save = index.Partition.save

    def half_save(self, directory):
        real_save(self, directory)
        (directory / "DONE").unlink()
        raise OSError("disk full")

    monkeypatch.setattr(index.Partition, "save", half_save)
    with pytest.raises(OSError):
        ingest(settings=tiny_kb, progress=False)
    monkeypatch.undo()
    assert _case_ids(tiny_kb)[0] == {"toothpaste", "winter", "pets"}
    assert ingest(settings=tiny_kb, progress=False).deleted == 1


def test_refuses_to_mix_embeddings(tiny_kb, monkeypatch):
    from assistant.settings import get_settings, reset_settings

    ingest(settings=tiny_kb, progress=False)  # built with hash
    monkeypatch.setenv("HUATI_EMBEDDING_PROVIDER", "usem")
    reset_settings()
    settings = get_settings()
    with pytest.raises(IndexError_) as exc:
        ingest(settings=settings, progress=False)
    assert "hash" in str(exc.value) and "huati ingest --rebuild" in str(exc.value)
    with pytest.raises(IndexError_):
        search("牙膏", kind="cases", settings=settings)
    result = runner.invoke(app, ["search", "牙膏", "--kind", "cases"])
    assert result.exit_code == IndexError_.exit_code and "--rebuild" in result.output
    # trends_for keeps working (falls back to the files).
    from assistant.retrieval import trends_for

    assert trends_for(date(2026, 12, 20), settings=settings)
    report = ingest(settings=settings, progress=False, rebuild=True)
    assert report.embedding == "usem" and report.added == 5
    manifest = IndexStore(settings).manifest()
    assert manifest["embedding"] == {"name": "usem", "dim": 512}
    assert search("牙膏", kind="cases", settings=settings)[0].metadata["case_id"] == "toothpaste"


def test_default_ingest_keeps_pushed_trends(tiny_kb):
    from assistant.models import TrendItem
    from assistant.retrieval.trend_store import save_trends

    save_trends([TrendItem(date=date(2026, 12, 20), platform="微博", title="暖气片上的猫")], tiny_kb)
    report = ingest(settings=tiny_kb, progress=False)
    assert report.deleted == 0
    titles = {h.title for h in search("猫", kind="trends", date=date(2026, 12, 20), k=10, settings=tiny_kb)}
    assert "暖气片上的猫" in titles


def test_ingest_bad_path_is_a_clear_error(tiny_kb):
    result = runner.invoke(app, ["ingest", str(tiny_kb.kb_dir / "nope")])
    assert result.exit_code == 2 and "路径不存在" in result.output


def test_cli_ingest_twice_says_no_change(tiny_kb):
    first = runner.invoke(app, ["ingest", "-q"])
    assert first.exit_code == 0, first.output
    assert "新增 5 个文件" in first.output
    second = runner.invoke(app, ["ingest", "-q"])
    assert second.exit_code == 0 and "无变化" in second.output


def test_shipped_knowledge_base_discovery_skips_examples():
    from pathlib import Path

    from assistant.retrieval.ingest import discover

    kb = Path(__file__).resolve().parents[2] / "knowledge_base"
    found = discover(kb)
    kinds = {kind for _, kind in found}
    assert kinds == {"cases", "trends"}
    assert not [p for p, _ in found if "examples" in p.parts or p.name.startswith("README")]
    assert not [p for p, _ in found if p.parent.name in ("products", "audiences", "patterns", "compliance")]
    broken = kb / "trends" / "examples" / "broken.jsonl"
    assert discover(broken) == [(broken, "trends")]  # an explicit path is always taken


def test_duplicate_case_id_reported_and_first_file_kept(tiny_kb):
    from retrieval_kb import write_case

    ingest(settings=tiny_kb, progress=False)
    write_case(
        tiny_kb.kb_dir / "cases",
        "zz-copy",
        id="winter",
        title="另一份冬至",
        background="抄来的内容，不该进索引。",
    )
    report = ingest(settings=tiny_kb, progress=False)
    assert len(report.errors) == 1 and "zz-copy.md:2: 案例 id 与" in report.errors[0]
    _, part = _case_ids(tiny_kb)
    assert "抄来的内容" not in " ".join(r["text"] for r in part.records)
    again = ingest(settings=tiny_kb, progress=False)
    assert not again.changed and again.errors == report.errors
