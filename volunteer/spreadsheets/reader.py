"""The streaming reader: one uploaded sheet in, typed rows and per-cell errors out.

Owns `open_sheet`, `SheetReader`, `ParsedRow`, `RowError` and `SkippedRow`. It finds the
header, maps columns, coerces every cell with a per-column function chosen once, skips
blank, totals and template-example rows, flags required cells and in-file duplicates, and
stops after a run of empty rows. Row numbers are the ones Excel shows.
"""

from __future__ import annotations

import os
import re
import zipfile
from collections.abc import Callable, Iterator, Sequence
from itertools import chain, islice
from operator import itemgetter

from defusedxml import ElementTree

from volunteer.spreadsheets.coerce import coerce_text, make_coercer
from volunteer.spreadsheets.column_cells import ColumnCells
from volunteer.spreadsheets.columns import ColumnType, SheetSpec, normalise_header
from volunteer.spreadsheets.errors import FileRefused
from volunteer.spreadsheets.header import find_header
from volunteer.spreadsheets.parsed import ParsedRow, RowError, SkippedRow
from volunteer.spreadsheets.row_block import RowBlock
from volunteer.spreadsheets.safety import MAX_CELLS, screen_sheets
from volunteer.spreadsheets.sheet_process import SheetProcess
from volunteer.spreadsheets.sifting import RepeatedKeys, add_missing, blank_positions

HEADER_SCAN_ROWS = 30
EMPTY_RUN = 50
BLOCK_ROWS = 2000  # rows read, and coerced column by column, at a time
EXAMPLE_SCAN_ROWS = 5
# 合计 / 小计 / 总计 alone, with a unit in brackets or a colon and a figure ("合计：15人").
TOTAL_ROW = re.compile(r"(?:本页|全部|总)?(?:合计|小计|总计)(?:\(.*\)|:.*)?")
EXAMPLE_MARKS = ("示例", "例:", "例：", "填写示例", "样例", "举例")
_MARK_FIRST_CHARS = frozenset("合小总本全") | frozenset(m[0] for m in EXAMPLE_MARKS)


def _show(cell: object) -> str:
    return coerce_text(cell) or ""


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
) -> SheetReader:
    """The reader of `sheet` (default: the first visible worksheet); close it when done.

    The sheet is parsed in a child process (`SheetProcess`); meanwhile this one screens its
    extent, and a refusal ends the child."""
    parsed = SheetProcess(path, sheet)
    try:
        screen_sheets(path, max_cells)
        parsed.open()
        return SheetReader(parsed, spec, max_rows=max_rows, epoch1904=_is_1904(path))
    except BaseException:
        parsed.close()
        raise


