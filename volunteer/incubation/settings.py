"""The configurable rules of the incubation centre, read from the ini settings.

`volunteer.incubation.screening_working_days` (5), `.max_renewals` (1), `.filing_days_limit`
(180), `.term_days` (365), `.renewal_days` (180), `.holidays` / `.makeup_workdays` (ISO dates,
comma separated, from the State Council's yearly notice)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass

from volunteer.incubation.workdays import WorkCalendar
from volunteer.incubation.workflow import CasePolicy

PREFIX = "volunteer.incubation."


@dataclass(frozen=True)
class IncubationSettings:
    policy: CasePolicy
    term_days: int = 365
    renewal_days: int = 180


def _int(settings: Mapping[str, str], name: str, default: int) -> int:
    value = settings.get(PREFIX + name)
    return default if value in (None, "") else int(value)


def _dates(settings: Mapping[str, str], name: str) -> frozenset[dt.date]:
    raw = settings.get(PREFIX + name) or ""
    return frozenset(dt.date.fromisoformat(d.strip()) for d in raw.split(",") if d.strip())


def incubation_settings(settings: Mapping[str, str] | None = None) -> IncubationSettings:
    settings = settings or {}
    calendar = WorkCalendar(_dates(settings, "holidays"), _dates(settings, "makeup_workdays"))
    policy = CasePolicy(
        screening_working_days=_int(settings, "screening_working_days", 5),
        max_renewals=_int(settings, "max_renewals", 1),
        filing_days_limit=_int(settings, "filing_days_limit", 180),
        calendar=calendar,
    )
    return IncubationSettings(
        policy, _int(settings, "term_days", 365), _int(settings, "renewal_days", 180)
    )
