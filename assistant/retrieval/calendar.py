"""Calendar computed offline for any date.

Solar terms and festivals come from lunar-python; statutory holidays from chinese-calendar (which
only knows the years the State Council has published: beyond them we fall back to the festivals that
are always public holidays). Shopping festivals follow fixed rules; the season follows the solar terms
(立春, 立夏, 立秋, 立冬).
"""

from __future__ import annotations

from datetime import date as Date
from datetime import timedelta
from functools import lru_cache

from lunar_python import Lunar, Solar

from assistant.dates import MAX_DATE, check_range
from assistant.models import CalendarEvent

# chinese-calendar's English holiday names -> Chinese.
_HOLIDAY_ZH = {
    "New Year's Day": "元旦",
    "Spring Festival": "春节",
    "Tomb-sweeping Day": "清明节",
    "Labour Day": "劳动节",
    "Dragon Boat Festival": "端午节",
    "National Day": "国庆节",
    "Mid-autumn Festival": "中秋节",
}
# Festivals that are statutory holidays every year (used when chinese-calendar has no data).
_ALWAYS_HOLIDAY = {
    "元旦节": "元旦",
    "劳动节": "劳动节",
    "国庆节": "国庆节",
    "除夕": "春节",
    "春节": "春节",
    "端午节": "端午节",
    "中秋节": "中秋节",
    "清明": "清明节",
}
# Solar festivals from lunar-python that are too obscure for a group topic.
_SKIP_SOLAR = {"全国中小学生安全教育日", "全民国防教育日", "全国助残日", "世界住房日", "万圣节前夜", "愚人节"}
# Less-known observances that community sellers do use (tooth care day for toothpaste ...).
_EXTRA_SOLAR = {
    "全国爱牙日",
    "世界读书日",
    "全国爱眼日",
    "世界睡眠日",
    "全国爱耳日",
    "世界无烟日",
    "世界环境日",
    "世界地球日",
    "全民健身日",
    "中国旅游日",
    "世界动物日",
    "女生节",
    "国际老年人日",
}
# Shopping festivals on fixed solar dates.
_SHOPPING = {
    (3, 8): ("38节", "妇女节前后的“女神节”大促，美妆个护、服饰是主角"),
    (5, 20): ("520", "谐音“我爱你”的表白日，礼物、美妆、鲜花类好推"),
    (6, 18): ("618", "年中大促，主力是数码、家电、美妆，前后约两周都在预热和返场"),
    (9, 9): ("99大促", "秋季大促，食品、日用品囤货多"),
    (11, 11): ("双11", "全年最大的购物节，提前两三周开始预售和囤货"),
    (12, 12): ("双12", "年末大促，承接双11之后的补货和年货预热"),
}
_SEASONS = (("立春", "春季"), ("立夏", "夏季"), ("立秋", "秋季"), ("立冬", "冬季"))
_NIANHUO_DAYS = 28  # 年货节 usually runs about four weeks up to a few days before 春节


def _solar(day: Date) -> Solar:
    return Solar.fromYmd(day.year, day.month, day.day)


@lru_cache(maxsize=4096)
def _lunar(day: Date):  # lunar_python.Lunar
    """Lunar date of `day`; cached because lunar-python recomputes a whole lunar year whenever
    consecutive calls alternate between two years."""
    return _solar(day).getLunar()


def _ymd(solar: Solar) -> Date:
    return Date(solar.getYear(), solar.getMonth(), solar.getDay())


@lru_cache(maxsize=64)
def spring_festival(year: int) -> Date:
    return _ymd(Lunar.fromYmd(year, 1, 1).getSolar())


@lru_cache(maxsize=64)
def _term_dates(year: int) -> dict[str, Date]:
    """Solar-term name -> date, for terms falling in `year`."""
    table = Solar.fromYmd(year, 6, 1).getLunar().getJieQiTable()
    return {name: _ymd(s) for name, s in table.items() if s.getYear() == year and not name.isascii()}


@lru_cache(maxsize=4096)
def statutory_holiday(day: Date) -> str | None:
    """Chinese name of the statutory holiday `day` belongs to, or None. Falls back to fixed festivals
    for years chinese-calendar does not cover yet."""
    import chinese_calendar

    try:
        on_holiday, name = chinese_calendar.get_holiday_detail(day)
    except NotImplementedError:
        solar = _solar(day)
        lunar = _lunar(day)
        for fest in [*solar.getFestivals(), *lunar.getFestivals(), lunar.getJieQi()]:
            if fest in _ALWAYS_HOLIDAY:
                return _ALWAYS_HOLIDAY[fest]
        return None
    if on_holiday and name:
        return _HOLIDAY_ZH.get(str(name), str(name))
    return None


def _holiday_covered(year: int) -> bool:
    import chinese_calendar

    try:
        chinese_calendar.get_holiday_detail(Date(year, 6, 1))
        return True
    except NotImplementedError:
        return False


