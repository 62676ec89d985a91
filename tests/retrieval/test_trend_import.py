import json
from datetime import date
from pathlib import Path

import pytest

from assistant.errors import InputError
from assistant.retrieval.trend_store import save_trends
from assistant.retrieval.trends import parse_heat, parse_trends, read_trend_files

EXAMPLES = Path(__file__).resolve().parents[2] / "knowledge_base" / "trends" / "examples"


def test_jsonl_with_broken_lines_reports_path_and_line(tmp_path):
    path = tmp_path / "t.jsonl"
    path.write_text(
        '{"date": "2026-11-20", "platform": "微博", "title": "好冷", "heat": "12.5万"}\n'
        '{"date": "2026-11-20", "platform": \n'
        "\n"
        '{"date": "2026-13-40", "platform": "微博", "title": "坏日期"}\n'
        '{"date": "2026-11-21", "platform": "抖音", "title": "   "}\n',
        encoding="utf-8",
    )
    items, errors = parse_trends(path)
    assert [i.title for i in items] == ["好冷"]
    assert items[0].heat == 125000
    assert [e.split(": ")[0] for e in errors] == [f"{path}:2", f"{path}:4", f"{path}:5"]
    assert "JSON" in errors[0]


def test_shipped_broken_example():
    items, errors = parse_trends(EXAMPLES / "broken.jsonl")
    assert len(items) == 3
    assert [e.split(":")[-2] for e in errors] == ["2", "4"]
    assert "日期不存在" in errors[1]


def test_csv_with_defaults_from_arguments_and_file_name(tmp_path):
    path = tmp_path / "douyin-2026-11-21.csv"
    path.write_text("标题,热度,分类\n冬天第一杯奶茶,3.2万,美食\n,100,\n", encoding="utf-8")
    items, errors = parse_trends(path)
    assert len(items) == 1 and items[0].date == date(2026, 11, 21) and items[0].platform == "douyin"
    assert items[0].heat == 32000 and items[0].category == "美食"
    assert errors == [f"{path}:3: 缺少标题（title）"]
    items, _ = parse_trends(path, "csv", date=date(2026, 1, 2), platform="抖音")
    assert items[0].date == date(2026, 1, 2) and items[0].platform == "抖音"


def test_shipped_csv_example():
    items, errors = parse_trends(EXAMPLES / "hotlist.csv")
    assert items and not errors
    assert all(i.title and i.platform for i in items)


def test_dailyhot_shape():
    items, errors = parse_trends(EXAMPLES / "weibo-dailyhot.json")
    assert errors == []
    assert len(items) == 4
    assert items[0].platform == "微博"  # from the aggregator's title, not the file name
    assert items[0].date == date(2026, 11, 27)  # from updateTime
    assert items[0].heat == 1502331 and items[0].url.startswith("https://")
    text = json.dumps({"data": [{"title": "x", "hot": "1.2亿"}, {"hot": 1}]})
    items, errors = parse_trends(text, "dailyhot", date=date(2026, 5, 1), platform="知乎")
    assert items[0].heat == 1.2e8 and items[0].platform == "知乎"
    assert errors == ["<输入>:1: data[2] 缺少标题（title）"]


def test_missing_date_is_an_error_not_a_guess():
    items, errors = parse_trends('{"title": "没日期", "platform": "微博"}', "jsonl")
    assert items == [] and "缺少日期" in errors[0]


def test_unknown_format_rejected():
    with pytest.raises(InputError):
        parse_trends("a,b\n", "xml")


@pytest.mark.parametrize(
    ("raw", "value"), [("1,234", 1234), ("5w", 50000), (7, 7.0), ("", None), ("热度 3万", 30000)]
)
def test_parse_heat(raw, value):
    assert parse_heat(raw) == value


