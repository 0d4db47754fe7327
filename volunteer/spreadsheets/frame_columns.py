"""A frame of rows from the sheet's parsing process, held column by column as `sheet_child`
sends it: most columns `Coded` (the column's distinct cells, and per row the index of its
cell among them), the others plain lists. The reader reads a coded column one distinct cell
at a time and builds rows only where it needs them (`LazyRows`).
"""

from __future__ import annotations

from collections.abc import Sequence

_TYPECODES = frozenset("BHI")  # unsigned integers of 1, 2 and 4 bytes


class BrokenFrame(ValueError):
    """The child sent something that is not a frame of the sheet's rows."""


class Coded:
    """One column: `distinct` cells, and `codes[i]` the index of row i's cell in it. Indexing
    gives cells, slicing gives a `Coded` of those rows."""

    __slots__ = ("codes", "distinct")

    def __init__(self, distinct: list, codes: Sequence[int]):
        self.distinct = distinct
        self.codes = codes

    def __len__(self) -> int:
        return len(self.codes)

    def __getitem__(self, i):
        if i.__class__ is slice:
            return Coded(self.distinct, self.codes[i])
        return self.distinct[self.codes[i]]

    def cells(self) -> list:
        return list(map(self.distinct.__getitem__, self.codes))


def cells_of(column: Coded | list) -> list:
    return column.cells() if column.__class__ is Coded else column


class FrameColumns:
    """`count` rows, `columns` of them (each `Coded` or a list of cells)."""

    __slots__ = ("columns", "count")

    def __init__(self, columns: list, count: int):
        self.columns = columns
        self.count = count

    @classmethod
    def from_message(cls, message: object) -> FrameColumns:
        """The frame the child sent; BrokenFrame when it is not one."""
        if message.__class__ is not list or not message:
            raise BrokenFrame
        columns = []
        for sent in message:
            if sent.__class__ is tuple and len(sent) == 3:
                distinct, typecode, packed = sent
                if (
                    distinct.__class__ is not list
                    or typecode not in _TYPECODES
                    or packed.__class__ is not bytes
                ):
                    raise BrokenFrame
                try:
                    codes = memoryview(packed).cast(typecode)
                except TypeError:
                    raise BrokenFrame from None
                if codes and max(codes) >= len(distinct):
                    raise BrokenFrame
                columns.append(Coded(distinct, codes))
            elif sent.__class__ is list:
                columns.append(sent)
            else:
                raise BrokenFrame
        count = len(columns[0])
        if any(len(column) != count for column in columns):
            raise BrokenFrame
        return cls(columns, count)

    def column(self, j: int) -> Coded | list:
        """Column `j`; blank cells past the frame's last column."""
        if j < len(self.columns):
            return self.columns[j]
        return [""] * self.count

    def row(self, i: int) -> list:
        return [column[i] for column in self.columns]

    def rows(self, start: int = 0, stop: int | None = None) -> list[list]:
        """Rows `start` to `stop` as lists of cells, the way python-calamine gives them."""
        sliced = [cells_of(column[start:stop]) for column in self.columns]
        return list(map(list, zip(*sliced, strict=True)))


class LazyRows(Sequence):
    """The rows of `frame` at `positions`, built on first use: whole rows (lists), or only
    the cells at `indexes` (tuples)."""

    def __init__(self, frame: FrameColumns, positions: Sequence[int], indexes=None):
        self._frame = frame
        self._positions = positions
        self._indexes = indexes
        self._rows: list | None = None

    def __len__(self) -> int:
        return len(self._positions)

    def __getitem__(self, k):
        if self._rows is None:
            self._rows = self._build()
        return self._rows[k]

    def _build(self) -> list:
        frame, positions = self._frame, self._positions
        if self._indexes is None:
            cells = [cells_of(column) for column in frame.columns]
            rows = map(list, zip(*cells, strict=True))
        else:
            rows = zip(*(cells_of(frame.column(j)) for j in self._indexes), strict=True)
        rows = list(rows)
        if positions.__class__ is range and positions.step == 1:
            return rows[positions.start : positions.stop]
        return [rows[p] for p in positions]
