"""Working days across weekends, a public holiday and its make-up working days."""

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from volunteer.incubation.workdays import WorkCalendar, zh_date

# National Day 2024 as the State Council announced it: 1–7 October off (Tue 1 Oct … Mon 7 Oct),
# Sunday 29 September and Saturday 12 October worked instead.
NATIONAL_DAY_2024 = WorkCalendar(
    holidays=frozenset(date(2024, 10, d) for d in range(1, 8)),
    makeup_workdays=frozenset({date(2024, 9, 29), date(2024, 10, 12)}),
)
PLAIN = WorkCalendar()


def test_weekdays_work_weekends_rest():
    # 2025-01-03 is a Friday.
    assert date(2025, 1, 3).weekday() == 4
    assert PLAIN.is_working_day(date(2025, 1, 3))
    assert not PLAIN.is_working_day(date(2025, 1, 4))
    assert not PLAIN.is_working_day(date(2025, 1, 5))
    assert PLAIN.is_working_day(date(2025, 1, 6))


def test_holidays_and_makeup_days():
    assert not NATIONAL_DAY_2024.is_working_day(date(2024, 10, 1))  # Tuesday, holiday
    assert NATIONAL_DAY_2024.is_working_day(date(2024, 9, 29))  # Sunday, make-up day
    assert NATIONAL_DAY_2024.is_working_day(date(2024, 10, 12))  # Saturday, make-up day
    assert not NATIONAL_DAY_2024.is_working_day(date(2024, 9, 28))  # ordinary Saturday


def test_add_across_a_weekend():
    friday = date(2025, 1, 3)
    assert PLAIN.add_working_days(friday, 0) == friday
    assert PLAIN.add_working_days(friday, 1) == date(2025, 1, 6)  # Monday
    # Mon 6, Tue 7, Wed 8, Thu 9, Fri 10.
    assert PLAIN.add_working_days(friday, 5) == date(2025, 1, 10)
    # … then Mon 13.
    assert PLAIN.add_working_days(friday, 6) == date(2025, 1, 13)


def test_add_across_national_day():
    friday = date(2024, 9, 27)
    # 1: Sun 29 Sep (make-up); 2: Mon 30 Sep; 1–7 Oct off; 3: Tue 8 Oct; 4: Wed 9; 5: Thu 10;
    # 6: Fri 11; 7: Sat 12 (make-up).
    expected = {
        1: date(2024, 9, 29),
        2: date(2024, 9, 30),
        3: date(2024, 10, 8),
        5: date(2024, 10, 10),
        7: date(2024, 10, 12),
        8: date(2024, 10, 14),
    }
    for days, day in expected.items():
        assert NATIONAL_DAY_2024.add_working_days(friday, days) == day, days
    # Without the holiday calendar: Mon 30 Sep, Tue 1 … Fri 4 Oct.
    assert PLAIN.add_working_days(friday, 5) == date(2024, 10, 4)


def test_working_days_between():
    assert NATIONAL_DAY_2024.working_days_between(date(2024, 9, 27), date(2024, 10, 12)) == 7
    assert NATIONAL_DAY_2024.working_days_between(date(2024, 9, 30), date(2024, 10, 7)) == 0
    assert PLAIN.working_days_between(date(2025, 1, 3), date(2025, 1, 3)) == 0
    assert PLAIN.working_days_between(date(2025, 1, 10), date(2025, 1, 3)) == 0
    # Start day not counted, end day counted: (Fri 3, Mon 6] holds Monday only.
    assert PLAIN.working_days_between(date(2025, 1, 3), date(2025, 1, 6)) == 1


def test_invalid_input():
    with pytest.raises(ValueError, match="不能为负数"):
        PLAIN.add_working_days(date(2025, 1, 3), -1)
    with pytest.raises(ValueError, match="2024-10-01"):
        WorkCalendar(holidays=frozenset({date(2024, 10, 1)}), makeup_workdays={date(2024, 10, 1)})


def test_calendar_accepts_any_iterable_and_stays_hashable():
    cal = WorkCalendar(holidays=[date(2024, 10, 1)])  # type: ignore[arg-type]
    assert cal.holidays == frozenset({date(2024, 10, 1)})
    assert hash(cal) == hash(WorkCalendar(holidays=frozenset({date(2024, 10, 1)})))


def test_zh_date():
    assert zh_date(date(2025, 5, 31)) == "2025年5月31日"


@given(
    start=st.dates(min_value=date(2024, 9, 1), max_value=date(2024, 11, 1)),
    days=st.integers(min_value=0, max_value=40),
)
def test_add_and_between_agree(start, days):
    end = NATIONAL_DAY_2024.add_working_days(start, days)
    assert NATIONAL_DAY_2024.working_days_between(start, end) == days
    if days:
        assert NATIONAL_DAY_2024.is_working_day(end)
        # … and it is the first such day: the day before holds one working day fewer.
        before = end - timedelta(days=1)
        assert NATIONAL_DAY_2024.working_days_between(start, before) == days - 1
