"""Service-record rules and hour display (volunteer.volunteers.hour_rules)."""

from dataclasses import replace
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from volunteer.volunteers.hour_rules import (
    ActivityFacts,
    ExistingRecord,
    HourRules,
    ProposedRecord,
    RuleViolation,
    check_record,
    hour_rules_from_settings,
    hours_decimal,
    minutes_to_hours_text,
)

TODAY = date(2024, 4, 10)
DAY = date(2024, 4, 8)
RULES = HourRules()
ACTIVITY = ActivityFacts(
    id=7,
    starts_on=date(2024, 4, 1),
    ends_on=date(2024, 4, 30),
    duration_cap_minutes=8 * 60,
    name="清明文明祭扫引导",
)


def at(hour: int, minute: int = 0, day: date = DAY) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute)  # noqa: DTZ001 - Beijing wall clock


def proposed(**changes) -> ProposedRecord:
    base = ProposedRecord(
        volunteer_id=1, activity_id=7, service_date=DAY, minutes=120, start=None, end=None
    )
    return replace(base, **changes)


def existing(**changes) -> ExistingRecord:
    base = ExistingRecord(
        id=100,
        activity_id=8,
        service_date=DAY,
        minutes=60,
        start=None,
        end=None,
        status="approved",
    )
    return base._replace(**changes)


def check(rec=None, activity=ACTIVITY, others=(), rules=RULES, today=TODAY):
    return check_record(rec or proposed(), activity, list(others), rules, today)


def codes(violations: list[RuleViolation]) -> list[str]:
    return [v.code for v in violations]


def test_a_plain_record_passes():
    assert check() == []


def test_a_record_with_matching_times_passes():
    assert check(proposed(minutes=240, start=at(8), end=at(12))) == []


# -- minutes and dates ------------------------------------------------------------------------


@pytest.mark.parametrize("minutes", [0, -30])
def test_minutes_must_be_positive(minutes):
    assert check(proposed(minutes=minutes)) == [
        RuleViolation("minutes_not_positive", "服务时长必须大于 0")
    ]


def test_one_minute_is_enough():
    assert check(proposed(minutes=1)) == []


def test_future_date_is_refused():
    rec = proposed(service_date=date(2024, 4, 11))
    assert check(rec) == [
        RuleViolation("future_date", "服务日期 2024-04-11 晚于今天，不能登记未来的服务")
    ]


def test_today_is_not_the_future():
    assert check(proposed(service_date=TODAY)) == []


def test_future_date_allowed_by_setting():
    assert check(proposed(service_date=date(2024, 4, 11)), rules=HourRules(allow_future=True)) == []


def test_back_entry_limit():
    rules = HourRules(max_past_days=2)
    assert check(proposed(service_date=date(2024, 4, 8)), rules=rules) == []
    activity = replace(ACTIVITY, starts_on=date(2024, 3, 1))
    assert check(proposed(service_date=date(2024, 4, 7)), activity=activity, rules=rules) == [
        RuleViolation("too_old", "服务日期 2024-04-07 已超过 2 天的补录期限")
    ]


def test_no_back_entry_limit_by_default():
    activity = replace(ACTIVITY, starts_on=date(2000, 1, 1))
    assert check(proposed(service_date=date(2001, 1, 1)), activity=activity) == []


# -- activity ---------------------------------------------------------------------------------


@pytest.mark.parametrize("day", [date(2024, 4, 1), date(2024, 4, 10)])
def test_activity_range_is_inclusive(day):
    assert check(proposed(service_date=day), activity=replace(ACTIVITY, ends_on=TODAY)) == []


@pytest.mark.parametrize("day", [date(2024, 3, 31), date(2024, 4, 9)])
def test_outside_activity_range(day):
    activity = replace(ACTIVITY, ends_on=date(2024, 4, 8))
    assert check(proposed(service_date=day), activity=activity) == [
        RuleViolation(
            "outside_activity",
            f"服务日期 {day.isoformat()} 不在活动「清明文明祭扫引导」的日期范围"
            "（2024-04-01 至 2024-04-08）内",
        )
    ]


def test_outside_range_of_an_unnamed_activity():
    (violation,) = check(
        proposed(service_date=date(2024, 3, 1)), activity=replace(ACTIVITY, name="")
    )
    assert violation.message_zh.startswith("服务日期 2024-03-01 不在活动的日期范围")


