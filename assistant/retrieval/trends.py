"""Trending topics: import from CSV, JSONL and hot-list aggregator JSON (DailyHotApi shape), store
pushed items under `HUATI_HOME/trends/<date>.jsonl`, read the trend files without an index."""

from __future__ import annotations

import csv
import io
import json
import math
import re
from datetime import date as Date
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any, NamedTuple

from pydantic import ValidationError

from assistant.dates import MAX_DATE, MIN_DATE
from assistant.errors import InputError
from assistant.knowledge.untrusted import Limits, UntrustedInputError, parse_json
from assistant.models import TrendItem
from assistant.settings import Settings, get_settings

FORMATS = ("csv", "jsonl", "dailyhot")
TREND_SUFFIXES = (".jsonl", ".csv", ".json")
MAX_HEAT = 1e15
# Hot-list files an operator imports may be large; depth, number and surrogate rules stay the same. Numbers may
# be longer than a 64-bit int (a bogus epoch), so that the record's own check says what is wrong with it.
FILE_LIMITS = Limits(max_bytes=50_000_000, max_nodes=10_000_000, max_int_digits=30)
PUSH_LIMITS = Limits(max_int_digits=30)

# Column names accepted in CSV headers and JSON objects (English and Chinese).
_ALIASES = {
    "date": ("date", "日期", "day"),
    "platform": ("platform", "平台", "source", "来源"),
    "title": ("title", "标题", "话题", "name", "word", "keyword"),
    "heat": ("heat", "hot", "热度", "hotvalue", "hot_value", "score"),
    "category": ("category", "分类", "类别", "tag"),
    "url": ("url", "链接", "link", "mobileurl"),
    "sample": ("sample", "样例"),
}
_DATE_IN_NAME = re.compile(r"(\d{4})[-_./]?(\d{2})[-_./]?(\d{2})")
_TIME_PART = re.compile(r"\d[T ]\d{1,2}:\d{2}")
CHINA_TZ = timezone(timedelta(hours=8), "Asia/Shanghai")
_UNITS = {"万": 1e4, "w": 1e4, "亿": 1e8, "k": 1e3, "m": 1e6}


def parse_heat(value: Any) -> float | None:
    """123 / "1,234" / "12.5万" / "1.2亿" -> float; None when empty."""
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        raise ValueError(f"热度不是数字：{value}")
    if isinstance(value, int | float):
        heat = float(value)
    else:
        text = str(value).strip().lower().replace(",", "").replace("热度", "").strip()
        match = re.fullmatch(r"([0-9]{1,30}(?:\.[0-9]{1,30})?)\s*([万亿wkm]?)", text)
        if not match:
            raise ValueError(f"热度不是数字（或超过 30 位）：{text[:40]}")
        heat = float(match.group(1)) * _UNITS.get(match.group(2), 1.0)
    if not math.isfinite(heat) or abs(heat) > MAX_HEAT:
        raise ValueError("热度超出范围")
    return heat


def trend_date(value: Any) -> Date:
    """ISO date or datetime (also 2026/11/20, 20261120, epoch seconds or milliseconds), as the date in
    China: a time with an offset or `Z` (UTC), and epoch times, are converted to Asia/Shanghai (UTC+8);
    a time without an offset is taken as China time already. ValueError outside 1901-2099."""
    if isinstance(value, datetime):
        day = _china_date(value)
    elif isinstance(value, Date):
        day = value
    elif isinstance(value, int | float) and not isinstance(value, bool):
        try:
            moment = datetime.fromtimestamp(value / 1000 if abs(value) > 1e11 else value, CHINA_TZ)
        except (OverflowError, OSError, ValueError):
            raise ValueError(f"时间戳无效：{value}") from None
        day = moment.date()
    else:
        day = _parse_date_text(str(value).strip(), value)
    if not MIN_DATE <= day <= MAX_DATE:
        raise ValueError(
            f"日期 {day.isoformat()} 超出支持范围（{MIN_DATE.isoformat()} 到 {MAX_DATE.isoformat()}）"
        )
    return day


