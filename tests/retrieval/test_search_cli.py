import json
from datetime import date

import pytest
from typer.testing import CliRunner

from assistant.cli.main import app
from assistant.errors import IndexError_, InputError
from assistant.retrieval import search, trend_weight, trends_for
from assistant.retrieval.ingest import ingest

runner = CliRunner()


@pytest.fixture
def built(tiny_kb):
    ingest(settings=tiny_kb, progress=False)
    return tiny_kb


def test_trend_date_window(built):
    # Window = 3 days before the date, inclusive; later items never appear.
    titles = {
        h.title
        for h in search("冬至 饺子 寒潮", kind="trends", date=date(2026, 12, 20), k=10, settings=built)
    }
    assert "冬至前的寒潮" in titles and "冬至还有十二天 饺子馅准备" not in titles
    titles = {
        h.title
        for h in search("冬至 饺子 寒潮", kind="trends", date=date(2026, 12, 12), k=10, settings=built)
    }
    assert titles == {"冬至还有十二天 饺子馅准备"}
    assert search("冬至 饺子", kind="trends", date=date(2026, 12, 9), settings=built) == []


def test_window_spans_month_boundary(built):
    from assistant.models import TrendItem
    from assistant.retrieval.trend_store import save_trends

    save_trends([TrendItem(date=date(2026, 11, 30), platform="抖音", title="月底的寒潮预警", heat=10)], built)
    titles = {h.title for h in search("寒潮", kind="trends", date=date(2026, 12, 2), k=10, settings=built)}
    assert "月底的寒潮预警" in titles


def test_recency_and_heat_weighting():
    ages = [0, 2, 0]
    heat = [100.0, 100.0, 10000.0]
    import numpy as np

    w = trend_weight(np.array(ages, float), np.array(heat))
    assert w[0] > w[1]  # newer beats older at equal heat
    assert w[2] > w[0]  # hotter beats cooler at equal age
    assert w[1] == pytest.approx(w[0] / 2)  # half-life of two days


def test_metadata_filters(built):
    hits = search("话题", kind="cases", filters={"category": "宠物"}, k=5, settings=built)
    assert [h.metadata["case_id"] for h in hits] == ["pets"]
    hits = search("话题", kind="cases", filters={"audience": "宝妈"}, k=5, settings=built)
    assert {h.metadata["case_id"] for h in hits} == {"toothpaste"}
    hits = search("话题", kind="cases", filters={"kind": "playbook"}, settings=built)
    assert {h.metadata["case_id"] for h in hits} == {"pets"}
    with pytest.raises(InputError):
        search("话题", filters={"colour": "red"}, settings=built)


def test_one_hit_per_case_and_k(built):
    hits = search("冬至 饺子 汤圆", kind="cases", k=2, settings=built)
    assert len(hits) == 2
    assert hits[0].metadata["case_id"] == "winter"
    assert len({h.metadata["case_id"] for h in hits}) == 2


def test_calendar_kind_needs_no_index(huati_env):
    hits = search("冬至", kind="calendar", date=date(2026, 12, 20), settings=huati_env)
    assert hits[0].title == "冬至" and hits[0].metadata["date"] == "2026-12-22"
    assert hits[0].metadata["days_from"] == 2


def test_search_without_index_raises_clear_error(huati_env):
    with pytest.raises(IndexError_) as exc:
        search("牙膏", kind="cases", settings=huati_env)
    assert "huati ingest" in str(exc.value)


@pytest.mark.parametrize("bad", ["", "   "])
def test_empty_query_rejected(built, bad):
    with pytest.raises(InputError):
        search(bad, settings=built)
    result = runner.invoke(app, ["search", bad])
    assert result.exit_code == 2 and "不能为空" in result.output


@pytest.mark.parametrize("bad", ["！！！", "?!...", "——，。", "😀 ~"])
def test_punctuation_only_query_rejected(built, bad):
    with pytest.raises(InputError, match="只有标点或符号"):
        search(bad, settings=built)
    result = runner.invoke(app, ["search", bad, "--json"])
    assert result.exit_code == 2 and "只有标点或符号" in result.output and "[" not in result.stdout
    # Punctuation around words is fine.
    assert search("猫！！", kind="trends", date=date(2026, 12, 20), settings=built)


def test_cli_json_shape(built):
    result = runner.invoke(app, ["search", "冬至 饺子", "--date", "2026-12-20", "-k", "4", "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert isinstance(data, list) and 1 <= len(data) <= 4
    for hit in data:
        assert set(hit) == {"id", "kind", "title", "text", "score", "source", "metadata"}
        assert hit["kind"] in ("cases", "trends", "calendar")
    assert [h["score"] for h in data] == sorted((h["score"] for h in data), reverse=True)
    kinds = {h["kind"] for h in data}
    assert "calendar" in kinds and "cases" in kinds
    case = next(h for h in data if h["kind"] == "cases")
    assert case["source"].endswith(".md") and case["metadata"]["case_id"] == "winter"


def test_cli_table_and_kind(built):
    result = runner.invoke(app, ["search", "猫", "--kind", "trends", "--date", "2026-12-20"])
    assert result.exit_code == 0
    assert "猫咪钻被窝" in result.output and "2026-12-20.jsonl" in result.output and "hash" in result.output


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["search", "猫", "--date", "2026-02-30"], "日期格式不对"),
        (["search", "猫", "--kind", "videos"], "不支持的类型"),
        (["calendar", "12-22"], "日期格式不对"),
    ],
)
def test_cli_bad_input(built, args, message):
    result = runner.invoke(app, args)
    assert result.exit_code == 2 and message in result.output


