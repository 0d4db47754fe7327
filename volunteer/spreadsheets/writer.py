"""Writing workbooks for exports and error reports, in bounded memory.

Owns `write_workbook` (rows stream straight into the zip through `xlsx_stream`) and
`error_report` (the user's rows plus a 错误原因 column, ready to fix and upload again). The
sheet declaration and the cell text rules (`Sheet`, `safe_text`) live in `sheet`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Iterable, Sequence
from typing import IO

from volunteer.spreadsheets.reader import RowError
from volunteer.spreadsheets.sheet import (  # noqa: F401 - re-exported for the domains
    FORMULA_TRIGGERS,
    Sheet,
    safe_text,
    sheet_title,
)
from volunteer.spreadsheets.xlsx_stream import write_xlsx

ERROR_HEADER = "错误原因"


def write_workbook(target: str | IO[bytes], sheets: Iterable[Sheet]) -> None:
    """Write `sheets` to a path or binary stream; rows are consumed once, as they come."""
    now = dt.datetime.now(dt.UTC).replace(microsecond=0)
    write_xlsx(target, sheets, as_of=now, creator="volunteer")


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