def _china_date(moment: datetime) -> Date:
    return moment.astimezone(CHINA_TZ).date() if moment.tzinfo is not None else moment.date()


def _parse_date_text(text: str, value: Any) -> Date:
    if text.isdigit() and len(text) >= 10:  # epoch seconds / milliseconds as a string
        return trend_date(int(text))
    if _TIME_PART.search(text):
        try:
            return _china_date(datetime.fromisoformat(text.replace("Z", "+00:00").replace("/", "-")))
        except ValueError:
            pass  # fall back to the leading date
    match = _DATE_IN_NAME.match(text)
    if not match:
        raise ValueError(f"日期格式应为 YYYY-MM-DD：{value}")
    try:
        return Date(int(match.group(1)), int(match.group(2)), int(match.group(3)))
    except ValueError:
        raise ValueError(f"日期不存在：{value}") from None


def parse_flag(value: Any) -> bool:
    """true / 1 / yes / 是 -> True; false / 0 / no / 否 / empty -> False (CSV cells are strings)."""
    if isinstance(value, str):
        text = value.strip().lower()
        if text in ("true", "1", "yes", "y", "是", "t"):
            return True
        if text in ("", "false", "0", "no", "n", "否", "f"):
            return False
        raise ValueError(f"sample 应为 true 或 false：{value}")
    return bool(value)


def _pick(raw: dict[str, Any], key: str) -> Any:
    lowered = {str(k).strip().lower(): v for k, v in raw.items()}
    for alias in _ALIASES[key]:
        if alias in lowered and lowered[alias] not in (None, ""):
            return lowered[alias]
    return None


def _item(raw: dict[str, Any], date: Date | None, platform: str | None, sample: bool) -> TrendItem:
    title = _pick(raw, "title")
    if title is None or not str(title).strip():
        raise ValueError("缺少标题（title）")
    raw_date = _pick(raw, "date")
    day = trend_date(raw_date) if raw_date is not None else date
    if day is None:
        raise ValueError("缺少日期（date），可用 --date 指定")
    plat = _pick(raw, "platform") or platform
    if not plat:
        raise ValueError("缺少平台（platform），可用 --platform 指定")
    flag = _pick(raw, "sample")
    try:
        return TrendItem(
            date=day,
            platform=str(plat).strip(),
            title=re.sub(r"\s+", " ", str(title)).strip(),
            heat=parse_heat(_pick(raw, "heat")),
            category=_pick(raw, "category"),
            url=_pick(raw, "url"),
            sample=sample or parse_flag(flag),
        )
    except ValidationError as exc:
        err = exc.errors()[0]
        raise ValueError(f"字段 {'.'.join(map(str, err['loc']))} 无效：{err['msg']}") from exc


def detect_format(text: str, name: str = "") -> str:
    suffix = Path(name).suffix.lower()
    if suffix == ".csv":
        return "csv"
    if suffix == ".jsonl":
        return "jsonl"
    stripped = text.lstrip("\ufeff").lstrip()
    if suffix == ".json" or stripped.startswith(("{", "[")):
        try:
            data = json.loads(stripped)
        except json.JSONDecodeError:
            return "jsonl"
        except (ValueError, RecursionError):  # one hostile JSON document: the strict parse says why
            return "dailyhot"
        return "dailyhot" if isinstance(data, dict | list) else "jsonl"
    return "csv"


def _from_name(name: str) -> tuple[Date | None, str | None]:
    stem = Path(name).stem
    match = _DATE_IN_NAME.search(stem)
    day = None
    if match:
        try:
            day = Date(int(match.group(1)), int(match.group(2)), int(match.group(3)))
        except ValueError:
            day = None
        stem = (stem[: match.start()] + stem[match.end() :]).strip("-_. ")
    platform = stem if stem and not stem.isdigit() and stem.lower() not in ("trends", "sample") else None
    return day, platform