def test_cli_search_builds_missing_index(tiny_kb):
    result = runner.invoke(app, ["search", "牙膏", "--kind", "cases", "--json"])
    assert result.exit_code == 0, result.output
    assert "自动导入" in result.stderr
    assert json.loads(result.stdout)[0]["metadata"]["case_id"] == "toothpaste"


def test_cli_calendar_json():
    result = runner.invoke(app, ["calendar", "2026-12-22", "--days", "3", "--json"])
    assert result.exit_code == 0
    events = json.loads(result.stdout)
    assert events[0]["name"] == "冬至" and events[0]["kind"] == "solar_term"
    assert events[-1]["kind"] == "season"


def test_cli_trends_import(tiny_kb, tmp_path):
    path = tmp_path / "hot.json"
    path.write_text(
        json.dumps({"data": [{"title": "冬至汤圆还是饺子", "hot": 500}, {"hot": 3}]}, ensure_ascii=False),
        encoding="utf-8",
    )
    result = runner.invoke(
        app,
        ["trends", "import", str(path), "--format", "dailyhot", "--date", "2026-12-21", "--platform", "知乎"],
    )
    assert result.exit_code == 1  # one entry skipped
    assert "data[2]" in result.output and "导入 1 条" in result.output
    items = trends_for(date(2026, 12, 22), query="汤圆", settings=tiny_kb)
    assert [i.title for i in items] == ["冬至汤圆还是饺子"] and items[0].platform == "知乎"
    result = runner.invoke(app, ["trends", "import", str(path), "--format", "xml"])
    assert result.exit_code == 2


def test_trends_for_without_index_reads_files(tiny_kb):
    items = trends_for(date(2026, 12, 21), settings=tiny_kb)
    assert [i.title for i in items] == ["冬至前的寒潮", "猫咪钻被窝"]  # hotter first, 12-10 outside window
    assert trends_for(date(2026, 12, 21), query="猫咪", settings=tiny_kb)[0].title == "猫咪钻被窝"
    assert [i.title for i in trends_for(date(2026, 12, 12), window_days=5, settings=tiny_kb)] == [
        "冬至还有十二天 饺子馅准备"
    ]
    assert not (tiny_kb.home / "index").exists()


def test_trends_for_with_index(built):
    items = trends_for(date(2026, 12, 21), query="寒潮 降温", settings=built)
    assert items[0].title == "冬至前的寒潮"
    everything = trends_for(date(2026, 12, 21), k=10, settings=built)
    assert [i.title for i in everything] == ["冬至前的寒潮", "猫咪钻被窝"]
    assert trends_for(date(2026, 12, 21), window_days=20, k=10, settings=built)[-1].title.startswith(
        "冬至还有"
    )


def test_filters_apply_per_kind(built):
    # Trends have no audience: an audience filter narrows cases and leaves trends alone.
    hits = search(
        "冬至", kind="all", date=date(2026, 12, 20), k=10, filters={"audience": "银发群"}, settings=built
    )
    assert {h.metadata.get("case_id") for h in hits if h.kind == "cases"} == {"winter"}
    assert any(h.kind == "trends" for h in hits)
    # Category applies to both.
    hits = search(
        "冬至 猫咪",
        kind="trends",
        date=date(2026, 12, 20),
        k=10,
        filters={"category": "宠物"},
        settings=built,
    )
    assert hits == []


def test_same_trend_title_on_two_platforms_counts_once(built):
    from assistant.models import TrendItem
    from assistant.retrieval.trend_store import save_trends

    save_trends(
        [
            TrendItem(
                date=date(2026, 12, 20), platform="抖音热榜", title="冬至前的寒潮", heat=10, category="生活"
            )
        ],
        built,
    )
    hits = search("寒潮", kind="trends", date=date(2026, 12, 20), k=5, settings=built)
    assert [h.title for h in hits].count("冬至前的寒潮") == 1
    assert hits[0].metadata["platform"] == "微博热搜"  # the hotter one


def test_trends_for_without_dense_matches_characters(built):
    items = trends_for(date(2026, 12, 21), query="寒潮来了", settings=built, dense=False)
    assert [i.title for i in items] == ["冬至前的寒潮"]
    assert trends_for(date(2026, 12, 21), query="键盘", settings=built, dense=False) == []


def test_warm_up_loads_every_partition(built, tmp_path):
    from assistant.retrieval import warm_up
    from assistant.retrieval.index import IndexStore, forget_clients

    assert warm_up(built.model_copy(update={"home": tmp_path / "empty"})) >= 0  # no index is not an error
    forget_clients()
    warm_up(built)
    store = IndexStore(built)
    manifest = store.manifest()
    parts = [store.part(manifest, name) for name in manifest["parts"]]
    assert parts and all(p.bm25 is not None for p in parts)
