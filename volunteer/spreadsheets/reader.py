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
from itertools import chain
from operator import itemgetter

from defusedxml import ElementTree

from volunteer.spreadsheets.coerce import coerce_text, make_coercer
from volunteer.spreadsheets.column_cells import ColumnCells
from volunteer.spreadsheets.columns import ColumnType, SheetSpec, normalise_header
from volunteer.spreadsheets.errors import FileRefused
from volunteer.spreadsheets.frame_columns import Coded, FrameColumns, LazyRows
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
        self.skipped: list[SkippedRow] = []
        self._sheet = sheet
        self._end_row = sheet.end[0] + 1 if sheet.end else 0
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
        spec, mapping = self.spec, self.mapping
        indexes = sorted(mapping)
        keys = [mapping[i] for i in indexes]
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
                    error = RowError(before + 1 + i, column.header, _show(cells[i]), message)
                    failures.setdefault(i, []).append(error)
                    failed_at.setdefault(i, set()).add(j)
            kept, stop = self._sift(frame, start, read, failures, before, frames, keys, indexes)
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

    def _sift(self, frame, start, read, failures, before, frames, keys, indexes):
        """(positions of the block's data rows, whether the data ended in it). Blank rows,
        totals rows and example rows are left out; a long enough run of blank rows ends the
        data. Only rows that may be one of those are looked at one by one."""
        blank = blank_positions(read, failures)
        firsts = frame.column(0)[start:]
        count = len(read[0])
        if self._data_rows < EXAMPLE_SCAN_ROWS:
            special = set(range(count))
        else:
            special = set(blank)
            special.update(self._marked_firsts(firsts))
        kept: list[int] = []
        blank_set, previous = set(blank), -1
        for i in sorted(special):
            self._keep(kept, range(previous + 1, i))
            previous, row_number = i, before + 1 + i
            if i in blank_set:
                self._empty_run += 1
                if self._empty_run >= EMPTY_RUN:
                    rest = chain.from_iterable(f.rows(s) for f, s, _ in frames)
                    below = chain(frame.rows(start + i + 1), rest)
                    self._refuse_content_beyond(row_number, indexes, below)
                    return kept, True
                continue
            self._empty_run = 0
            first = firsts[i]
            if first == "":
                first = next((c for c in frame.row(start + i) if c != ""), "")
            maybe_marked = first.__class__ is str and first.lstrip()[:1] in _MARK_FIRST_CHARS
            if (maybe_marked or self._data_rows < EXAMPLE_SCAN_ROWS) and self._skippable(
                first,
                row_number,
                {k: frame.column(j)[start + i] for k, j in zip(keys, indexes, strict=True)},
                self._data_rows,
            ):
                continue
            self._keep(kept, (i,))
        self._keep(kept, range(previous + 1, count))
        return kept, False

    def _marked_firsts(self, firsts) -> list[int]:
        """Positions whose first cell is blank or may mark a totals or example row; each
        distinct first cell (names repeat) is looked at once."""
        coded = firsts.__class__ is Coded
        distinct = firsts.distinct if coded else set(firsts)
        marks = self._first_marks
        if len(marks) > 100_000:
            marks.clear()
        for f in set(distinct).difference(marks):
            marks[f] = f == "" or (f.__class__ is str and f.lstrip()[:1] in _MARK_FIRST_CHARS)
        flags = list(map(marks.__getitem__, distinct))
        if True not in flags:
            return []
        if coded:
            wanted = {k for k, flag in enumerate(flags) if flag}
            return [i for i, c in enumerate(firsts.codes) if c in wanted]
        return [i for i, f in enumerate(firsts) if marks[f]]

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
