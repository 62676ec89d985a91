"""Dates users give: strict YYYY-MM-DD, inside the range the calendar libraries cover."""

from __future__ import annotations

import re
from datetime import date as Date
from datetime import datetime, time, timedelta, timezone

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


_CLOCK = re.compile(r"(\d{1,2})[:：](\d{2})")
_BEIJING = timezone(timedelta(hours=8))


def parse_moment(value: str, day: Date | None = None, field: str = "at") -> datetime:
    """A posting time as chats record it (Beijing wall clock, naive): `2026-12-04T21:02`, `2026-12-04 21:02`,
    or `21:02` on `day`. A time with an offset (`…+00:00`, `…Z`) is converted to Beijing time."""
    text = (value or "").strip()
    clock = _CLOCK.fullmatch(text)
    try:
        if clock is not None:
            if day is None:
                raise ValueError(text)
            moment = datetime.combine(day, time(int(clock.group(1)), int(clock.group(2))))
        else:
            moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
            if len(text) <= 10:
                raise ValueError(text)  # a date alone says nothing about when it went out
    except ValueError:
        raise InputError(
            f"时间格式不对：{value}，应为 2026-12-04T21:02、2026-12-04 21:02 或 21:02", field=field
        ) from None
    if moment.tzinfo is not None:
        moment = moment.astimezone(_BEIJING).replace(tzinfo=None)
    check_range(moment.date(), field)
    return moment.replace(microsecond=0)
