"""Reading numeric cells: service hours (→ int minutes), yuan (→ int fen), integers,
decimals and yes/no.

Hours rule (DESIGN §4 shows durations as hours with two decimals): a value with at most two
decimals is rounded to the nearest minute, so every exported figure re-imports to the same
minutes (80 min → 1.33 h → 80 min). A value with more decimals is accepted only when it lies
within 0.05 minute (3 s) of a whole minute — formula results such as =80/60 and float
artefacts — and refused otherwise, since it would mean a duration finer than a minute.
"""

from __future__ import annotations

import datetime as dt
import math
import re
import unicodedata
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from volunteer.spreadsheets.errors import CellError

HOURS_MSG = "服务时长无法识别，请填写小时数（如 2.5）或“2小时30分”"
POSITIVE_MSG = "服务时长必须大于 0"
YUAN_MSG = "金额无法识别，请填写数字，如 1000.00"
_MAX_HOURS = 100_000
_MAX_YUAN = Decimal(10) ** 12
_CENT = Decimal("0.01")
_TOLERANCE_MINUTES = Decimal("0.05")
_FLOAT_TOLERANCE = 1e-6  # a float within this of a 2-decimal amount is that amount

_NUMBER = re.compile(r"[+-]?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?")
_HOUR_UNIT = r"(?:个)?(?:小时|钟头|时|hours?|hrs?|h)"
_MINUTE_UNIT = r"(?:分钟|分|minutes?|mins?|m)"
_H = re.compile(rf"(\d+(?:\.\d+)?){_HOUR_UNIT}")
_HM = re.compile(rf"(\d+){_HOUR_UNIT}(\d+){_MINUTE_UNIT}?")
_M = re.compile(rf"(\d+(?:\.\d+)?){_MINUTE_UNIT}")
_CLOCK = re.compile(r"(\d+):(\d{1,2})(?::(\d{1,2}))?")

_TRUE = frozenset({"是", "y", "yes", "1", "true", "√", "✓", "对", "有"})
_FALSE = frozenset({"否", "n", "no", "0", "false", "×", "✗", "不", "无"})


def _is_number(value: object) -> bool:
    return isinstance(value, float | int) and not isinstance(value, bool)


def _fold(value: str) -> str:
    return "".join(unicodedata.normalize("NFKC", value).split()).lower()


def _decimal_text(text: str) -> Decimal | None:
    """A plain number as typed, thousands commas allowed; `1e3`, `1,00` and the like: None."""
    if not _NUMBER.fullmatch(text):
        return None
    return Decimal(text.replace(",", ""))


def _hours_to_minutes(hours: Decimal) -> int:
    if hours <= 0:
        raise CellError(POSITIVE_MSG)
    if hours > _MAX_HOURS:
        raise CellError(f"服务时长过大（超过 {_MAX_HOURS} 小时），请检查")
    exact = hours * 60
    minutes = int(exact.to_integral_value(rounding=ROUND_HALF_UP))
    if hours != hours.quantize(_CENT) and abs(exact - minutes) > _TOLERANCE_MINUTES:
        raise CellError(
            f"服务时长精确到分钟：{hours} 小时不是整数分钟，请保留两位小数或写成“1小时20分”"
        )
    if minutes <= 0:
        raise CellError(POSITIVE_MSG)
    return minutes


def _text_minutes(text: str) -> int:
    s = _fold(text)
    if s.startswith("-"):
        raise CellError(POSITIVE_MSG)
    if (number := _decimal_text(s)) is not None:
        return _hours_to_minutes(number)
    if m := _H.fullmatch(s):
        return _hours_to_minutes(Decimal(m[1]))
    if m := _HM.fullmatch(s):
        if int(m[2]) >= 60:
            raise CellError("“几小时几分”中的分钟数应小于 60")
        return _hours_to_minutes(Decimal(m[1]) + Decimal(m[2]) / 60)
    if (m := _M.fullmatch(s)) or (m := _CLOCK.fullmatch(s)):
        if "." in m[1] or (m.re is _CLOCK and m[3] and int(m[3])):
            raise CellError("服务时长精确到分钟，不能有秒或零点几分钟")
        minutes = int(m[1]) if m.re is _M else int(m[1]) * 60 + int(m[2])
        if minutes <= 0:
            raise CellError(POSITIVE_MSG)
        return minutes
    raise CellError(HOURS_MSG)