def test_activity_duration_cap_edge():
    assert check(proposed(minutes=480)) == []
    assert check(proposed(minutes=481)) == [
        RuleViolation("activity_cap", "服务时长 8.02 小时，超过活动时长上限 8 小时")
    ]


def test_activity_cap_in_fractional_hours():
    activity = replace(ACTIVITY, duration_cap_minutes=150)
    (violation,) = check(proposed(minutes=180), activity=activity)
    assert violation.message_zh == "服务时长 3 小时，超过活动时长上限 2.5 小时"


def test_activity_without_cap():
    assert check(proposed(minutes=600), activity=replace(ACTIVITY, duration_cap_minutes=None)) == []


def test_missing_activity():
    assert check(activity=None) == [RuleViolation("activity_missing", "找不到该服务记录所属的活动")]


def test_record_without_activity_has_no_activity_rules():
    assert check(proposed(activity_id=None), activity=None) == []


def test_activity_of_another_record_is_a_programming_error():
    with pytest.raises(ValueError, match="activity"):
        check(proposed(activity_id=8))


# -- start and end ----------------------------------------------------------------------------


@pytest.mark.parametrize(("start", "end"), [(at(8), None), (None, at(12))])
def test_start_and_end_come_together(start, end):
    assert check(proposed(start=start, end=end)) == [
        RuleViolation("time_incomplete", "开始时间和结束时间须同时填写或同时留空")
    ]


@pytest.mark.parametrize(("start", "end"), [(at(12), at(8)), (at(8), at(8))])
def test_end_after_start(start, end):
    assert check(proposed(start=start, end=end)) == [
        RuleViolation("time_order", "结束时间必须晚于开始时间")
    ]


def test_minutes_may_be_less_than_the_span_for_breaks():
    assert check(proposed(minutes=420, start=at(8), end=at(17))) == []


def test_minutes_may_not_exceed_the_span():
    assert check(proposed(minutes=241, start=at(8), end=at(12))) == [
        RuleViolation("minutes_exceed_span", "服务时长 4.02 小时超过起止时间之间的 4 小时")
    ]


def test_start_must_fall_on_the_service_date():
    rec = proposed(minutes=60, start=at(8, day=date(2024, 4, 7)), end=at(9, day=date(2024, 4, 7)))
    assert check(rec) == [
        RuleViolation(
            "time_date_mismatch", "开始时间的日期 2024-04-07 与服务日期 2024-04-08 不一致"
        )
    ]


def test_overnight_service_belongs_to_its_start_date():
    rec = proposed(minutes=240, start=at(22), end=at(2, day=date(2024, 4, 9)))
    assert check(rec) == []


def test_aware_times_are_read_in_beijing_time():
    # 2024-04-07 16:00 UTC is 2024-04-08 00:00 in Beijing.
    start = datetime(2024, 4, 7, 16, 0, tzinfo=UTC)
    end = datetime(2024, 4, 7, 18, 0, tzinfo=UTC)
    assert check(proposed(minutes=120, start=start, end=end)) == []


# -- duplicates -------------------------------------------------------------------------------


def test_duplicate_same_activity_same_date():
    assert check(others=[existing(activity_id=7, status="pending")]) == [
        RuleViolation("duplicate", "该志愿者在 2024-04-08 已有「清明文明祭扫引导」的服务记录")
    ]


def test_duplicate_message_without_activity_name():
    (violation,) = check(activity=replace(ACTIVITY, name=""), others=[existing(activity_id=7)])
    assert violation.message_zh == "该志愿者在 2024-04-08 已有「该活动」的服务记录"


@pytest.mark.parametrize(
    "other",
    [
        existing(activity_id=8),  # another activity the same day
        existing(activity_id=7, service_date=date(2024, 4, 7)),  # same activity, another day
        existing(activity_id=7, status="voided"),
        existing(activity_id=7, status="rejected"),  # a rejected claim is corrected by a new one
        existing(activity_id=7, status="approved", voided=True),
        existing(activity_id=7, id=55),  # the record being edited
    ],
    ids=["other-activity", "other-day", "voided", "rejected", "voided-flag", "itself"],
)
def test_not_a_duplicate(other):
    assert check(proposed(id=55), others=[other]) == []


def test_records_without_activity_are_never_duplicates():
    assert (
        check(proposed(activity_id=None), activity=None, others=[existing(activity_id=None)]) == []
    )


