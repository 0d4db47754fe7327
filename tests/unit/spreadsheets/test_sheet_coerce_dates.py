import datetime as dt

import pytest
from sheet_samples import local

from volunteer.spreadsheets.dates import coerce_date, coerce_datetime, coerce_time
from volunteer.spreadsheets.errors import CellError

D = dt.date(2024, 4, 8)


@pytest.mark.parametrize(
    "value",
    [
        D,
        local(2024, 4, 8, 9, 30),
        "2024-04-08",
        "2024/4/8",
        "2024.4.8",
        "2024年4月8日",
        "2024年04月08号",
        "20240408",
        "２０２４－０４－０８",
        " 2024-04-08 ",
        "2024-04-08 00:00:00",
        "2024-04-08T09:30",
        45390,
        45390.0,
        45390.75,
        20240408.0,
    ],
)
def test_date_accepted(value):
    assert coerce_date(value) == D


def test_date_serial_1904_epoch():
    assert coerce_date(43928, epoch1904=True) == D


def test_date_serials_around_the_1900_leap_bug():
    assert coerce_date(59) == dt.date(1900, 2, 28)
    assert coerce_date(61) == dt.date(1900, 3, 1)
    assert coerce_date(1) == dt.date(1900, 1, 1)
    with pytest.raises(CellError, match="1900-02-29"):
        coerce_date(60)


@pytest.mark.parametrize("value", [None, "", "   ", "\u3000"])
def test_date_blank(value):
    assert coerce_date(value) is None


@pytest.mark.parametrize("value", ["04/08/2024", "8/4/24", "4-8-2024", "24.4.8"])
def test_date_ambiguous_is_refused_not_guessed(value):
    with pytest.raises(CellError, match=r"无法确定年、月、日的顺序.*2024-04-08"):
        coerce_date(value)


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("2024-02-30", "日期不存在（2024 年 2 月没有 30 日）"),
        ("2023-02-29", "日期不存在"),
        ("2024-13-01", "日期不存在"),
        ("20241301", "日期不存在"),
        ("明天", "日期无法识别，请使用 2024-04-08 格式"),
        ("45390", "日期无法识别"),
        ("2024-4/8", "日期无法识别"),
        ("1800-01-01", "年份超出范围"),
        (0, "不是 Excel 日期"),
        (-5.0, "不是 Excel 日期"),
        (float("nan"), "不是 Excel 日期"),
        (True, "日期无法识别"),
        (dt.time(9, 30), "日期无法识别"),
        ("2024-04-08 25:00", "时间不存在"),
    ],
)
def test_date_refused(value, message):
    with pytest.raises(CellError, match=message):
        coerce_date(value)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2024-04-08 09:30", local(2024, 4, 8, 9, 30)),
        ("2024/4/8 9:30:00", local(2024, 4, 8, 9, 30)),
        ("2024年4月8日 9时30分", local(2024, 4, 8, 9, 30)),
        ("2024年4月8日9时30分", local(2024, 4, 8, 9, 30)),
        ("2024-04-08 下午2:30", local(2024, 4, 8, 14, 30)),
        ("2024-04-08 2:30 PM", local(2024, 4, 8, 14, 30)),
        ("2024-04-08", local(2024, 4, 8)),
        (D, local(2024, 4, 8)),
        (local(2024, 4, 8, 9, 30), local(2024, 4, 8, 9, 30)),
        (45390.375, local(2024, 4, 8, 9, 0)),
        # Binary fractions are rounded to the second Excel shows.
        (45390 + 9.5 / 24 - 1e-9, local(2024, 4, 8, 9, 30)),
    ],
)
def test_datetime_accepted(value, expected):
    assert coerce_datetime(value) == expected


def test_datetime_drops_timezone_keeping_wall_time():
    aware = dt.datetime(2024, 4, 8, 9, 30, tzinfo=dt.timezone(dt.timedelta(hours=8)))
    assert coerce_datetime(aware) == local(2024, 4, 8, 9, 30)


def test_datetime_refused_message():
    with pytest.raises(CellError, match="日期时间无法识别"):
        coerce_datetime("下周一上午")
    with pytest.raises(CellError, match="无法确定年、月、日的顺序"):
        coerce_datetime("04/08/2024 09:30")


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("9:30", dt.time(9, 30)),
        ("09:30:00", dt.time(9, 30)),
        ("９：３０", dt.time(9, 30)),
        ("9点30", dt.time(9, 30)),
        ("14时", dt.time(14, 0)),
        ("下午2:30", dt.time(14, 30)),
        (0.5, dt.time(12, 0)),
        (9.5 / 24, dt.time(9, 30)),
        (dt.time(9, 30, 15, 500), dt.time(9, 30, 15)),
        (local(2024, 4, 8, 9, 30), dt.time(9, 30)),
        (dt.timedelta(hours=9, minutes=30), dt.time(9, 30)),
        ("", None),
    ],
)
def test_time_accepted(value, expected):
    assert coerce_time(value) == expected


@pytest.mark.parametrize("value", ["24:00", "9:60", "九点", 1.5, -0.1, dt.timedelta(days=2), D])
def test_time_refused(value):
    with pytest.raises(CellError, match="时间"):
        coerce_time(value)
