"""Working days (工作日) for statutory time limits such as "first check within 5 working days".

Saturdays and Sundays are rest days, except the make-up working days (调休上班) that the State
Council's yearly holiday notice moves onto a weekend; the listed public holidays are rest days
even on a weekday. The calendar is data passed in (from settings or a table), never hard-coded,
because the notice is published anew each year.

Named ``workdays`` rather than ``calendar`` so it never shadows the standard library module.
"""

from dataclasses import dataclass
from datetime import date, timedelta

_SATURDAY = 5


@dataclass(frozen=True)
class WorkCalendar:
    holidays: frozenset[date] = frozenset()
    makeup_workdays: frozenset[date] = frozenset()

    def __post_init__(self) -> None:
        # Accept any iterable of dates from settings while keeping the instance hashable.
        object.__setattr__(self, "holidays", frozenset(self.holidays))
        object.__setattr__(self, "makeup_workdays", frozenset(self.makeup_workdays))
        both = self.holidays & self.makeup_workdays
        if both:
            days = "、".join(d.isoformat() for d in sorted(both))
            raise ValueError(f"同一天不能既是节假日又是调休上班日：{days}")

    def is_working_day(self, day: date) -> bool:
        if day in self.makeup_workdays:
            return True
        if day in self.holidays:
            return False
        return day.weekday() < _SATURDAY

    def add_working_days(self, start: date, days: int) -> date:
        """The ``days``-th working day after ``start`` (``start`` itself is not counted).

        ``add_working_days(start, 0)`` is ``start``. A deadline of "N working days from the
        application" is ``add_working_days(applied_on, N)``: the whole of that day is in time.
        """
        if days < 0:
            raise ValueError("工作日天数不能为负数")
        day = start
        while days:
            day += timedelta(days=1)
            if self.is_working_day(day):
                days -= 1
        return day

    def working_days_between(self, start: date, end: date) -> int:
        """Working days in the half-open interval ``(start, end]``; 0 when ``end <= start``."""
        count, day = 0, start
        while day < end:
            day += timedelta(days=1)
            if self.is_working_day(day):
                count += 1
        return count


def zh_date(day: date) -> str:
    """``2025年5月31日``: how dates read in messages to users."""
    return f"{day.year}年{day.month}月{day.day}日"