def test_save_trends_appends_dedupes_and_indexes(tiny_kb):
    from assistant.retrieval import search

    items, _ = parse_trends(
        '{"date": "2026-12-21", "platform": "微博", "title": "暖宝宝囤货", "heat": 10}\n'
        '{"date": "2026-12-21", "platform": "微博", "title": "围巾怎么系"}',
        "jsonl",
    )
    first = save_trends(items, tiny_kb)
    assert first.saved == 2 and first.duplicates == 0
    again = save_trends(items, tiny_kb)
    assert again.saved == 0 and again.duplicates == 2
    stored = tiny_kb.home / "trends" / "2026-12-21.jsonl"
    assert len(stored.read_text(encoding="utf-8").splitlines()) == 2
    hits = search("暖宝宝", kind="trends", date=date(2026, 12, 21), settings=tiny_kb)
    assert hits and hits[0].title == "暖宝宝囤货"
    assert {i.title for i in read_trend_files(tiny_kb)} >= {"暖宝宝囤货", "冬至前的寒潮"}


def test_shipped_examples_import_as_samples(tiny_kb):
    from typer.testing import CliRunner

    from assistant.cli.main import app

    for name in ("weibo-dailyhot.json", "hotlist.csv"):
        result = CliRunner().invoke(app, ["trends", "import", str(EXAMPLES / name)])
        assert result.exit_code == 0, result.output
    stored = [
        json.loads(line)
        for p in (tiny_kb.home / "trends").glob("*.jsonl")
        for line in p.read_text(encoding="utf-8").splitlines()
    ]
    assert len(stored) == 4 + 5 and all(row["sample"] is True for row in stored)


@pytest.mark.parametrize(
    ("cell", "flag"), [("true", True), ("是", True), ("false", False), ("0", False), ("", False)]
)
def test_csv_sample_column(cell, flag):
    items, errors = parse_trends(f"date,platform,title,sample\n2026-11-27,微博,一条,{cell}\n", "csv")
    assert errors == [] and items[0].sample is flag
    _, errors = parse_trends("date,platform,title,sample\n2026-11-27,微博,一条,也许\n", "csv")
    assert errors == ["<输入>:2: sample 应为 true 或 false：也许"]


def test_dailyhot_update_time_is_a_china_date():
    body = {
        "title": "微博",
        "updateTime": "2026-11-27T20:00:00.000Z",
        "data": [{"title": "夜里上榜", "hot": 1}],
    }
    items, _ = parse_trends(json.dumps(body), "dailyhot")
    assert items[0].date == date(2026, 11, 28)  # 04:00 on 11-28 in Beijing
    body["updateTime"] = "2026-11-27T15:59:59Z"
    assert parse_trends(json.dumps(body), "dailyhot")[0][0].date == date(2026, 11, 27)
    body["updateTime"] = "2026-11-27 23:30:00"  # no offset: already China time
    assert parse_trends(json.dumps(body), "dailyhot")[0][0].date == date(2026, 11, 27)


def test_epoch_times_use_china_time_whatever_the_machine_zone(monkeypatch):
    import time

    from assistant.retrieval.trends import trend_date

    moment_ms = 1795795200000  # 2026-11-27T16:00:00Z = 2026-11-28 00:00 in Beijing
    for zone in ("UTC", "America/Los_Angeles", "Asia/Shanghai"):
        monkeypatch.setenv("TZ", zone)
        time.tzset()
        assert trend_date(moment_ms) == date(2026, 11, 28)
        assert trend_date(moment_ms // 1000 - 1) == date(2026, 11, 27)
        assert trend_date(str(moment_ms)) == date(2026, 11, 28)
    monkeypatch.delenv("TZ")
    time.tzset()


@pytest.mark.parametrize("bad", ["0001-01-01", "9999-12-31", "2100-01-01"])
def test_trend_dates_outside_the_supported_range_are_errors(bad):
    items, errors = parse_trends(json.dumps({"date": bad, "platform": "微博", "title": "远古热搜"}), "jsonl")
    assert items == [] and "超出支持范围" in errors[0]
    _, errors = parse_trends(json.dumps({"platform": "微博", "title": "x", "date": 10**20}), "jsonl")
    assert errors and "时间戳无效" in errors[0]
