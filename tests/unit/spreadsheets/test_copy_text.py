"""`copy_text` writes the bytes psycopg's own COPY writer writes for the same rows, and
leaves to psycopg every value it does not write the same way."""

from __future__ import annotations

import datetime as dt
import decimal
import random

import pytest
from psycopg._copy_base import TextFormatter
from psycopg.adapt import Transformer

from volunteer.spreadsheets.copy_text import copy_text

TEXTS = [
    "入户走访",
    "",
    "=危险公式",
    'quote"and',
    "back\\slash",
    "多行\n内容",
    "tab\there",
    "\r\n",
    "\b\v\f",
    "\\N",
    "N",
    " 前后空格 ",
    "emoji 🙂",
    "x" * 600,
]


def _psycopg(columns) -> bytes:
    formatter = TextFormatter(Transformer())
    out = b"".join(bytes(formatter.write_row(row)) for row in zip(*columns, strict=True))
    return out + bytes(formatter.end())


def _column(kind: str, rng: random.Random, count: int) -> list:
    pick = {
        "text": lambda: rng.choice(TEXTS),
        "int": lambda: rng.choice([0, 1, -7, 2**40, 10**20, rng.randrange(10**6)]),
        "bool": lambda: rng.choice([True, False]),
        "date": lambda: dt.date(2024, 1, 1) + dt.timedelta(days=rng.randrange(-730_000, 2000)),
        "datetime": lambda: (
            dt.datetime(2024, 5, 1, 8, 30)  # noqa: DTZ001 - naive UTC, as the bind processor hands it over
            + dt.timedelta(seconds=rng.randrange(10**7), microseconds=rng.choice([0, 1, 123456]))
        ),
    }[kind]
    values = [pick() for _ in range(count)]
    for i in rng.sample(range(count), count // 4):
        values[i] = None
    return values


@pytest.mark.parametrize("seed", range(6))
def test_the_bytes_are_psycopgs(seed):
    rng = random.Random(seed)
    count = rng.choice([1, 2, 50, 700])
    kinds = ["text", "int", "bool", "date", "datetime"]
    columns = [_column(rng.choice(kinds), rng, count) for _ in range(rng.randrange(1, 9))]
    columns.append([None] * count)
    columns.append(["同一个值"] * count)
    assert copy_text(columns) == _psycopg(columns)


@pytest.mark.parametrize("special", list("\b\t\n\v\f\r\\"))
def test_each_escape_alone(special):
    columns = [[f"a{special}b", "plain"]]
    assert copy_text(columns) == _psycopg(columns)


def test_every_escape_and_null():
    columns = [["\\", "\b\t\n\v\f\r", None, "\\N", ""], [1, None, 3, 4, 5]]
    text = copy_text(columns)
    assert text == _psycopg(columns)
    assert text.split(b"\n")[2] == b"\\N\t3"  # None is NULL, the text "\N" is not


@pytest.mark.parametrize(
    "values",
    [
        [1, True],  # equal, not the same: never converted alike
        [1.5, 2.5],
        [decimal.Decimal("1.10")],
        [dt.datetime(2024, 5, 1, tzinfo=dt.UTC)],
        [dt.time(8, 30)],
        [{"json": 1}],
        ["NUL\x00inside"],
        [b"bytes"],
    ],
)
def test_values_it_does_not_write_are_left_to_psycopg(values):
    assert copy_text([["ok"] * len(values), values]) is None


def test_no_rows():
    assert copy_text([[], []]) == b""
    assert copy_text([]) == b""


def test_the_connections_encoding_is_used():
    assert copy_text([["中文"]], "gbk") == "中文\n".encode("gbk")
