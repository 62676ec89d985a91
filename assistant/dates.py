"""Dates users give: strict YYYY-MM-DD, inside the range the calendar libraries cover."""

from __future__ import annotations

import re
from datetime import date as Date

from assistant.errors import InputError

# lunar-python and the solar-term tables are reliable here; outside it date arithmetic also overflows.
MIN_DATE = Date(1901, 1, 1)
MAX_DATE = Date(2099, 12, 31)
_ISO = re.compile(r"\d{4}-\d{2}-\d{2}")


def check_range(day: Date, field: str = "date") -> Date:
    """`day` itself, or an InputError naming the supported range."""
    if not MIN_DATE <= day <= MAX_DATE:
        raise InputError(
            f"日期 {day.isoformat()} 超出支持范围：只支持 {MIN_DATE.isoformat()} 到 {MAX_DATE.isoformat()}",
            field=field,
        )
    return day


def parse_day(value: str, field: str = "date") -> Date:
    """Parse a user's date: exactly YYYY-MM-DD (e.g. 2026-12-22), a real day, inside the supported range."""
    text = (value or "").strip()
    try:
        if not _ISO.fullmatch(text):
            raise ValueError(text)
        day = Date.fromisoformat(text)
    except ValueError:
        raise InputError(f"日期格式不对：{value}，应为 YYYY-MM-DD，例如 2026-12-22", field=field) from None
    return check_range(day, field)


def parse_optional_day(value: str | None, field: str = "date") -> Date | None:
    """`parse_day`, or None when no date was given (None or blank)."""
    return None if value is None or not value.strip() else parse_day(value, field)
