"""What a workbook sheet is to the writers: a title, headers, rows and the columns kept as
text; and the cell text rules every writer applies.

Neutralisation (DESIGN §5): text starting with `= + - @`, tab, CR or LF gets a leading
apostrophe `'`. The apostrophe stays visible in the cell; that is deliberate, as it shows the
value was altered, survives CSV re-saves (where Excel's hidden quote-prefix flag does not),
and is what spreadsheet software treats as "this is text". Numbers are written as numbers
and are never altered.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r", "\n")
# Number formats of typed cells, in exports and templates alike.
TEXT_FORMAT = "@"
MONEY_FORMAT = "#,##0.00"
DATE_FORMAT = "yyyy-mm-dd"
DATETIME_FORMAT = "yyyy-mm-dd hh:mm"
TIME_FORMAT = "hh:mm"
_MAX_CELL_TEXT = 32_767  # Excel's limit per cell
_BAD_TITLE = re.compile(r"[\[\]:*?/\\]")
# Control characters other than tab, LF and CR are not allowed in XML 1.0 (and so in a cell).
_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


def safe_text(value: str) -> str:
    """`value` made safe to open in a spreadsheet program (no formula, no DDE)."""
    if value and value[0] in FORMULA_TRIGGERS:
        value = "'" + value
    # They never belong in a cell anyway. (A printable string holds none: they are all in
    # category Cc.)
    if not value.isprintable():
        value = _ILLEGAL.sub("", value)
    return value[:_MAX_CELL_TEXT]


@dataclass
class Sheet:
    title: str
    headers: Sequence[str]
    rows: Iterable[Sequence[object]]
    # Columns (0-based index or header text) written as text with format "@": IDs, phones.
    text_columns: Collection[int | str] = ()


def sheet_title(title: str) -> str:
    return _BAD_TITLE.sub("_", title)[:31] or "Sheet1"
