from datetime import date

import pytest

from assistant.retrieval.calendar import events_for, season, spring_festival, statutory_holiday


def _names(day, horizon=0, kind=None):
    return {e.name for e in events_for(day, horizon) if kind is None or e.kind == kind}


def test_winter_solstice_2026():
    events = events_for(date(2026, 12, 22), 0)
    solstice = [e for e in events if e.name == "冬至"]
    assert solstice and solstice[0].kind == "solar_term" and solstice[0].days_from == 0


def test_spring_festival_2027():
    assert spring_festival(2027) == date(2027, 2, 6)
    assert "春节" in _names(date(2027, 2, 6), kind="lunar_festival")
    upcoming = [e for e in events_for(date(2027, 2, 1), 10) if e.name == "春节"]
    assert upcoming[0].days_from == 5


def test_statutory_holiday_with_span():
    assert statutory_holiday(date(2026, 10, 3)) == "国庆节"
    assert statutory_holiday(date(2026, 10, 12)) is None
    holiday = [e for e in events_for(date(2026, 9, 28), 10) if e.kind == "public_holiday"]
    assert holiday[0].name == "国庆节假期" and holiday[0].date == date(2026, 10, 1)
    assert "共" in holiday[0].description


def test_beyond_chinese_calendar_falls_back():
    # chinese-calendar has no 2027 data; the festival that is always a holiday still counts.
    assert statutory_holiday(date(2027, 10, 1)) == "国庆节"
    names = _names(date(2027, 9, 30), 3, kind="public_holiday")
    assert "国庆节假期" in names


def test_shopping_festivals():
    upcoming = {
        e.name: e.days_from for e in events_for(date(2026, 11, 5), 10) if e.kind == "shopping_festival"
    }
    assert upcoming["双11"] == 6
    assert "618" in _names(date(2026, 6, 18), kind="shopping_festival")
    assert "38节" in _names(date(2026, 3, 8), kind="shopping_festival")
    qixi = [e for e in events_for(date(2026, 8, 19), 0) if e.name == "七夕"]
    assert qixi and qixi[0].kind == "shopping_festival"


def test_nianhuo_festival_before_spring_festival():
    events = [e for e in events_for(date(2027, 1, 20), 3) if e.name == "年货节"]
    assert events and events[0].days_from < 0 and "进行中" in events[0].description
    assert not [e for e in events_for(date(2026, 9, 1), 10) if e.name == "年货节"]


@pytest.mark.parametrize(
    ("day", "name"),
    [
        (date(2026, 12, 22), "冬季"),
        (date(2026, 7, 20), "夏季"),
        (date(2026, 4, 1), "春季"),
        (date(2026, 9, 28), "秋季"),
    ],
)
def test_season(day, name):
    assert season(day).name == name
    assert events_for(day, 0)[-1].kind == "season"


def test_horizon_and_order():
    events = events_for(date(2026, 12, 20), 10)
    offsets = [e.days_from for e in events if e.kind != "season"]
    assert offsets == sorted(offsets)
    assert all(0 <= d <= 10 for d in offsets)
    assert "冬至" in {e.name for e in events}
    with pytest.raises(ValueError):
        events_for(date(2026, 12, 20), -1)


def test_range_edges_do_not_overflow():
    from assistant.dates import MAX_DATE, MIN_DATE
    from assistant.errors import InputError

    last = events_for(MAX_DATE, 366)
    assert last[-1].kind == "season" and all(e.date <= MAX_DATE for e in last)
    assert not [e for e in last if "元旦" in e.name or e.name == "春节"]  # 2100 is beyond the horizon cut
    assert "圣诞节" in _names(date(2099, 12, 25), 7) and "元旦节" not in _names(date(2099, 12, 25), 7)
    first = events_for(MIN_DATE, 3)
    assert first[0].date <= MIN_DATE and "元旦节" in {e.name for e in first}
    for bad in (date(9999, 12, 30), date(1, 1, 1), date(2100, 1, 1), date(1900, 12, 31)):
        with pytest.raises(InputError, match="超出支持范围"):
            events_for(bad, 10)


@pytest.mark.parametrize("day", ["9999-12-30", "0001-01-01", "2100-01-01"])
def test_cli_calendar_out_of_range(day):
    from typer.testing import CliRunner

    from assistant.cli.main import app

    result = CliRunner().invoke(app, ["calendar", day])
    assert result.exit_code == 2 and "超出支持范围" in result.output


def test_cli_calendar_last_supported_day():
    import json

    from typer.testing import CliRunner

    from assistant.cli.main import app

    result = CliRunner().invoke(app, ["calendar", "2099-12-31", "--days", "366", "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)[-1]["kind"] == "season"
