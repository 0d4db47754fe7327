"""Reading dates, date-times and times out of cells (the DATE, DATETIME and TIME columns).

Accepts real date/time cells, Excel serial numbers (1900 system with its fictitious
1900-02-29, or the 1904 system when the workbook says so) and the unambiguous text forms
district staff type: `2024-04-08`, `2024/4/8`, `2024.4.8`, `2024年4月8日`, `20240408`,
full-width digits included. Anything where day and month could be swapped (`04/08/2024`,
`8/4/24`) is refused rather than guessed. Date-times are naive and mean Asia/Shanghai time.
"""

from __future__ import annotations

import datetime as dt
import math
import re
import unicodedata

from volunteer.spreadsheets.errors import CellError

DATE_HINT = "请使用 2024-04-08 格式"
_DATE_MSG = f"日期无法识别，{DATE_HINT}"
_AMBIGUOUS_MSG = f"日期无法识别：无法确定年、月、日的顺序，{DATE_HINT}"
_TIME_MSG = "时间无法识别，请使用 09:30 格式"
_DATETIME_MSG = "日期时间无法识别，请使用 2024-04-08 09:30 格式"

_ISO = re.compile(r"(\d{4})([-/.])(\d{1,2})\2(\d{1,2})")
_CN = re.compile(r"(\d{4})年(\d{1,2})月(\d{1,2})[日号]?")
_COMPACT = re.compile(r"(\d{4})(\d{2})(\d{2})")
_AMBIGUOUS = re.compile(r"\d{1,2}[-/.]\d{1,2}[-/.]\d{1,4}")
_CLOCK = re.compile(r"(\d{1,2}):(\d{1,2})(?::(\d{1,2})(?:\.(\d{1,6}))?)?")
_CN_CLOCK = re.compile(r"(\d{1,2})[时点](?:(\d{1,2})分?)?(?:(\d{1,2})秒)?")
_MERIDIEM = (("下午", True), ("晚上", True), ("pm", True), ("上午", False))
_MERIDIEM += (("早上", False), ("凌晨", False), ("am", False))
_SPLIT = re.compile(r"[ T]+|(?<=[日号])")

# Serial 60 is Excel's 1900-02-29, a day that never was; serials below it count from
# 1899-12-31, those above from 1899-12-30.
_EPOCH_1900_EARLY = dt.date(1899, 12, 31)
_EPOCH_1900 = dt.date(1899, 12, 30)
_EPOCH_1904 = dt.date(1904, 1, 1)
_MIN_YEAR, _MAX_YEAR = 1900, 2199
_MIDNIGHT = dt.time()


def _blank(value: object) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _fold(value: str) -> str:
    # NFKC turns full-width digits, slashes, colons and U+3000 into their ASCII forms.
    return unicodedata.normalize("NFKC", value).strip()


def _make_date(year: int, month: int, day: int) -> dt.date:
    if not _MIN_YEAR <= year <= _MAX_YEAR:
        raise CellError(f"日期年份超出范围（{_MIN_YEAR}–{_MAX_YEAR}），{DATE_HINT}")
    try:
        return dt.date(year, month, day)
    except ValueError:
        raise CellError(f"日期不存在（{year} 年 {month} 月没有 {day} 日），请检查") from None


def _serial(value: float, epoch1904: bool) -> dt.datetime:
    """An Excel serial day number (fraction = time of day) as a naive date-time."""
    if not math.isfinite(value) or value < 1 or value > 120_000:
        raise CellError(f"日期无法识别（数字 {value:g} 不是 Excel 日期），{DATE_HINT}")
    days = int(value)
    if epoch1904:
        base = _EPOCH_1904
    elif days == 60:
        raise CellError("日期不存在（1900-02-29），请检查")
    else:
        base = _EPOCH_1900_EARLY if days < 60 else _EPOCH_1900
    # Excel stores times as binary fractions of a day; round to the second it displays.
    seconds = round((value - days) * 86_400)
    start = dt.datetime.combine(base, _MIDNIGHT)
    result = start + dt.timedelta(days=days, seconds=seconds)
    if result.year > _MAX_YEAR:
        raise CellError(f"日期年份超出范围（{_MIN_YEAR}–{_MAX_YEAR}），{DATE_HINT}")
    return result


