"""Reading a programme row's own cells: the matching ratio in the forms sponsors write it
(0.5, 1:0.5, 50%) and the [start, end) window, where a date-only end covers that whole day."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

from volunteer.db import SHANGHAI
from volunteer.errors import DomainError
from volunteer.funds.programmes import parse_ratio

_RATIO_NUMBER = re.compile(r"\d+(?:\.\d+)?")


def read_ratio(value: object) -> str:
    """The ratio cell as exact decimal text: 0.5, `1:0.5` (also `1：0.5`), `50%` → "0.5".
    Raises ValueError with a Chinese message."""
    if isinstance(value, bool):
        raise ValueError("配捐比例应为小数（0.5）、比例（1:0.5）或百分数（50%）")
    if isinstance(value, int | float):
        # A percent-formatted cell arrives as its fraction; repr keeps 0.1 as 0.1.
        text = repr(value) if isinstance(value, float) else str(value)
    else:
        text = "".join(str(value).split()).replace("：", ":").replace("％", "%")
    ratio: Decimal
    if ":" in text:
        left, _, right = text.partition(":")
        if not (_RATIO_NUMBER.fullmatch(left) and _RATIO_NUMBER.fullmatch(right)):
            raise ValueError("比例写法应为 1:0.5")
        if Decimal(left) == 0:
            raise ValueError("比例的前项不能为 0")
        ratio = Decimal(right) / Decimal(left)
    elif text.endswith("%") and _RATIO_NUMBER.fullmatch(text[:-1]):
        ratio = Decimal(text[:-1]) / 100
    elif _RATIO_NUMBER.fullmatch(text):
        ratio = Decimal(text)
    else:
        raise ValueError("配捐比例应为小数（0.5）、比例（1:0.5）或百分数（50%）")
    try:
        return parse_ratio(str(ratio))
    except DomainError as exc:
        raise ValueError(exc.message) from None


def local_moment(naive: dt.datetime) -> dt.datetime:
    return naive.replace(tzinfo=SHANGHAI).astimezone(dt.UTC)


def _date_only(raw: object, value: dt.datetime) -> bool:
    """Whether a 时间 cell gave only a date: a date cell, a whole serial number, text without a
    clock, or a date-time cell at exactly midnight (how Excel stores a typed date)."""
    if isinstance(raw, dt.datetime):
        return value.time() == dt.time(0)
    if isinstance(raw, dt.date):
        return True
    if isinstance(raw, int | float):
        return float(raw).is_integer()
    return ":" not in str(raw) and "时" not in str(raw) and value.time() == dt.time(0)


def programme_window(row) -> tuple[dt.datetime, dt.datetime]:
    """[starts_at, ends_at) in UTC; a date-only end includes its whole day."""
    starts = local_moment(row.values["starts_at"])
    end_value = row.values["ends_at"]
    if _date_only(row.raw.get("ends_at"), end_value):
        end_value = dt.datetime.combine(end_value.date() + dt.timedelta(days=1), dt.time(0))
    return starts, local_moment(end_value)
