"""Star levels from approved hours (volunteer.volunteers.stars)."""

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from volunteer.volunteers.stars import (
    DEFAULT_STAR_THRESHOLDS_HOURS,
    STAR_LABELS,
    eligible_levels_not_awarded,
    next_level_progress,
    parse_thresholds,
    star_level,
)


def hours(h: int, m: int = 0) -> int:
    return h * 60 + m


def test_default_table_and_labels():
    assert DEFAULT_STAR_THRESHOLDS_HOURS == (100, 300, 600, 1000, 1500)
    assert STAR_LABELS == {
        1: "一星志愿者",
        2: "二星志愿者",
        3: "三星志愿者",
        4: "四星志愿者",
        5: "五星志愿者",
    }


@pytest.mark.parametrize(
    ("minutes", "level"),
    [
        (0, 0),
        (hours(99, 59), 0),
        (hours(100), 1),
        (hours(299, 59), 1),
        (hours(300), 2),
        (hours(599, 59), 2),
        (hours(600), 3),
        (hours(999, 59), 3),
        (hours(1000), 4),
        (hours(1499, 59), 4),
        (hours(1500), 5),
        (hours(100000), 5),
    ],
)
def test_star_level_edges(minutes, level):
    assert star_level(minutes) == level
    assert star_level(minutes, DEFAULT_STAR_THRESHOLDS_HOURS) == level


def test_star_level_with_a_custom_table():
    assert star_level(hours(50), (20, 50)) == 2
    assert star_level(hours(49, 59), (20, 50)) == 1


def test_negative_total_is_an_error():
    with pytest.raises(ValueError, match="不能为负数"):
        star_level(-1)


@given(st.integers(min_value=0, max_value=hours(3000)), st.integers(min_value=0, max_value=600))
def test_star_level_never_goes_down_as_hours_grow(minutes, more):
    assert star_level(minutes) <= star_level(minutes + more) <= 5


@pytest.mark.parametrize(
    ("minutes", "progress"),
    [
        (0, (1, Decimal("100.00"))),
        (hours(99, 59), (1, Decimal("0.02"))),  # one minute left never reads as 0
        (hours(100), (2, Decimal("200.00"))),
        (hours(250, 30), (2, Decimal("49.50"))),
        (hours(999, 40), (4, Decimal("0.33"))),
        (hours(1499), (5, Decimal("1.00"))),
        (hours(1500), None),
        (hours(2000), None),
    ],
)
def test_next_level_progress(minutes, progress):
    assert next_level_progress(minutes) == progress


def test_next_level_progress_with_a_short_table():
    assert next_level_progress(hours(10), (20,)) == (1, Decimal("10.00"))
    assert next_level_progress(hours(20), (20,)) is None


@given(st.integers(min_value=0, max_value=hours(1499, 59)))
def test_remaining_hours_are_positive_below_the_top(minutes):
    progress = next_level_progress(minutes)
    assert progress is not None
    level, remaining = progress
    assert level == star_level(minutes) + 1
    assert remaining > 0


@pytest.mark.parametrize(
    ("text", "table"),
    [
        ("100,300,600,1000,1500", (100, 300, 600, 1000, 1500)),
        ("100，300，600，1000，1500", (100, 300, 600, 1000, 1500)),
        ("100、300、600", (100, 300, 600)),
        (" 50 100 ", (50, 100)),
        ("100, 300,", (100, 300)),
        ("20", (20,)),
        ("", DEFAULT_STAR_THRESHOLDS_HOURS),
        ("  ", DEFAULT_STAR_THRESHOLDS_HOURS),
        (None, DEFAULT_STAR_THRESHOLDS_HOURS),
    ],
)
def test_parse_thresholds(text, table):
    assert parse_thresholds(text) == table


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("100,300,abc", "应为以逗号分隔的整数小时数"),
        ("100.5,300", "应为以逗号分隔的整数小时数"),
        ("0,100", "必须为正整数小时"),
        ("-100,300", "必须为正整数小时"),
        ("100,100,600", "必须严格递增"),
        ("300,100", "必须严格递增"),
        ("1,2,3,4,5,6", "最多 5 个"),
    ],
)
def test_parse_thresholds_refuses(text, message):
    with pytest.raises(ValueError, match=message):
        parse_thresholds(text)


@pytest.mark.parametrize(
    ("level", "awarded", "missing"),
    [
        (0, [], []),
        (0, [1], []),
        (3, [], [1, 2, 3]),
        (3, [1, 3], [2]),
        (3, {3, 2, 1}, []),
        (2, [1, 2, 3], []),  # an award above the computed level stays on record
        (5, (5,), [1, 2, 3, 4]),
    ],
)
def test_eligible_levels_not_awarded(level, awarded, missing):
    assert eligible_levels_not_awarded(level, awarded) == missing