def _number_date(value: float, epoch1904: bool) -> dt.datetime:
    # A General-formatted cell holding 20240408 was typed as a compact date, not a serial.
    if 10_000_000 <= value <= 99_999_999 and value == int(value):
        n = int(value)
        return dt.datetime.combine(_make_date(n // 10_000, n // 100 % 100, n % 100), _MIDNIGHT)
    return _serial(value, epoch1904)


def _strip_meridiem(text: str) -> tuple[str, bool]:
    low = text.lower()
    for mark, afternoon in _MERIDIEM:
        if low.startswith(mark):
            return low[len(mark) :].strip(), afternoon
        if low.endswith(mark):
            return low[: -len(mark)].strip(), afternoon
    return text, False


def _parse_clock(text: str) -> dt.time:
    text, afternoon = _strip_meridiem(text)
    m = _CLOCK.fullmatch(text) or _CN_CLOCK.fullmatch(text)
    if not m:
        raise CellError(_TIME_MSG)
    hour, minute, second = (int(g) if g else 0 for g in m.groups()[:3])
    if afternoon and hour < 12:
        hour += 12
    if hour > 23 or minute > 59 or second > 59:
        raise CellError("时间不存在（时 0–23，分、秒 0–59），请检查")
    return dt.time(hour, minute, second)


def _parse_date_text(text: str) -> dt.date:
    m = _ISO.fullmatch(text) or _CN.fullmatch(text) or _COMPACT.fullmatch(text)
    if m:
        year, month, day = (int(g) for g in m.groups() if g and g.isdigit())
        return _make_date(year, month, day)
    if _AMBIGUOUS.fullmatch(text):
        raise CellError(_AMBIGUOUS_MSG)
    raise CellError(_DATE_MSG)


def _parse_text(text: str) -> tuple[dt.date, dt.time | None]:
    text = _fold(text)
    parts = [p for p in _SPLIT.split(text, maxsplit=1) if p]
    day = _parse_date_text(parts[0]) if parts else None
    if day is None:
        raise CellError(_DATE_MSG)
    return day, (_parse_clock(parts[1].strip()) if len(parts) > 1 else None)


def coerce_date(value: object, *, epoch1904: bool = False) -> dt.date | None:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, float | int) and not isinstance(value, bool):
        return _number_date(value, epoch1904).date()
    if _blank(value):
        return None
    if isinstance(value, str):
        return _parse_text(value)[0]
    raise CellError(_DATE_MSG)


def coerce_datetime(value: object, *, epoch1904: bool = False) -> dt.datetime | None:
    """A naive date-time in Asia/Shanghai local time; a date alone means its midnight."""
    if isinstance(value, dt.datetime):
        return value.replace(tzinfo=None)
    if isinstance(value, dt.date):
        return dt.datetime.combine(value, _MIDNIGHT)
    if isinstance(value, float | int) and not isinstance(value, bool):
        return _number_date(value, epoch1904)
    if _blank(value):
        return None
    if isinstance(value, str):
        try:
            day, clock = _parse_text(value)
        except CellError as error:
            raise CellError(error.message.replace("日期无法识别", "日期时间无法识别")) from None
        return dt.datetime.combine(day, clock or _MIDNIGHT)
    raise CellError(_DATETIME_MSG)


def _day_fraction(value: float) -> dt.time:
    seconds = round(value * 86_400) if math.isfinite(value) else -1
    if not 0 <= seconds < 86_400:
        raise CellError(_TIME_MSG)
    return dt.time(seconds // 3600, seconds // 60 % 60, seconds % 60)


def coerce_time(value: object, *, epoch1904: bool = False) -> dt.time | None:
    if isinstance(value, dt.datetime):
        return value.time().replace(microsecond=0)
    if isinstance(value, dt.time):
        return value.replace(tzinfo=None, microsecond=0)
    if isinstance(value, dt.timedelta):
        return _day_fraction(value.total_seconds() / 86_400)
    if isinstance(value, float | int) and not isinstance(value, bool):
        # A time-of-day cell without a time format is a fraction of a day.
        return _day_fraction(value)
    if _blank(value):
        return None
    if isinstance(value, str):
        return _parse_clock(_fold(value))
    raise CellError(_TIME_MSG)