def test_status_may_be_a_str_enum():
    from enum import StrEnum

    class Status(StrEnum):
        REJECTED = "rejected"

    assert check(others=[existing(activity_id=7, status=Status.REJECTED)]) == []


# -- daily cap --------------------------------------------------------------------------------


def test_daily_cap_exactly_24_hours_is_allowed():
    activity = replace(ACTIVITY, duration_cap_minutes=None)
    others = [existing(minutes=600), existing(id=101, minutes=360)]
    assert check(proposed(minutes=480), activity=activity, others=others) == []


def test_daily_cap_one_minute_over():
    activity = replace(ACTIVITY, duration_cap_minutes=None)
    others = [existing(minutes=600), existing(id=101, minutes=361)]
    assert check(proposed(minutes=480), activity=activity, others=others) == [
        RuleViolation(
            "daily_cap",
            "该志愿者 2024-04-08 已登记 16.02 小时，加上本条 8 小时超过每日上限 24 小时",
        )
    ]


def test_a_single_record_over_24_hours():
    activity = replace(ACTIVITY, duration_cap_minutes=None)
    assert codes(check(proposed(minutes=24 * 60 + 1), activity=activity)) == ["daily_cap"]


def test_daily_cap_from_settings():
    rules = HourRules(daily_cap_minutes=600)
    assert check(proposed(minutes=120), others=[existing(minutes=480)], rules=rules) == []
    (violation,) = check(proposed(minutes=121), others=[existing(minutes=480)], rules=rules)
    assert violation.message_zh.endswith("超过每日上限 10 小时")


@pytest.mark.parametrize(
    "other",
    [
        existing(minutes=1400, status="voided"),
        existing(minutes=1400, status="rejected"),
        existing(minutes=1400, voided=True),
        existing(minutes=1400, service_date=date(2024, 4, 7)),
    ],
)
def test_daily_cap_ignores_records_that_do_not_count(other):
    assert check(others=[other]) == []


def test_daily_cap_counts_pending_records():
    assert codes(check(others=[existing(minutes=1400, status="pending")])) == ["daily_cap"]


def test_daily_cap_not_checked_for_non_positive_minutes():
    assert codes(check(proposed(minutes=0), others=[existing(minutes=1440)])) == [
        "minutes_not_positive"
    ]


# -- overlaps ---------------------------------------------------------------------------------


