"""Writing workbooks for exports and error reports, in bounded memory.

Owns `write_workbook` (openpyxl write-only: rows stream straight to the zip), `safe_text`
(formula neutralisation) and `error_report` (the user's rows plus a 错误原因 column, ready to
fix and upload again).

Neutralisation (DESIGN §5): text starting with `= + - @`, tab, CR or LF gets a leading
apostrophe `'`. The apostrophe stays visible in the cell; that is deliberate, as it shows the
value was altered, survives CSV re-saves (where Excel's hidden quote-prefix flag does not),
and is what spreadsheet software treats as "this is text". Numbers are written as numbers
and are never altered.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import IO

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter

from volunteer.spreadsheets.reader import RowError

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r", "\n")
TEXT_FORMAT = "@"
MONEY_FORMAT = "#,##0.00"
DATE_FORMAT = "yyyy-mm-dd"
DATETIME_FORMAT = "yyyy-mm-dd hh:mm"
TIME_FORMAT = "hh:mm"
ERROR_HEADER = "错误原因"
# China has had no daylight saving since 1991, so a fixed offset needs no tz database.
SHANGHAI = dt.timezone(dt.timedelta(hours=8), "Asia/Shanghai")
_MAX_CELL_TEXT = 32_767  # Excel's limit per cell
_BAD_TITLE = re.compile(r"[\[\]:*?/\\]")


def safe_text(value: str) -> str:
    """`value` made safe to open in a spreadsheet program (no formula, no DDE)."""
    if value and value[0] in FORMULA_TRIGGERS:
        value = "'" + value
    # openpyxl refuses control characters; they never belong in a cell anyway. (A printable
    # string holds none: they are all in category Cc.)
    if not value.isprintable():
        value = ILLEGAL_CHARACTERS_RE.sub("", value)
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


class _CellMaker:
    """Turns python values into cells; styled cells only where a format is needed.

    A styled cell is made once per column and format and then reused: openpyxl's write-only
    sheet serialises each appended row before `append` returns, so the next row may rebind
    it. Unstyled values are handed over as plain Python values (openpyxl reuses one cell).
    """

    def __init__(self, worksheet) -> None:
        self.worksheet = worksheet
        self._cells: dict[tuple[int, str], WriteOnlyCell] = {}

    def styled(self, value: object, number_format: str, column: int = -1) -> WriteOnlyCell:
        cell = self._cells.get((column, number_format))
        if cell is None or column < 0:
            cell = WriteOnlyCell(self.worksheet, value=value)
            cell.number_format = number_format
            if column >= 0:
                self._cells[column, number_format] = cell
        else:
            cell.value = value
        return cell

    def __call__(self, value: object, as_text: bool, column: int = -1) -> object:
        if value is None:
            return None
        cls = value.__class__
        if as_text:
            text = value if cls is str else _plain(value)
            return self.styled(safe_text(text), TEXT_FORMAT, column)
        if cls is str:
            return safe_text(value)
        if cls is bool:
            return "是" if value else "否"
        if cls is int or cls is float:
            return value
        if isinstance(value, Decimal):
            return self.styled(value, MONEY_FORMAT, column)
        if isinstance(value, dt.datetime):
            if value.tzinfo is not None:  # stored instants are UTC; people read Shanghai time
                value = value.astimezone(SHANGHAI).replace(tzinfo=None)
            return self.styled(value, DATETIME_FORMAT, column)
        if isinstance(value, dt.date):
            return self.styled(value, DATE_FORMAT, column)
        if isinstance(value, dt.time):
            return self.styled(value, TIME_FORMAT, column)
        if isinstance(value, str):
            return safe_text(value)
        if isinstance(value, bool):
            return "是" if value else "否"
        if isinstance(value, int | float):
            return value
        return safe_text(str(value))


def _plain(value: object) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    return str(value)


def _text_indexes(headers: Sequence[str], columns: Collection[int | str]) -> frozenset[int]:
    return frozenset(
        c if isinstance(c, int) else headers.index(c)
        for c in columns
        if isinstance(c, int) or c in headers
    )


def _write_sheet(workbook: Workbook, sheet: Sheet) -> None:
    worksheet = workbook.create_sheet(sheet_title(sheet.title))
    make = _CellMaker(worksheet)
    headers = list(sheet.headers)
    text = _text_indexes(headers, sheet.text_columns)
    for index, header in enumerate(headers, start=1):
        width = max(10, min(40, 2 * len(str(header)) + 4))
        worksheet.column_dimensions[get_column_letter(index)].width = width
    worksheet.freeze_panes = "A2"
    bold = Font(bold=True)
    header_cells = []
    for header in headers:
        cell = WriteOnlyCell(worksheet, value=safe_text(str(header)))
        cell.font = bold
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        header_cells.append(cell)
    worksheet.append(header_cells)
    append, first_chars = worksheet.append, frozenset(FORMULA_TRIGGERS)
    for row in sheet.rows:
        # Inline the common case, what `make` would return unchanged: None and a plain,
        # printable, formula-free string outside the text columns.
        append(
            [
                v
                if v is None
                or (
                    v.__class__ is str
                    and v[:1] not in first_chars
                    and i not in text
                    and len(v) <= _MAX_CELL_TEXT
                    and v.isprintable()
                )
                else make(v, i in text, i)
                for i, v in enumerate(row)
            ]
        )


def write_workbook(target: str | IO[bytes], sheets: Iterable[Sheet]) -> None:
    """Write `sheets` to a path or binary stream; rows are consumed once, as they come."""
    workbook = Workbook(write_only=True)
    for sheet in sheets:
        _write_sheet(workbook, sheet)
    workbook.save(target)


def error_reason(errors: Iterable[RowError]) -> str:
    return "；".join(f"{e.column}：{e.message}" if e.column else e.message for e in errors)


def error_report(
    target: str | IO[bytes],
    headers: Sequence[str],
    rows: Iterable[tuple[Sequence[object], Sequence[RowError]]],
    *,
    title: str = "错误报告",
    text_columns: Collection[int | str] = (),
) -> None:
    """The user's rows (cells as read) with their errors in a trailing 错误原因 column.

    The headers are the file's own, so the report can be corrected and uploaded again;
    the reader lists 错误原因 as an unknown column and ignores it.
    """
    width = len(headers)

    def report_rows() -> Iterable[list[object]]:
        for cells, errors in rows:
            padded = [*cells[:width], *([None] * (width - len(cells)))]
            yield [None if c == "" else c for c in padded] + [error_reason(errors)]

    sheet = Sheet(title, [*headers, ERROR_HEADER], report_rows(), text_columns)
    write_workbook(target, [sheet])
