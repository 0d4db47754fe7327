"""Parsing of plain HTML form fields into typed values, with Chinese messages."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation

from volunteer.errors import ValidationFailed


def text(params, name: str) -> str | None:
    value = (params.get(name) or "").strip()
    return value or None


def required(params, name: str, label: str) -> str:
    value = text(params, name)
    if value is None:
        raise ValidationFailed(f"请填写{label}")
    return value


def integer(params, name: str, label: str, *, optional: bool = False) -> int | None:
    value = text(params, name)
    if value is None:
        if optional:
            return None
        raise ValidationFailed(f"请填写{label}")
    try:
        return int(value)
    except ValueError:
        raise ValidationFailed(f"{label}应为整数") from None


def date(params, name: str, label: str, *, optional: bool = False) -> dt.date | None:
    value = text(params, name)
    if value is None:
        if optional:
            return None
        raise ValidationFailed(f"请填写{label}")
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise ValidationFailed(f"{label}格式应为 2024-04-08") from None


def hours_as_minutes(value: str | None, label: str = "服务时长") -> int:
    """'2.5' hours → 150 minutes; at most two decimals, more than zero."""
    try:
        hours = Decimal((value or "").strip())
    except InvalidOperation:
        raise ValidationFailed(f"{label}应为小时数，如 2.5") from None
    if hours.as_tuple().exponent < -2:
        raise ValidationFailed(f"{label}最多保留两位小数")
    minutes = hours * 60
    if minutes <= 0:
        raise ValidationFailed(f"{label}必须大于 0")
    return int(minutes.to_integral_value())


def id_list(params, name: str) -> list[int]:
    try:
        return [int(v) for v in params.getall(name)]
    except ValueError:
        raise ValidationFailed("所选记录编号有误") from None
