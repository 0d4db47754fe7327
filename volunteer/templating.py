"""Jinja2 filters and globals shared by every page: money in yuan, minutes as hours,
Asia/Shanghai times, Chinese labels."""

from __future__ import annotations

import datetime as dt

from volunteer.db import SHANGHAI
from volunteer.volunteers.hour_rules import minutes_to_hours_text


def yuan(fen: int | None) -> str:
    if fen is None:
        return ""
    sign = "-" if fen < 0 else ""
    whole, cents = divmod(abs(int(fen)), 100)
    return f"{sign}{whole:,}.{cents:02d}"


def hours(minutes: int | None) -> str:
    return "" if minutes is None else minutes_to_hours_text(int(minutes))


def local_time(value: dt.datetime | None, fmt: str = "%Y-%m-%d %H:%M") -> str:
    if value is None:
        return ""
    return value.astimezone(SHANGHAI).strftime(fmt)


def label(value, labels: dict) -> str:
    return labels.get(value, "" if value is None else str(value))


def includeme(config):
    config.commit()
    env = config.get_jinja2_environment()
    env.filters.update(yuan=yuan, hours=hours, local_time=local_time, label=label)
