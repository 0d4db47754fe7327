"""Turning one cell into one typed value: a function per `ColumnType`.

Every function takes the raw cell as python-calamine returns it (str, float, int, bool,
date/datetime/time/timedelta, "" for an empty cell) and returns the typed value, `None` for
a blank cell, or raises `CellError` with a Chinese reason. Already-typed cells take a fast
path first because the reader calls these a million times for a 100,000-row import.
`make_coercer` binds a `Column`'s own settings (choices, length) into a one-argument function.
"""

from __future__ import annotations

import datetime as dt
import math
import re
import unicodedata
from collections.abc import Callable

from volunteer.spreadsheets.columns import Column, ColumnType
from volunteer.spreadsheets.dates import coerce_date, coerce_datetime, coerce_time
from volunteer.spreadsheets.errors import CellError
from volunteer.spreadsheets.numbers import (
    coerce_bool,
    coerce_decimal,
    coerce_hours,
    coerce_integer,
    coerce_yuan,
)
from volunteer.spreadsheets.sheet import FORMULA_TRIGGERS

__all__ = [
    "coerce_bool",
    "coerce_choice",
    "coerce_date",
    "coerce_datetime",
    "coerce_decimal",
    "coerce_hours",
    "coerce_id_number",
    "coerce_integer",
    "coerce_phone",
    "coerce_text",
    "coerce_time",
    "coerce_yuan",
    "make_coercer",
    "normalise_name",
    "unneutralise",
]

EXCEL_NUMBER_MSG = (
    "证件号码被 Excel 当成了数字，末几位可能已丢失：请把该列单元格格式设为“文本”后重新输入，"
    "或在号码前加英文单引号（'）"
)
_ZERO_WIDTH = "\u200b\u200c\u200d\u2060\ufeff"
_STRIP = _ZERO_WIDTH + " \t\r\n\u3000\xa0"
_SCIENTIFIC = re.compile(r"\d+(?:\.\d+)?E[+-]?\d+|\d+\.0+", re.IGNORECASE)
_ID_JUNK = str.maketrans("", "", " -_－—'\u3000\t")
_PHONE_JUNK = str.maketrans("", "", " -－—()（）\u3000\t.")
_MOBILE = re.compile(r"1[3-9]\d{9}")
_LANDLINE = re.compile(r"0[1-9]\d{8,10}")
# Wrong dots people type inside minority names (・ • ∙ ‧ ⋅ ． ･ .); U+00B7 is the standard one.
_NAME_DOTS = str.maketrans(dict.fromkeys("・•∙‧⋅．･.\u2027", "\u00b7"))
_BETWEEN_CJK = re.compile(r"\s+(?=[^\x00-\x7f])|(?<=[^\x00-\x7f])\s+")


def _is_number(value: object) -> bool:
    return isinstance(value, float | int) and not isinstance(value, bool)


def coerce_text(
    value: object, *, epoch1904: bool = False, max_length: int | None = None
) -> str | None:
    """Text with outer whitespace removed; inner line breaks kept (备注 has several lines)."""
    if value.__class__ is str:
        s = value.strip()
        if s and (s[0] in _ZERO_WIDTH or s[-1] in _ZERO_WIDTH):
            s = s.strip(_STRIP)
    elif value is None:
        return None
    elif isinstance(value, bool):
        s = "是" if value else "否"
    elif isinstance(value, float):
        s = str(int(value)) if value.is_integer() else repr(value)
    elif isinstance(value, dt.datetime):
        s = value.isoformat(" ", "minutes" if not value.second else "seconds")
    elif isinstance(value, dt.date | dt.time):
        s = value.isoformat()
    else:
        s = str(value).strip()
    if not s:
        return None
    if s[0] == "'":
        s = unneutralise(s)
    if "\r" in s:
        s = s.replace("\r\n", "\n").replace("\r", "\n")
    if max_length is not None and len(s) > max_length:
        raise CellError(f"内容过长：最多 {max_length} 个字，现有 {len(s)} 个字")
    return s


def unneutralise(text: str) -> str:
    """Undo the writer's formula neutralisation (`'=1+2` → `=1+2`), so that an export
    re-imports unchanged; any other leading apostrophe is kept."""
    return text[1:] if text[1:2] and text[1] in FORMULA_TRIGGERS else text


def normalise_name(value: str) -> str:
    """A person's name as stored: the minority-name dot is U+00B7, no stray spaces.

    Spaces next to Chinese characters go (`张 三` → `张三`); a single space between Latin
    words stays (`John Smith`).
    """
    s = unicodedata.normalize("NFKC", value).translate(_NAME_DOTS).strip(_STRIP)
    s = _BETWEEN_CJK.sub("", s)
    return " ".join(s.split())


_MASKED = re.compile(r"[0-9A-Z]{1,6}\*{3,}[0-9A-Z]{1,4}")


