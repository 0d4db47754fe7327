"""A block of the data rows of one sheet, as the reader hands them to an import.

The typed values are held column by column (in the file's column order) so that a kind
may check a whole column at once; `parsed(i)` and `parsed_rows()` give the familiar
`ParsedRow` (values and raw cells by column key) to the code that works row by row, built
on first use.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from operator import itemgetter

from volunteer.spreadsheets.parsed import ParsedRow, RowError


@dataclass(slots=True)
class RowBlock:
    keys: list[str]  # the column keys present in the file, in the file's order
    absent: dict[str, None]  # every column key of the spec, for a row's `values`
    row_numbers: list[int] = field(default_factory=list)
    cells: list[Sequence[object]] = field(default_factory=list)  # whole rows as read
    columns: list[list] = field(default_factory=list)  # typed values, one list per key
    picked: list[Sequence] = field(default_factory=list)  # each row's cells in `keys` order
    errors: dict[int, list[RowError]] = field(default_factory=dict)  # position → errors
    _parsed: dict[int, ParsedRow] = field(default_factory=dict)
    _all: list[ParsedRow] | None = None

    def __len__(self) -> int:
        return len(self.row_numbers)

    def column(self, key: str) -> list[object]:
        """The typed values of column `key` (None on every row when the file lacks it).
        The block's own list: read it, do not change it."""
        if key not in self.keys:
            return [None] * len(self.row_numbers)
        return self.columns[self.keys.index(key)]

    def parsed(self, i: int) -> ParsedRow:
        """Row `i` as a `ParsedRow`; its `errors` list is the block's (errors added to
        either are the same errors)."""
        row = self._parsed.get(i)
        if row is None:
            values = self.absent.copy()
            values.update(zip(self.keys, map(itemgetter(i), self.columns), strict=True))
            errors = self.errors.get(i)
            if errors is None:
                errors = self.errors[i] = []
            raw = dict(zip(self.keys, self.picked[i], strict=True))
            row = self._parsed[i] = ParsedRow(
                self.row_numbers[i], values, raw, errors, self.cells[i]
            )
        return row

    def parsed_rows(self) -> list[ParsedRow]:
        """Every row as a `ParsedRow` (the same list on every call)."""
        if self._all is None:
            self._all = [self.parsed(i) for i in range(len(self.row_numbers))]
        return self._all
