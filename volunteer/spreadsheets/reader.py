"""The streaming reader: one uploaded sheet in, typed rows and per-cell errors out.

Owns `open_sheet`, `SheetReader`, `ParsedRow`, `RowError` and `SkippedRow`. It finds the
header, maps columns, coerces every cell with a per-column function chosen once, leaves out
what is not data (`DataRows`: blank, totals and template-example rows, the end of the data)
and flags required cells and in-file duplicates. Row numbers are the ones Excel shows.
"""

from __future__ import annotations

import os
import zipfile
from collections.abc import Iterator
from itertools import chain

from defusedxml import ElementTree

from volunteer.spreadsheets.coerce import make_coercer
from volunteer.spreadsheets.column_cells import ColumnCells
from volunteer.spreadsheets.columns import ColumnType, SheetSpec
from volunteer.spreadsheets.data_rows import DataRows
from volunteer.spreadsheets.frame_columns import FrameColumns, LazyRows
from volunteer.spreadsheets.header import find_header
from volunteer.spreadsheets.parsed import ParsedRow, RowError, SkippedRow
from volunteer.spreadsheets.row_block import RowBlock
from volunteer.spreadsheets.safety import MAX_CELLS, screen_sheets
from volunteer.spreadsheets.sheet_process import SheetProcess
from volunteer.spreadsheets.sifting import RepeatedKeys, add_missing, show_cell

HEADER_SCAN_ROWS = 30
BLOCK_ROWS = 2000  # rows read, and coerced column by column, at a time


def _is_1904(path: str | os.PathLike[str]) -> bool:
    """xlsx only: the workbook's date1904 flag, read from xl/workbook.xml."""
    try:
        with zipfile.ZipFile(path) as archive, archive.open("xl/workbook.xml") as f:
            root = ElementTree.fromstring(f.read(4 * 1024 * 1024))
    except (zipfile.BadZipFile, KeyError, OSError, ElementTree.ParseError):
        return False
    for element in root.iter():
        if element.tag.endswith("workbookPr"):
            return element.get("date1904", "").lower() in ("1", "true")
    return False


def open_sheet(
    path: str | os.PathLike[str],
    spec: SheetSpec,
    *,
    max_rows: int = 200_000,
    sheet: str | None = None,
    max_cells: int = MAX_CELLS,
    block_rows: int = BLOCK_ROWS,
) -> SheetReader:
    """The reader of `sheet` (default: the first visible worksheet); close it when done.
    Its blocks hold at most `block_rows` rows.

    The sheet is parsed in a child process (`SheetProcess`); meanwhile this one screens its
    extent, and a refusal ends the child."""
    parsed = SheetProcess(path, sheet, frame_rows=block_rows)
    try:
        screen_sheets(path, max_cells)
        parsed.open()
        return SheetReader(parsed, spec, max_rows=max_rows, epoch1904=_is_1904(path))
    except BaseException:
        parsed.close()
        raise


class SheetReader:
    """Rows of one sheet under one spec; `rows()` or `blocks()` may be iterated once. Used
    as a context manager, or `close()`d, it ends the sheet's parsing process."""

    def __init__(
        self,
        sheet: SheetProcess,
        spec: SheetSpec,
        *,
        max_rows: int = 200_000,
        epoch1904: bool = False,
    ) -> None:
        self.spec = spec
        self.max_rows = max_rows
        self.epoch1904 = epoch1904
        self._sheet = sheet
        self._frames = sheet.iter_frames()
        # python-calamine yields rows from the sheet's first row and columns from the first
        # used column, so the row's index + 1 is the Excel row number.
        self._head_frames: list[FrameColumns] = []
        head: list[list] = []
        for frame in self._frames:
            self._head_frames.append(frame)
            head += frame.rows(0, HEADER_SCAN_ROWS - len(head))
            if len(head) >= HEADER_SCAN_ROWS:
                break
        start_column = sheet.start[1] if sheet.start else 0
        match = find_header(head, spec, first_column=start_column)
        self.header_row = match.index + 1
        self.headers = match.headers
        self.mapping = match.mapping
        self.unknown_columns = match.unknown_columns
        self._indexes = sorted(self.mapping)
        self._keys = [self.mapping[i] for i in self._indexes]
        end_row = sheet.end[0] + 1 if sheet.end else 0
        self._data = DataRows(spec, self._keys, self._indexes, max_rows, end_row)
        self.skipped: list[SkippedRow] = self._data.skipped

    def close(self) -> None:
        self._sheet.close()

    def __enter__(self) -> SheetReader:
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()

    def rows(self) -> Iterator[ParsedRow]:
        for block in self.blocks():
            yield from block.parsed_rows()

    def _data_frames(self) -> Iterator[tuple[FrameColumns, int, int]]:
        """(frame, position of its first data row, rows of the sheet before that row)."""
        head, self._head_frames = self._head_frames, []
        before = 0
        for frame in chain(head, self._frames):
            start = max(0, self.header_row - before)
            if start < frame.count:
                yield frame, start, before + start
            before += frame.count

    def blocks(self) -> Iterator[RowBlock]:
        """The data rows, a frame of the sheet (`block_rows` rows) at a time, fewer once
        blank, totals and example rows are left out; may be iterated once."""
        spec, indexes, keys = self.spec, self._indexes, self._keys
        columns = [self._column(index) for index in indexes]
        required = [(j, c.header) for j, c in enumerate(columns) if c.required]
        first_key = spec.key[0] if spec.key else None
        key_header = self.headers[indexes[keys.index(first_key)]] if first_key in keys else ""
        repeats = RepeatedKeys(spec.key, keys, key_header)
        # Every column of the spec has a value (None when the file lacks the column).
        absent = dict.fromkeys(c.key for c in spec.columns)
        frames = self._data_frames()
        for frame, start, before in frames:
            # Column by column: each column's distinct cells are read once (see ColumnCells).
            failures: dict[int, list[RowError]] = {}
            failed_at: dict[int, set[int]] = {}  # row in block → columns that failed
            read = []
            for j, (column, index) in enumerate(zip(columns, indexes, strict=True)):
                cells = frame.column(index)[start:]
                values, bad = column.read_column(cells)
                read.append(values)
                for i, message in bad:
                    error = RowError(before + 1 + i, column.header, show_cell(cells[i]), message)
                    failures.setdefault(i, []).append(error)
                    failed_at.setdefault(i, set()).add(j)
            kept, stop = self._data.sift(frame, start, read, failures, before, frames)
            numbers = [before + 1 + i for i in kept]
            out = RowBlock(keys, absent, numbers)
            if len(kept) == len(read[0]):
                positions = range(start, frame.count)
                out.columns = read
            else:
                positions = [start + i for i in kept]
                out.columns = [[column[i] for i in kept] for column in read]
            out.cells = LazyRows(frame, positions)
            out.picked = LazyRows(frame, positions, indexes)
            if failures:
                out.errors.update((k, failures[i]) for k, i in enumerate(kept) if i in failures)
            add_missing(out.errors, kept, numbers, read, required, failed_at)
            repeats.add_errors(out, kept, read, failed_at)
            if numbers:
                yield out
            if stop:
                return

    def _column(self, index: int) -> ColumnCells:
        column = self.spec.column(self.mapping[index])
        return ColumnCells(
            column.key,
            self.headers[index],
            make_coercer(column, epoch1904=self.epoch1904),
            required=column.required,
            plain_text=column.type is ColumnType.TEXT,
            max_length=column.max_length or 32_767,  # Excel's own limit per cell
        )