def _holiday_span(day: Date, name: str) -> tuple[Date, Date]:
    start = end = day
    while statutory_holiday(start - timedelta(days=1)) == name:
        start -= timedelta(days=1)
    while statutory_holiday(end + timedelta(days=1)) == name:
        end += timedelta(days=1)
    return start, end


def season(day: Date) -> CalendarEvent:
    """Current season (by the four 立 terms) and the current solar term period."""
    starts: list[tuple[Date, str]] = []
    for year in (day.year - 1, day.year):
        terms = _term_dates(year)
        starts.extend((terms[term], name) for term, name in _SEASONS if term in terms)
    start, name = max((s for s in starts if s[0] <= day), key=lambda s: s[0])
    lunar = _lunar(day)
    prev = lunar.getPrevJieQi(True)
    term = f"；当前节气：{prev.getName()}（{prev.getSolar().getMonth()}月{prev.getSolar().getDay()}日起）"
    return CalendarEvent(
        date=day,
        name=name,
        kind="season",
        days_from=0,
        description=f"{start.month}月{start.day}日入{name[0]}{term}",
    )


@lru_cache(maxsize=4096)
def _events_on(day: Date) -> tuple[tuple[str, str, str], ...]:
    """(name, kind, description) of the events that fall on `day`."""
    solar = _solar(day)
    lunar = _lunar(day)
    out: list[tuple[str, str, str]] = []
    term = lunar.getJieQi()
    if term:
        out.append((term, "solar_term", "二十四节气"))
    for fest in lunar.getFestivals():
        out.append((fest, "lunar_festival", f"农历{lunar.getMonthInChinese()}月{lunar.getDayInChinese()}"))
    for fest in solar.getFestivals():
        if fest not in _SKIP_SOLAR:
            out.append((fest, "festival", ""))
    for fest in solar.getOtherFestivals():
        if fest in _EXTRA_SOLAR:
            out.append((fest, "festival", ""))
    shop = _SHOPPING.get((day.month, day.day))
    if shop:
        out.append((shop[0], "shopping_festival", shop[1]))
    if lunar.getMonth() == 7 and lunar.getDay() == 7:
        out.append(("七夕", "shopping_festival", "中国情人节，礼物、美妆、鲜花类好推"))
    return tuple(out)


def _nianhuo(day: Date, horizon_end: Date) -> CalendarEvent | None:
    for year in (day.year, day.year + 1):
        spring = spring_festival(year)
        start, end = spring - timedelta(days=_NIANHUO_DAYS), spring - timedelta(days=3)
        if start <= horizon_end and end >= day:
            state = "进行中" if start <= day else "即将开始"
            return CalendarEvent(
                date=start,
                name="年货节",
                kind="shopping_festival",
                days_from=(start - day).days,
                description=f"{state}：春节（{spring.month}月{spring.day}日）前的囤年货季，"
                f"约{start.month}月{start.day}日至{end.month}月{end.day}日",
            )
    return None


def events_for(date: Date, horizon_days: int = 10) -> list[CalendarEvent]:
    """Events on `date` and in the next `horizon_days` days (sorted by date), then the season.

    `days_from` is the event date minus `date` (negative for a holiday or 年货节 already under way).
    InputError for a date outside 1901-01-01..2099-12-31; the horizon is cut at 2099-12-31.
    """
    if horizon_days < 0:
        raise ValueError("horizon_days must be >= 0")
    check_range(date)
    # The horizon stops at the end of the supported range (lunar tables, no date overflow).
    return [e.model_copy() for e in _events_for(date, min(horizon_days, (MAX_DATE - date).days))]


@lru_cache(maxsize=512)
def _events_for(date: Date, horizon_days: int) -> tuple[CalendarEvent, ...]:
    end = date + timedelta(days=horizon_days)
    covered = _holiday_covered(date.year)
    events: list[CalendarEvent] = []
    seen_holidays: set[tuple[str, Date]] = set()
    day = date
    while day <= end:
        for name, kind, desc in _events_on(day):
            events.append(
                CalendarEvent(date=day, name=name, kind=kind, days_from=(day - date).days, description=desc)
            )
        holiday = statutory_holiday(day)
        if holiday:
            start, last = _holiday_span(day, holiday)
            if (holiday, start) not in seen_holidays:
                seen_holidays.add((holiday, start))
                known = covered if day.year == date.year else _holiday_covered(day.year)
                if known:
                    desc = (
                        f"法定节假日，{start.month}月{start.day}日至{last.month}月{last.day}日，"
                        f"共{(last - start).days + 1}天"
                    )
                else:
                    desc = "法定节假日（按惯例推算，具体放假安排以国务院公布为准）"
                events.append(
                    CalendarEvent(
                        date=start,
                        name=f"{holiday}假期",
                        kind="public_holiday",
                        days_from=(start - date).days,
                        description=desc,
                    )
                )
        day += timedelta(days=1)
    nianhuo = _nianhuo(date, end)
    if nianhuo:
        events.append(nianhuo)
    events.sort(key=lambda e: (e.days_from, e.kind != "public_holiday"))
    events.append(season(date))
    return tuple(events)