def parse_trends(
    source: str | Path,
    fmt: str | None = None,
    *,
    date: Date | None = None,
    platform: str | None = None,
    name: str | None = None,
) -> tuple[list[TrendItem], list[str]]:
    """Parse trend items from a file path or the text itself.

    Returns (items, errors); each error is `path:line: reason` and the rest is kept. Date and platform
    come from each record, else from the arguments, else from the file name (`weibo-2026-11-20.json`).
    """
    if isinstance(source, Path) or (
        isinstance(source, str) and "\n" not in source and len(source) < 4096 and Path(source).is_file()
    ):
        path = Path(source)
        label = name or str(path)
        try:
            text = path.read_text(encoding="utf-8-sig")
        except UnicodeDecodeError:
            return [], [f"{label}:1: 文件不是 UTF-8 编码"]
        except OSError as exc:
            raise InputError(f"读不到文件：{path}（{exc.strerror}）") from exc
    else:
        text, label = str(source), name or "<输入>"
    return parse_trend_text(text, fmt, date=date, platform=platform, label=label, limits=FILE_LIMITS)


def parse_trend_text(
    text: str,
    fmt: str | None = None,
    *,
    date: Date | None = None,
    platform: str | None = None,
    label: str = "<输入>",
    max_items: int | None = None,
    limits: Limits = PUSH_LIMITS,
) -> tuple[list[TrendItem], list[str]]:
    """`parse_trends` for text that is never taken as a path (request bodies). `max_items`: InputError when
    the document has more records than that, whatever its format (the push API's cap)."""
    if fmt is not None and fmt not in FORMATS:
        raise InputError(f"不支持的格式：{fmt}，可选 {'、'.join(FORMATS)}", field="format")
    fmt = fmt or detect_format(text, label)
    name_date, name_platform = _from_name(label)
    date = date or name_date
    sample = "sample" in Path(label).name.lower()
    source = _Source(label, date, platform or name_platform, sample, max_items)
    if fmt == "dailyhot":  # the aggregator names its platform; prefer that over the file name
        try:
            data = parse_json(text, limits, what="文件")
        except UntrustedInputError as exc:
            return [], [f"{label}:{exc.line or 1}: {_json_problem(exc)}"]
        return trends_from_data(data, source._replace(platform=platform), name_platform)
    return (_parse_jsonl if fmt == "jsonl" else _parse_csv)(text, source, limits)


def _json_problem(exc: UntrustedInputError) -> str:
    return exc.message.replace("不是合法的 JSON：", "JSON 格式错误：", 1)


class _Source(NamedTuple):
    label: str
    date: Date | None
    platform: str | None
    sample: bool
    max_items: int | None


def _count(seen: int, source: _Source) -> None:
    if source.max_items is not None and seen > source.max_items:
        raise InputError(f"热点条目太多：一次最多 {source.max_items} 条，请分批推送", field="body")


def _parse_jsonl(text: str, source: _Source, limits: Limits) -> tuple[list[TrendItem], list[str]]:
    items, errors, seen = [], [], 0
    for lineno, line in enumerate(text.lstrip("\ufeff").splitlines(), 1):
        if not line.strip() or line.lstrip().startswith("//"):
            continue
        seen += 1
        _count(seen, source)
        try:
            raw = parse_json(line, limits, what="这一行")
        except UntrustedInputError as exc:
            errors.append(f"{source.label}:{lineno}: {_json_problem(exc)}")
            continue
        if not isinstance(raw, dict):
            errors.append(f"{source.label}:{lineno}: 每行应是一个 JSON 对象")
            continue
        try:
            items.append(_item(raw, source.date, source.platform, source.sample))
        except ValueError as exc:
            errors.append(f"{source.label}:{lineno}: {exc}")
    return items, errors