class SheetReader:
    """Rows of one sheet under one spec; `rows()` may be iterated once. Used as a context
    manager, or `close()`d, it ends the sheet's parsing process."""

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
        self.skipped: list[SkippedRow] = []
        self._sheet = sheet
        self._end_row = sheet.end[0] + 1 if sheet.end else 0
        self._rows = sheet.iter_rows()
        # python-calamine yields rows from the sheet's first row and columns from the first
        # used column, so the list index + 1 is the Excel row number.
        self._head = list(islice(self._rows, HEADER_SCAN_ROWS))
        start_column = sheet.start[1] if sheet.start else 0
        match = find_header(self._head, spec, first_column=start_column)
        self.header_row = match.index + 1
        self.headers = match.headers
        self.mapping = match.mapping
        self.unknown_columns = match.unknown_columns
        self._examples = {c.key: normalise_header(c.example) for c in spec.columns if c.example}
        self._empty_run = self._data_rows = 0
        self._first_marks: dict[object, bool] = {}

    def close(self) -> None:
        self._sheet.close()

    def __enter__(self) -> SheetReader:
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()

    def rows(self) -> Iterator[ParsedRow]:
        for block in self.blocks():
            yield from block.parsed_rows()

    def blocks(self, size: int = BLOCK_ROWS) -> Iterator[RowBlock]:
        """The data rows, `size` rows of the sheet at a time (fewer once blank, totals and
        example rows are left out); may be iterated once."""
        spec, mapping = self.spec, self.mapping
        indexes = sorted(mapping)
        keys = [mapping[i] for i in indexes]
        pick = _getter(indexes)
        columns = [self._column(index) for index in indexes]
        required = [(j, c.header) for j, c in enumerate(columns) if c.required]
        width = indexes[-1] + 1
        contiguous = indexes == list(range(width))
        first_key = spec.key[0] if spec.key else None
        key_header = self.headers[indexes[keys.index(first_key)]] if first_key in keys else ""
        repeats = RepeatedKeys(spec.key, keys, key_header)
        # Every column of the spec has a value (None when the file lacks the column).
        absent = dict.fromkeys(c.key for c in spec.columns)
        row_number = self.header_row
        rows = chain(self._head[self.header_row :], self._rows)
        while block := list(islice(rows, size)):
            if min(map(len, block)) < width:
                block = [r if len(r) >= width else [*r, *[""] * (width - len(r))] for r in block]
            # Rows holding exactly the mapped columns, in order, are their own picks.
            picked = (
                block if contiguous and max(map(len, block)) == width else list(map(pick, block))
            )
            # Column by column: each column's distinct cells are read once (see ColumnCells).
            failures: dict[int, list[RowError]] = {}
            failed_at: dict[int, set[int]] = {}  # row in block → columns that failed
            read = []
            for j, (column, cells) in enumerate(
                zip(columns, zip(*picked, strict=True), strict=True)
            ):
                values, bad = column.read(cells)
                read.append(values)
                for i, message in bad:
                    error = RowError(row_number + 1 + i, column.header, _show(cells[i]), message)
                    failures.setdefault(i, []).append(error)
                    failed_at.setdefault(i, set()).add(j)
            kept, stop = self._sift(block, picked, read, failures, row_number, rows, keys, indexes)
            numbers = [row_number + 1 + i for i in kept]
            row_number += len(block)
            out = RowBlock(keys, absent, numbers)
            if len(kept) == len(block):
                out.cells, out.columns, out.picked = block, read, picked
            else:
                out.cells = [block[i] for i in kept]
                out.columns = [[column[i] for i in kept] for column in read]
                out.picked = [picked[i] for i in kept]
            if failures:
                out.errors.update((k, failures[i]) for k, i in enumerate(kept) if i in failures)
            add_missing(out.errors, kept, numbers, read, required, failed_at)
            repeats.add_errors(out, kept, read, failed_at)
            if numbers:
                yield out
            if stop:
                return

    def _sift(self, block, picked, read, failures, before, rest, keys, indexes):
        """(positions of the block's data rows, whether the data ended in it). Blank rows,
        totals rows and example rows are left out; a long enough run of blank rows ends the
        data. Only rows that may be one of those are looked at one by one."""
        blank = blank_positions(read, failures)
        firsts = [row[0] for row in block]
        if self._data_rows < EXAMPLE_SCAN_ROWS:
            special = set(range(len(block)))
        else:
            special = set(blank)
            distinct = set(firsts)
            marks = self._first_marks  # first cells repeat (names): each is looked at once
            if len(marks) > 100_000:
                marks.clear()
            for f in distinct.difference(marks):
                marks[f] = f.__class__ is str and f.lstrip()[:1] in _MARK_FIRST_CHARS
            marked = {f for f in distinct if marks[f]}
            if "" in distinct or marked:
                special.update(i for i, f in enumerate(firsts) if f == "" or f in marked)
        kept: list[int] = []
        blank_set, previous = set(blank), -1
        for i in sorted(special):
            self._keep(kept, range(previous + 1, i))
            previous, row_number = i, before + 1 + i
            if i in blank_set:
                self._empty_run += 1
                if self._empty_run >= EMPTY_RUN:
                    self._refuse_content_beyond(row_number, indexes, chain(block[i + 1 :], rest))
                    return kept, True
                continue
            self._empty_run = 0
            first = firsts[i]
            if first == "":
                first = next((c for c in block[i] if c != ""), "")
            maybe_marked = first.__class__ is str and first.lstrip()[:1] in _MARK_FIRST_CHARS
            if (maybe_marked or self._data_rows < EXAMPLE_SCAN_ROWS) and self._skippable(
                first, row_number, dict(zip(keys, picked[i], strict=True)), self._data_rows
            ):
                continue
            self._keep(kept, (i,))
        self._keep(kept, range(previous + 1, len(block)))
        return kept, False

    def _keep(self, kept: list[int], positions: Sequence[int]) -> None:
        if not positions:
            return
        kept.extend(positions)
        self._empty_run = 0
        self._data_rows += len(positions)
        if self._data_rows > self.max_rows:
            raise FileRefused(
                f"数据超过 {self.max_rows} 行，请拆分成多个文件上传，或使用命令行导入"
            )

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

    def _skippable(
        self,
        first: object,
        row_number: int,
        raw: dict[str, object],
        data_rows: int,
    ) -> bool:
        if first.__class__ is str and first.lstrip()[:1] in _MARK_FIRST_CHARS:
            text = normalise_header(first)
            if TOTAL_ROW.fullmatch(text):
                self.skipped.append(SkippedRow(row_number, "合计行"))
                return True
            if text.startswith(EXAMPLE_MARKS):
                self.skipped.append(SkippedRow(row_number, "示例行"))
                return True
        # The instructions' example copied into the data: every example value matches (at
        # least three, so a real row sharing a common value such as 居民身份证 is kept).
        if data_rows < EXAMPLE_SCAN_ROWS:
            present = [k for k in self._examples if k in raw]
            if len(present) >= 3 and all(
                normalise_header(_show(raw[k])) == self._examples[k] for k in present
            ):
                self.skipped.append(SkippedRow(row_number, "示例行"))
                return True
        return False

    def _refuse_content_beyond(
        self, row_number: int, columns: list[int], rest: Iterator[Sequence[object]]
    ) -> None:
        """After a run of empty rows, make sure nothing below would be silently dropped.

        Only the rest of the range calamine already holds is walked, at C speed per row,
        and only when calamine says cells lie below (a lone stray cell, a forged range).
        """
        if self._end_row <= row_number:
            return
        get = _getter(columns)
        for offset, row in enumerate(rest, start=1):
            cells = get(row)
            if any(cells) and any(
                c != "" and not (c.__class__ is str and not c.strip()) for c in cells
            ):
                raise FileRefused(
                    f"第 {row_number - EMPTY_RUN + 1}–{row_number} 行是连续空行，"
                    f"但第 {row_number + offset} 行还有内容：请删除中间的空行后重新上传"
                )


def _getter(indexes: list) -> Callable[[Sequence[object]], tuple[object, ...]]:
    """itemgetter that always returns a tuple, even for one index."""
    if len(indexes) == 1:
        only = indexes[0]
        return lambda items: (items[only],)
    return itemgetter(*indexes)
