"""The rows of a COPY … FROM STDIN in PostgreSQL's text format, built column by column.

psycopg's `Copy.write_row` adapts one row at a time, 7 µs a row of a service record: 0.7 s
of the import's own thread for 100,000 rows. Here each column is converted with C loops
(each distinct value once) and the lines are joined in one pass. The bytes are the ones
`write_row` writes for the same values (a test holds them side by side) for what imports
write: str, int, bool, date, naive datetime and None. Anything else — floats, decimals,
JSON, aware datetimes, a NUL inside a text — gives None, and the caller lets psycopg write
those rows.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence

NULL = "\\N"
_ESCAPES = str.maketrans(
    {"\b": "\\b", "\t": "\\t", "\n": "\\n", "\v": "\\v", "\f": "\\f", "\r": "\\r", "\\": "\\\\"}
)
_TO_ESCAPE = re.compile(r"[\b\t\n\v\f\r\\]")
_SEPARATOR = "\x00"  # PostgreSQL text cannot hold NUL, so no value contains it


def _naive(value: dt.datetime) -> str | None:
    return str(value) if value.tzinfo is None else None


# How psycopg's text dumpers write each type (str() of a date or datetime is its format).
_FORMATS = {int: str, bool: lambda v: "t" if v else "f", dt.date: str, dt.datetime: _naive}


def copy_text(columns: Sequence[Sequence], encoding: str = "utf-8") -> bytes | None:
    """The COPY text of the rows given column by column (all of one length), or None when a
    value is of a kind left to psycopg."""
    texts = []
    for values in columns:
        text = _column_text(values)
        if text is None:
            return None
        texts.append(text)
    if not texts or not texts[0]:
        return b""
    return ("\n".join(map("\t".join, zip(*texts, strict=True))) + "\n").encode(encoding)


def _column_text(values: Sequence) -> list[str] | None:
    kinds = set(map(type, values))
    kinds.discard(type(None))
    if not kinds:
        return [NULL] * len(values)
    if len(kinds) > 1:  # 1 and True are equal: never share their conversions
        return None
    kind = kinds.pop()
    if kind is str:
        return _texts(values)
    format_ = _FORMATS.get(kind)
    if format_ is None:
        return None
    done = {value: NULL if value is None else format_(value) for value in set(values)}
    if None in done.values():
        return None
    return list(map(done.__getitem__, values))


def _texts(values: Sequence) -> list[str] | None:
    """Escaped as psycopg escapes them, the whole column in one string at a time."""
    blank = None in values
    joined = _SEPARATOR.join(["" if v is None else v for v in values] if blank else values)
    if joined.count(_SEPARATOR) != len(values) - 1:
        return None  # a NUL: psycopg raises the error for it
    if _TO_ESCAPE.search(joined):
        joined = joined.translate(_ESCAPES)
    texts = joined.split(_SEPARATOR)
    if blank:
        return [NULL if v is None else text for v, text in zip(values, texts, strict=True)]
    return texts