def _parse_csv(text: str, source: _Source, limits: Limits) -> tuple[list[TrendItem], list[str]]:
    items, errors, seen = [], [], 0
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    if not reader.fieldnames or _pick(dict.fromkeys(reader.fieldnames, "x"), "title") is None:
        return [], [f"{source.label}:1: CSV 第一行应是表头，且包含 title（标题）列"]
    for row in reader:
        lineno = reader.line_num
        if not any((v or "").strip() for v in row.values() if isinstance(v, str)):
            continue
        seen += 1
        _count(seen, source)
        try:
            items.append(
                _item({k: v for k, v in row.items() if k}, source.date, source.platform, source.sample)
            )
        except ValueError as exc:
            errors.append(f"{source.label}:{lineno}: {exc}")
    return items, errors


def trends_from_data(
    data: Any, source: _Source | None = None, name_platform: str | None = None, **given: Any
) -> tuple[list[TrendItem], list[str]]:
    """Items from already-parsed JSON: a list of records, or the DailyHotApi shape `{"data": [...]}`.
    `given` (date, platform, label, max_items) when no `_Source` is passed."""
    if source is None:
        source = _Source(
            given.get("label", "<输入>"),
            given.get("date"),
            given.get("platform"),
            False,
            given.get("max_items"),
        )
    label, date, platform, sample = source.label, source.date, source.platform, source.sample
    if isinstance(data, dict):
        rows = data.get("data")
        title = data.get("title") or data.get("name")
        platform = platform or (str(title) if isinstance(title, str | int | float) else None) or name_platform
        try:  # a whole file marked as sample data (the shipped example is)
            sample = sample or parse_flag(data.get("sample"))
        except ValueError as exc:
            return [], [f"{label}:1: {exc}"]
        if date is None and data.get("updateTime"):
            try:
                date = trend_date(data["updateTime"])
            except (ValueError, OverflowError):
                pass
    else:
        rows, platform = data, platform or name_platform
    if not isinstance(rows, list):
        return [], [f'{label}:1: 应是 {{"data": [{{"title", "hot", "url"}}...]}} 格式']
    _count(len(rows), source)
    items, errors = [], []
    for index, raw in enumerate(rows, 1):
        where = f"{label}:1: data[{index}]"
        if not isinstance(raw, dict):
            errors.append(f"{where} 应是对象")
            continue
        try:
            items.append(_item(raw, date, platform, sample))
        except ValueError as exc:
            errors.append(f"{where} {exc}")
    return items, errors


# --------------------------------------------------------------------------- files


def trend_dirs(settings: Settings | None = None) -> list[Path]:
    settings = settings or get_settings()
    return [settings.kb_dir / "trends", settings.home / "trends"]


def trend_files(settings: Settings | None = None) -> list[Path]:
    files: list[Path] = []
    for directory in trend_dirs(settings):
        if directory.is_dir():
            files.extend(
                p
                for p in sorted(directory.rglob("*"))
                if p.suffix in TREND_SUFFIXES
                and not p.name.startswith(("_", "."))
                and "examples" not in p.relative_to(directory).parts
            )
    return files


_FILE_CACHE: dict[str, tuple[tuple[int, int], list[TrendItem]]] = {}


def read_trend_files(settings: Settings | None = None) -> list[TrendItem]:
    """Every trend item in the trend directories (cached by mtime); malformed lines are skipped."""
    out: dict[str, TrendItem] = {}
    for path in trend_files(settings):
        stat = path.stat()
        sig = (stat.st_mtime_ns, stat.st_size)
        hit = _FILE_CACHE.get(str(path))
        if hit is None or hit[0] != sig:
            hit = (sig, parse_trends(path)[0])
            _FILE_CACHE[str(path)] = hit
        for item in hit[1]:
            out.setdefault(item.id, item)
    return list(out.values())