def timed(start: datetime, end: datetime, **changes) -> ExistingRecord:
    minutes = int((end - start).total_seconds() // 60)
    return existing(start=start, end=end, minutes=minutes, **changes)


@pytest.mark.parametrize(
    ("other_start", "other_end"),
    [(at(6), at(8)), (at(12), at(14))],
    ids=["touching-before", "touching-after"],
)
def test_touching_ranges_do_not_overlap(other_start, other_end):
    rec = proposed(minutes=240, start=at(8), end=at(12))
    assert check(rec, others=[timed(other_start, other_end)]) == []


@pytest.mark.parametrize(
    ("other_start", "other_end"),
    [
        (at(7), at(8, 1)),  # one minute into the start
        (at(11, 59), at(13)),  # one minute before the end
        (at(9), at(10)),  # inside
        (at(7), at(13)),  # around
        (at(8), at(12)),  # identical
    ],
)
def test_overlapping_ranges(other_start, other_end):
    rec = proposed(minutes=240, start=at(8), end=at(12))
    other = timed(other_start, other_end)
    assert check(rec, others=[other]) == [
        RuleViolation(
            "overlap",
            f"与该志愿者 2024-04-08 {other_start:%H:%M}–{other_end:%H:%M} 的服务记录时间重叠",
        )
    ]


def test_overlap_with_an_overnight_record_of_the_previous_day():
    previous = date(2024, 4, 7)
    other = timed(at(22, day=previous), at(2), service_date=previous)
    rec = proposed(minutes=60, start=at(1), end=at(3))
    assert check(rec, others=[other]) == [
        RuleViolation("overlap", "与该志愿者 2024-04-07 22:00–02:00 的服务记录时间重叠")
    ]


def test_overlap_message_in_beijing_time_for_aware_records():
    other = timed(datetime(2024, 4, 8, 0, 0, tzinfo=UTC), datetime(2024, 4, 8, 2, 0, tzinfo=UTC))
    start = datetime(2024, 4, 8, 1, 0, tzinfo=UTC)
    end = datetime(2024, 4, 8, 3, 0, tzinfo=UTC)
    (violation,) = check(proposed(start=start, end=end), others=[other])
    assert violation.message_zh == "与该志愿者 2024-04-08 08:00–10:00 的服务记录时间重叠"


def test_naive_input_against_aware_stored_records():
    # 08:00–12:00 Beijing typed in a form against 03:00–05:00 UTC (11:00–13:00 Beijing) stored.
    other = timed(datetime(2024, 4, 8, 3, 0, tzinfo=UTC), datetime(2024, 4, 8, 5, 0, tzinfo=UTC))
    assert codes(check(proposed(minutes=240, start=at(8), end=at(12)), others=[other])) == [
        "overlap"
    ]
    touching = timed(datetime(2024, 4, 8, 4, 0, tzinfo=UTC), datetime(2024, 4, 8, 5, 0, tzinfo=UTC))
    assert check(proposed(minutes=240, start=at(8), end=at(12)), others=[touching]) == []


def test_mixed_naive_and_aware_start_and_end():
    end = datetime(2024, 4, 8, 4, 0, tzinfo=UTC)  # 12:00 Beijing
    assert check(proposed(minutes=240, start=at(8), end=end)) == []


@pytest.mark.parametrize(
    ("rec", "other"),
    [
        (proposed(start=at(8), end=at(12)), existing()),
        (proposed(), timed(at(8), at(12))),
        (proposed(start=at(8), end=at(12)), timed(at(9), at(10), status="voided")),
        (proposed(start=at(8), end=at(12)), timed(at(9), at(10), status="rejected")),
        (proposed(id=100, start=at(8), end=at(12)), timed(at(9), at(10))),
    ],
    ids=["other-untimed", "this-untimed", "voided", "rejected", "itself"],
)
def test_no_overlap_check(rec, other):
    assert check(rec, others=[other]) == []


def test_several_violations_in_a_stable_order():
    rec = proposed(service_date=date(2024, 5, 2), minutes=600, start=at(8), end=at(9))
    assert codes(check(rec)) == [
        "future_date",
        "outside_activity",
        "activity_cap",
        "time_date_mismatch",
        "minutes_exceed_span",
    ]


# -- settings ---------------------------------------------------------------------------------


def test_rules_defaults():
    rules = HourRules()
    assert (rules.daily_cap_minutes, rules.allow_future, rules.max_past_days) == (1440, False, None)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"daily_cap_minutes": 0}, "每日时长上限"),
        ({"daily_cap_minutes": 1441}, "每日时长上限"),
        ({"max_past_days": -1}, "补录期限"),
    ],
)
def test_rules_reject_impossible_settings(kwargs, message):
    with pytest.raises(ValueError, match=message):
        HourRules(**kwargs)


def test_rules_from_settings():
    assert hour_rules_from_settings({}) == HourRules()
    settings = {
        "volunteer.hours.daily_cap_minutes": " 720 ",
        "volunteer.hours.allow_future": "true",
        "volunteer.hours.max_past_days": "90",
    }
    assert hour_rules_from_settings(settings) == HourRules(720, True, 90)
    assert hour_rules_from_settings({"volunteer.hours.allow_future": "false"}) == HourRules()


# -- hours display ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("minutes", "text", "decimal"),
    [
        (0, "0", "0.00"),
        (1, "0.02", "0.02"),
        (30, "0.5", "0.50"),
        (80, "1.33", "1.33"),
        (100, "1.67", "1.67"),
        (150, "2.5", "2.50"),
        (180, "3", "3.00"),
        (6000, "100", "100.00"),
        (5999, "99.98", "99.98"),
        (-90, "-1.5", "-1.50"),
        (-1, "-0.02", "-0.02"),
    ],
)
def test_hours(minutes, text, decimal):
    assert minutes_to_hours_text(minutes) == text
    assert hours_decimal(minutes) == Decimal(decimal)
    assert str(hours_decimal(minutes)) == decimal


@given(st.integers(min_value=0, max_value=10**9))
def test_hours_text_is_within_half_a_hundredth(minutes):
    shown = Decimal(minutes_to_hours_text(minutes))
    assert abs(shown * 60 - minutes) <= Decimal("0.3")
    assert "e" not in minutes_to_hours_text(minutes).lower()
