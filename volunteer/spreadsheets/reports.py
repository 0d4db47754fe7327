"""The error report of an import run: the user's file back, row by row, with a 错误原因 column.

Every data row is in the report, not only the failing ones: an import is all or nothing, so
the clean rows were not written either, and the report has to be a complete file that can be
corrected and uploaded again as it is. Rows are read a second time from the stored upload
(streamed, never held in memory); title, totals and example rows are left out.
"""

from __future__ import annotations

from collections import defaultdict

from volunteer.spreadsheets.columns import ColumnType
from volunteer.spreadsheets.importing import ImportSummary, registered_kinds
from volunteer.spreadsheets.reader import open_sheet
from volunteer.spreadsheets.uploads import Upload
from volunteer.spreadsheets.writer import error_report

_TEXT_TYPES = (ColumnType.ID_NUMBER, ColumnType.PHONE)


def write_error_report(upload: Upload, summary: ImportSummary, max_rows: int) -> None:
    spec = registered_kinds()[upload.kind].spec
    by_row = defaultdict(list)
    for error in summary.errors:
        by_row[error.row].append(error)
    with open_sheet(upload.path, spec, max_rows=max_rows) as reader:
        text_columns = [
            index for index, key in reader.mapping.items() if spec.column(key).type in _TEXT_TYPES
        ]
        rows = ((row.cells, by_row.get(row.row_number, ())) for row in reader.rows())
        error_report(
            upload.error_report,
            reader.headers,
            rows,
            title=f"{spec.title}（错误报告）",
            text_columns=text_columns,
        )
