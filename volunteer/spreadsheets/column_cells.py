"""Coercing the cells of one column of a block of rows at once, for the reader.

A column of a district file repeats itself: a few activity names, dates and durations, a
volunteer's name and ID number on every row of theirs. `ColumnCells` coerces each distinct
cell once and maps the column through the memo with C loops, so the reader's Python work
per row does not grow with the number of columns.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from volunteer.spreadsheets.coerce import unneutralise
from volunteer.spreadsheets.errors import CellError
from volunteer.spreadsheets.frame_columns import Coded

MEMO_CELLS = 100_000  # distinct cells remembered per column between blocks
_NUMBERS = frozenset((bool, int, float))


class Failed:
    """A cell that could not be read, and why (in the memo instead of a value)."""

    __slots__ = ("message",)

    def __init__(self, message: str):
        self.message = message


class ColumnCells:
    """One mapped column: its key, the header as written, and how its cells are read."""

    def __init__(
        self,
        key: str,
        header: str,
        coerce: Callable[[object], object],
        *,
        required: bool,
        plain_text: bool,
        max_length: int,
    ):
        self.key = key
        self.header = header
        self.required = required
        self._coerce = coerce
        # Plain text cells within the length limit are only stripped (no call to `coerce`);
        # a cell that may be too long takes the coercer, which words the error.
        self._plain = plain_text
        self._limit = max_length
        self._memo: dict[object, object] = {}
        self._failed: set[object] = set()
        # 1, 1.0 and True are equal as dict keys but may read differently: the memo holds
        # cells of one numeric type at a time.
        self._number_type: type | None = None

    def read(self, cells: Sequence[object]) -> tuple[list[object], list[tuple[int, str]]]:
        """The values of `cells` (None for a cell that could not be read) and, for those
        cells, (position, the Chinese reason)."""
        if not self._remember(cells):
            return self._read_each(cells)
        memo, failed = self._memo, self._failed
        values = list(map(memo.__getitem__, cells))
        if failed.isdisjoint(cells):
            return values, []
        bad = [(i, memo[cell].message) for i, cell in enumerate(cells) if cell in failed]
        for i, _ in bad:
            values[i] = None
        return values, bad

    def read_column(self, column: Coded | Sequence[object]):
        """As `read`, for a column as the sheet's frames hold it: a coded column's distinct
        cells are read once, then the rows take theirs by index (one C loop per column)."""
        if column.__class__ is not Coded:
            return self.read(column)
        values_of, bad_of = self.read(column.distinct)
        values = list(map(values_of.__getitem__, column.codes))
        if not bad_of:
            return values, []
        reason_of = dict(bad_of)
        return values, [(i, reason_of[c]) for i, c in enumerate(column.codes) if c in reason_of]

    def _remember(self, cells: Sequence[object]) -> bool:
        """Put the value of each of `cells` in the memo; False, and nothing done, when
        numbers of more than one type are among them (each is then read on its own)."""
        numbers = _NUMBERS.intersection(map(type, cells))
        if len(numbers) > 1:
            return False
        if numbers:
            (number_type,) = numbers
            if self._number_type is not number_type:
                self._forget()
                self._number_type = number_type
        distinct = set(cells)
        if len(self._memo) + len(distinct) > MEMO_CELLS:
            self._forget()
        memo, failed = self._memo, self._failed
        for cell in distinct.difference(memo):
            value = memo[cell] = self._value(cell)
            if value.__class__ is Failed:
                failed.add(cell)
        return True

    def _read_each(self, cells: Sequence[object]) -> tuple[list[object], list[tuple[int, str]]]:
        """Mixed numeric types in one block (rare): every cell on its own, no memo."""
        values, bad = [], []
        for i, cell in enumerate(cells):
            value = self._value(cell)
            if value.__class__ is Failed:
                bad.append((i, value.message))
                value = None
            values.append(value)
        return values, bad

    def _forget(self) -> None:
        self._memo.clear()
        self._failed.clear()

    def _value(self, cell: object) -> object:
        """The cell's value, or `Failed` with the reason."""
        if (
            self._plain
            and cell.__class__ is str
            and len(cell) <= self._limit
            and cell.isprintable()
        ):
            value = cell.strip() or None
            if value is not None and value[0] == "'":
                value = unneutralise(value)
            return value
        if cell.__class__ is str and cell == "":
            return None
        try:
            return self._coerce(cell)
        except CellError as error:
            return Failed(error.message)
