import datetime as dt
from decimal import Decimal

import pytest

from volunteer.spreadsheets.errors import CellError
from volunteer.spreadsheets.numbers import (
    coerce_bool,
    coerce_decimal,
    coerce_hours,
    coerce_integer,
    coerce_yuan,
)


@pytest.mark.parametrize(
    ("value", "minutes"),
    [
        ("2.5", 150),
        ("2", 120),
        ("2小时30分", 150),
        ("2小时30分钟", 150),
        ("2个小时", 120),
        ("2小时", 120),
        ("30分钟", 30),
        ("30分", 30),
        ("150分钟", 150),
        ("2:30", 150),
        ("2.5小时", 150),
        ("2.5h", 150),
        ("２．５", 150),
        (" 2.5 ", 150),
        (2.5, 150),
        (2.0, 120),
        (2, 120),
        (dt.time(2, 30), 150),  # Excel turns a typed 2:30 into a time of day
        (dt.timedelta(hours=26), 1560),
        # Two-decimal hours round to the nearest minute, so exports re-import unchanged.
        ("1.33", 80),
        (1.33, 80),
        ("0.33", 20),
        (0.17, 10),
        (0.02, 1),
        # More decimals are accepted within 3 s of a whole minute (formulas, float noise).
        ("1.333", 80),
        (80 / 60, 80),
        (2.4999999999999996, 150),
    ],
)
def test_hours_to_minutes(value, minutes):
    assert coerce_hours(value) == minutes


@pytest.mark.parametrize("value", [None, "", "  "])
def test_hours_blank(value):
    assert coerce_hours(value) is None


@pytest.mark.parametrize("value", [0, 0.0, "0", "-2", -1.5, "0分钟", "0:00", dt.time(0, 0)])
def test_hours_must_be_positive(value):
    with pytest.raises(CellError, match="服务时长必须大于 0"):
        coerce_hours(value)


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("1.2345", "服务时长精确到分钟"),
        (1.2345, "服务时长精确到分钟"),
        ("1.5分钟", "服务时长精确到分钟"),
        ("2:30:15", "服务时长精确到分钟"),
        (dt.time(2, 30, 15), "服务时长精确到分钟"),
        ("2小时75分", "分钟数应小于 60"),
        ("两小时", "服务时长无法识别"),
        ("1e3", "服务时长无法识别"),
        (float("inf"), "服务时长无法识别"),
        (True, "服务时长无法识别"),
        (dt.date(2024, 4, 8), "服务时长无法识别"),
        (1e9, "服务时长过大"),
    ],
)
def test_hours_refused(value, message):
    with pytest.raises(CellError, match=message):
        coerce_hours(value)


@pytest.mark.parametrize(
    ("value", "fen"),
    [
        ("1,000.00", 100_000),
        ("¥50", 5000),
        ("￥50", 5000),
        ("50元", 5000),
        ("50", 5000),
        ("0.1", 10),
        ("1.000", 100),
        ("12,345,678.9", 1_234_567_890),
        (" 50 ", 5000),
        (50, 5000),
        (50.0, 5000),
        (0.1 + 0.2, 30),
        (50.00000000001, 5000),
        (19.99, 1999),
        (0, 0),
        (2_000_000_000.5, 200_000_000_050),
    ],
)
def test_yuan_to_fen(value, fen):
    assert coerce_yuan(value) == fen


@pytest.mark.parametrize("value", [None, "", "  "])
def test_yuan_blank(value):
    assert coerce_yuan(value) is None


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("1.005", "金额最多两位小数"),
        (1.005, "金额最多两位小数"),
        ("-50", "金额不能为负数"),
        (-50.0, "金额不能为负数"),
        ("1e3", "金额无法识别"),
        ("1,00", "金额无法识别"),
        ("五十元", "金额无法识别"),
        (float("nan"), "金额无法识别"),
        (True, "金额无法识别"),
        (dt.date(2024, 4, 8), "金额无法识别"),
        (1e15, "金额过大"),
    ],
)
def test_yuan_refused(value, message):
    with pytest.raises(CellError, match=message):
        coerce_yuan(value)


@pytest.mark.parametrize(
    ("value", "expected"),
    [(3, 3), (3.0, 3), ("3", 3), ("1,000", 1000), ("-2", -2), ("12.0", 12), ("", None)],
)
def test_integer(value, expected):
    assert coerce_integer(value) == expected


@pytest.mark.parametrize("value", [3.5, "3.5", "三", "1e3", float("inf")])
def test_integer_refused(value):
    with pytest.raises(CellError, match="请填写整数"):
        coerce_integer(value)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (0.5, Decimal("0.5")),
        (0.1 + 0.2, Decimal("0.30000000000000004")),
        (2, Decimal(2)),
        ("0.5", Decimal("0.5")),
        ("50%", Decimal("0.5")),
        ("-1.25", Decimal("-1.25")),
        ("", None),
    ],
)
def test_decimal(value, expected):
    assert coerce_decimal(value) == expected


@pytest.mark.parametrize("value", ["abc", "1e3", float("nan"), dt.date(2024, 1, 1)])
def test_decimal_refused(value):
    with pytest.raises(CellError, match="请填写数字"):
        coerce_decimal(value)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("是", True),
        ("否", False),
        ("Y", True),
        ("n", False),
        ("1", True),
        ("0", False),
        ("TRUE", True),
        ("false", False),
        ("ｙｅｓ", True),
        (1, True),
        (0.0, False),
        (True, True),
        ("", None),
    ],
)
def test_bool(value, expected):
    assert coerce_bool(value) is expected


@pytest.mark.parametrize("value", ["也许", 2, "是的吧"])
def test_bool_refused(value):
    with pytest.raises(CellError, match="请填写“是”或“否”"):
        coerce_bool(value)
