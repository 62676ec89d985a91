"""Search and trends_for at the edges of the supported date range (1901-01-01 .. 2099-12-31)."""

from datetime import date

import pytest
from retrieval_kb import trend_line
from typer.testing import CliRunner

from assistant.cli.main import app
from assistant.dates import MAX_DATE, MIN_DATE
from assistant.errors import InputError
from assistant.retrieval import search, trends_for
from assistant.retrieval.ingest import ingest

runner = CliRunner()


@pytest.fixture
def edge_kb(tiny_kb):
    trends = tiny_kb.kb_dir / "trends"
    (trends / "edges.jsonl").write_text(
        trend_line("2099-12-31", "世纪末的最后一天", 10)
        + "\n"
        + trend_line("1901-01-01", "新世纪第一天", 10)
        + "\n",
        encoding="utf-8",
    )
    report = ingest(settings=tiny_kb, progress=False)
    assert report.errors == []
    return tiny_kb


@pytest.mark.parametrize("kind", ["all", "trends", "calendar", "cases"])
def test_search_on_the_edge_days(edge_kb, kind):
    for day in (MAX_DATE, MIN_DATE):
        hits = search("世纪 第一天 最后一天", kind=kind, date=day, k=5, settings=edge_kb)
        if kind == "trends":
            assert [h.metadata["date"] for h in hits] == [day.isoformat()]


def test_trends_for_edges_with_large_windows(edge_kb):
    assert [i.title for i in trends_for(MIN_DATE, window_days=60, settings=edge_kb)] == ["新世纪第一天"]
    assert [i.title for i in trends_for(MAX_DATE, window_days=60, settings=edge_kb)] == ["世纪末的最后一天"]
    assert trends_for(MAX_DATE, query="最后一天", window_days=10_000, settings=edge_kb, dense=False)


@pytest.mark.parametrize("bad", [date(9999, 12, 31), date(1, 1, 1), date(2100, 1, 1)])
def test_out_of_range_dates_are_input_errors(edge_kb, bad):
    with pytest.raises(InputError, match="超出支持范围"):
        search("冬至", date=bad, settings=edge_kb)
    with pytest.raises(InputError, match="超出支持范围"):
        trends_for(bad, settings=edge_kb)


@pytest.mark.parametrize("day", ["9999-12-31", "0001-01-01"])
def test_cli_search_out_of_range(edge_kb, day):
    result = runner.invoke(app, ["search", "冬至", "--date", day])
    assert result.exit_code == 2 and "超出支持范围" in result.output and "内部错误" not in result.output


def test_cli_search_last_day(edge_kb):
    result = runner.invoke(app, ["search", "最后一天", "--date", "2099-12-31", "--json"])
    assert result.exit_code == 0, result.output