def coerce_id_number(value: object, *, epoch1904: bool = False) -> str | None:
    """Normalise an ID number (ASCII, upper-case X, no spaces or dashes); no checksum here."""
    if value.__class__ is str:
        s = value.strip()
        if len(s) == 18 and s.isascii() and s[:17].isdigit():
            last = s[17]
            if last.isdigit() or last == "X":
                return s
            if last == "x":
                return s[:17] + "X"
    elif _is_number(value):
        raise CellError(EXCEL_NUMBER_MSG)
    elif value is None:
        return None
    else:
        raise CellError("证件号码无法识别，请填写证件上的号码")
    s = unicodedata.normalize("NFKC", s).strip(_STRIP).translate(_ID_JUNK).upper()
    if not s:
        return None
    if _SCIENTIFIC.fullmatch(s):
        raise CellError(EXCEL_NUMBER_MSG)
    if _MASKED.fullmatch(s):
        # Our own exports mask IDs (4205**********123X); importers match those by the
        # volunteer number on the same row, so the masked form passes through unchanged.
        return s
    if not (s.isascii() and s.isalnum()):
        raise CellError("证件号码只能包含数字和字母")
    return s


def coerce_phone(value: object, *, epoch1904: bool = False) -> str | None:
    """An 11-digit mobile (1xxxxxxxxxx) or a landline with its area code, digits only."""
    if value.__class__ is str:
        s = value.strip()
        if len(s) == 11 and s.isascii() and s.isdigit() and s[0] == "1":
            return s
    elif _is_number(value):
        if not (math.isfinite(value) and value == int(value)):
            raise CellError("电话号码无法识别，请填写 11 位手机号或带区号的固定电话")
        s = str(int(value))
    elif value is None:
        return None
    else:
        raise CellError("电话号码无法识别，请填写 11 位手机号或带区号的固定电话")
    s = unicodedata.normalize("NFKC", s).strip(_STRIP).translate(_PHONE_JUNK)
    if not s or _MASKED.fullmatch(s):
        # A masked number (138****5678, from our own exports) says nothing new: treat it as
        # blank, which never overwrites the stored number.
        return None
    if any(sep in s for sep in "/,，、;；"):
        raise CellError("只能填写一个电话号码")
    for prefix in ("+86", "0086"):
        s = s.removeprefix(prefix)
    if len(s) == 13 and s.startswith("861"):
        s = s[2:]
    if _MOBILE.fullmatch(s) or _LANDLINE.fullmatch(s):
        return s
    if s.isdigit() and len(s) in (7, 8):
        raise CellError("固定电话请带区号，如 0717-1234567")
    raise CellError("电话号码无法识别，请填写 11 位手机号或带区号的固定电话")


def _choice_key(value: str) -> str:
    return "".join(unicodedata.normalize("NFKC", value).split()).lower()


def _choice_message(choices: tuple[str, ...]) -> str:
    shown = "、".join(choices[:12])
    more = "等（详见模板“字典”表）" if len(choices) > 12 else ""
    return f"只能填写以下之一：{shown}{more}"


def _choice_coercer(choices: tuple[str, ...]) -> Callable[[object], str | None]:
    table = {_choice_key(c): c for c in choices}
    message = _choice_message(choices)

    def coerce(value: object) -> str | None:
        text = coerce_text(value)
        if text is None or text in choices:
            return text
        found = table.get(_choice_key(text))
        if found is None:
            raise CellError(message)
        return found

    return coerce


def coerce_choice(
    value: object, *, choices: tuple[str, ...], epoch1904: bool = False
) -> str | None:
    """One of `choices`, matched ignoring width, spaces and letter case; returns the choice."""
    return _choice_coercer(choices)(value)


_SIMPLE: dict[ColumnType, Callable[..., object]] = {
    ColumnType.ID_NUMBER: coerce_id_number,
    ColumnType.PHONE: coerce_phone,
    ColumnType.DATE: coerce_date,
    ColumnType.DATETIME: coerce_datetime,
    ColumnType.TIME: coerce_time,
    ColumnType.HOURS: coerce_hours,
    ColumnType.YUAN: coerce_yuan,
    ColumnType.INTEGER: coerce_integer,
    ColumnType.DECIMAL: coerce_decimal,
    ColumnType.BOOL: coerce_bool,
}


def make_coercer(column: Column, *, epoch1904: bool = False) -> Callable[[object], object]:
    """A one-argument function reading cells of `column` (the reader's per-column hot path)."""
    if column.type is ColumnType.CHOICE:
        return _choice_coercer(column.choices)
    if column.type is ColumnType.TEXT:
        if column.max_length is None:
            return coerce_text
        limit = column.max_length
        return lambda value: coerce_text(value, max_length=limit)
    function = _SIMPLE[column.type]
    if epoch1904 and column.type in (ColumnType.DATE, ColumnType.DATETIME, ColumnType.TIME):
        return lambda value: function(value, epoch1904=True)
    if column.max_length is not None:
        limit = column.max_length

        def bounded(value: object) -> object:
            result = function(value)
            if isinstance(result, str) and len(result) > limit:
                raise CellError(f"内容过长：最多 {limit} 个字，现有 {len(result)} 个字")
            return result

        return bounded
    return function