def coerce_hours(value: object, *, epoch1904: bool = False) -> int | None:
    """Service hours as int minutes: `2.5`, `2小时30分`, `150分钟`, `2:30`, number cells."""
    if value.__class__ is float:
        if 0 < value <= _MAX_HOURS:
            minutes = value * 60
            whole = round(minutes)
            # Exact minutes (2.5 h) or two-decimal hours (1.33 h → 79.8 → 80 min, whose
            # fraction is a multiple of 0.2 and so never a tie) need no Decimal.
            if whole and (
                abs(minutes - whole) < 1e-9 or abs(value * 100 - round(value * 100)) < 1e-9
            ):
                return whole
        if not math.isfinite(value):
            raise CellError(HOURS_MSG)
        return _hours_to_minutes(Decimal(repr(value)))
    if value.__class__ is int:
        return _hours_to_minutes(Decimal(value))
    if isinstance(value, str):
        return _text_minutes(value) if value.strip() else None
    if value is None:
        return None
    # Excel turns a typed 2:30 into the time 02:30, and [h]:mm cells into durations.
    if isinstance(value, dt.time):
        seconds = value.hour * 3600 + value.minute * 60 + value.second
    elif isinstance(value, dt.timedelta):
        seconds = round(value.total_seconds())
    else:
        raise CellError(HOURS_MSG)
    if seconds % 60:
        raise CellError("服务时长精确到分钟，不能有秒")
    if seconds <= 0:
        raise CellError(POSITIVE_MSG)
    return seconds // 60


def _yuan_to_fen(amount: Decimal) -> int:
    if amount < 0:
        raise CellError("金额不能为负数")
    if amount > _MAX_YUAN:
        raise CellError("金额过大，请检查")
    cents = amount.quantize(_CENT)
    if cents != amount:
        raise CellError("金额最多两位小数（精确到分）")
    return int(cents * 100)


def coerce_yuan(value: object, *, epoch1904: bool = False) -> int | None:
    """An amount in yuan as int fen: `1,000.00`, `¥50`, `50元`, number cells."""
    if value.__class__ is float:
        if 0 <= value < 1e9:
            fen = round(value * 100)
            # Float cells carry binary artefacts (50.00000000001); a third decimal does not.
            if abs(value - fen / 100) <= _FLOAT_TOLERANCE:
                return fen
        if not math.isfinite(value):
            raise CellError(YUAN_MSG)
        return _yuan_to_fen(Decimal(repr(value)))
    if value.__class__ is int:
        return _yuan_to_fen(Decimal(value))
    if value is None or isinstance(value, bool):
        if value is None:
            return None
        raise CellError(YUAN_MSG)
    if not isinstance(value, str):
        raise CellError(YUAN_MSG)
    s = _fold(value)
    if not s:
        return None
    for prefix in ("¥", "rmb", "人民币", "cny"):
        s = s.removeprefix(prefix)
    s = s.removesuffix("元").removesuffix("圆")
    if s.startswith("-") and _decimal_text(s[1:]) is not None:
        raise CellError("金额不能为负数")
    amount = _decimal_text(s)
    if amount is None:
        raise CellError(YUAN_MSG)
    return _yuan_to_fen(amount)


def fen_to_yuan(fen: int | None) -> Decimal | None:
    """Exact yuan with two decimals for a cell: 12345 fen → Decimal('123.45') (the writers
    format a Decimal as money)."""
    return None if fen is None else Decimal(int(fen)).scaleb(-2)


def coerce_integer(value: object, *, epoch1904: bool = False) -> int | None:
    if _is_number(value):
        if isinstance(value, int):
            return value
        if math.isfinite(value) and value.is_integer():
            return int(value)
        raise CellError("请填写整数")
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    number = _decimal_text(_fold(value)) if isinstance(value, str) else None
    if number is None or number != number.to_integral_value():
        raise CellError("请填写整数")
    return int(number)


def coerce_decimal(value: object, *, epoch1904: bool = False) -> Decimal | None:
    """A decimal number; `50%` reads as 0.5, as a percent-formatted cell does."""
    if _is_number(value):
        if isinstance(value, float) and not math.isfinite(value):
            raise CellError("请填写数字")
        return Decimal(repr(value)) if isinstance(value, float) else Decimal(value)
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if not isinstance(value, str):
        raise CellError("请填写数字")
    s = _fold(value)
    percent = s.endswith("%")
    number = _decimal_text(s.removesuffix("%"))
    if number is None:
        raise CellError("请填写数字")
    try:
        return number / 100 if percent else number
    except InvalidOperation:  # pragma: no cover - _NUMBER admits only finite decimals
        raise CellError("请填写数字") from None


def coerce_bool(value: object, *, epoch1904: bool = False) -> bool | None:
    """是/否, Y/N, 1/0, true/false (any width or case)."""
    if isinstance(value, bool):
        return value
    if _is_number(value) and value in (0, 1):
        return bool(value)
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    s = _fold(value) if isinstance(value, str) else ""
    if s in _TRUE:
        return True
    if s in _FALSE:
        return False
    raise CellError("请填写“是”或“否”")
