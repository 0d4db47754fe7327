"""Which rows of a sheet are data, for the reader: blank rows, totals rows (合计/小计/总计)
and template example rows are left out and reported, a long enough run of blank rows ends the
data (after making sure nothing lies below it), and the data may not pass the row cap.
Owns `DataRows`."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Sequence
from itertools import chain
from operator import itemgetter

from volunteer.spreadsheets.columns import SheetSpec, normalise_header
from volunteer.spreadsheets.errors import FileRefused
from volunteer.spreadsheets.frame_columns import Coded
from volunteer.spreadsheets.parsed import SkippedRow
from volunteer.spreadsheets.sifting import blank_positions, show_cell

EMPTY_RUN = 50
EXAMPLE_SCAN_ROWS = 5
# 合计 / 小计 / 总计 alone, with a unit in brackets or a colon and a figure ("合计：15人").
TOTAL_ROW = re.compile(r"(?:本页|全部|总)?(?:合计|小计|总计)(?:\(.*\)|:.*)?")
EXAMPLE_MARKS = ("示例", "例:", "例：", "填写示例", "样例", "举例")
_MARK_FIRST_CHARS = frozenset("合小总本全") | frozenset(m[0] for m in EXAMPLE_MARKS)


class DataRows:
    """The data rows of one sheet, a block at a time; `skipped` lists the rows left out.
    `keys` and `indexes`: the mapped columns' keys and their positions in a row."""

    def __init__(
        self, spec: SheetSpec, keys: list[str], indexes: list[int], max_rows: int, end_row: int
    ):
        self.keys = keys
        self.indexes = indexes
        self.max_rows = max_rows
        self.skipped: list[SkippedRow] = []
        self._end_row = end_row  # the row below calamine's range
        self._examples = {c.key: normalise_header(c.example) for c in spec.columns if c.example}
        self._empty_run = self._data_rows = 0
        self._first_marks: dict[object, bool] = {}

    def sift(self, frame, start, read, failures, before, frames):
        """(positions of the block's data rows, whether the data ended in it). Blank rows,
        totals rows and example rows are left out; a long enough run of blank rows ends the
        data. Only rows that may be one of those are looked at one by one."""
        keys, indexes = self.keys, self.indexes
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
                normalise_header(show_cell(raw[k])) == self._examples[k] for k in present
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
