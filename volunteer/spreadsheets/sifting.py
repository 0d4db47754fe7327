"""Column-wise checks of a block of rows for the reader: which rows are blank, which miss a
required value, which repeat an earlier row's key. Each works on the block's columns with C
loops in the common case (no blanks, nothing missing, no repeats) and looks at single rows
only where a column says there is something to find."""

from __future__ import annotations

from collections.abc import Sequence

from volunteer.spreadsheets.coerce import coerce_text
from volunteer.spreadsheets.parsed import RowError


def blank_positions(read: list[list], failures: dict[int, list]) -> list[int]:
    """Rows whose every value is None and no cell of which failed to read."""
    nones = [column.count(None) for column in read]
    fewest = min(range(len(read)), key=nones.__getitem__)
    if not nones[fewest]:
        return []
    return [
        i
        for i, value in enumerate(read[fewest])
        if value is None and i not in failures and all(column[i] is None for column in read)
    ]


def add_missing(
    errors: dict[int, list[RowError]],
    kept: Sequence[int],
    numbers: Sequence[int],
    read: list[list],
    required: list[tuple[int, str]],
    failed_at: dict[int, set[int]],
) -> None:
    """'必填' for each required column (index, header) empty on a kept row, unless the cell
    was there but could not be read. `errors` is keyed by position among the kept rows."""
    for j, header in required:
        column = read[j]
        if not column.count(None):
            continue
        for k, i in enumerate(kept):
            if column[i] is None and j not in failed_at.get(i, ()):
                errors.setdefault(k, []).append(RowError(numbers[k], header, "", "必填"))


class RepeatedKeys:
    """Rows whose key (`key`: column keys of the spec) an earlier row of the file had."""

    def __init__(self, key: tuple[str, ...], keys: list[str], header: str):
        self.key = key
        self.keys = keys  # the file's column keys, in the typed tuples' order
        self.header = header  # the first key column's header as written
        count = len(keys)
        # A key column the file lacks reads the None appended after the row's values.
        self.at = [keys.index(k) if k in keys else count for k in key]
        self.seen: dict[tuple, int] = {}

    def add_errors(self, block, kept, read: list[list], failed_at: dict[int, set[int]]) -> None:
        """'与第 N 行重复' on the block's repeated rows. A key may hold alternatives (ID
        number or volunteer number): rows are compared when any part is filled (an
        all-blank key is left to the required checks), never on a key cell that could not
        be read."""
        if not self.key:
            return
        numbers = block.row_numbers
        # The key's columns zipped (`column` gives None where the file has no such column).
        identities = list(zip(*map(block.column, self.key), strict=True))
        at = set(self.at)
        failed = set()
        if failed_at:
            failed = {k for k, i in enumerate(kept) if not at.isdisjoint(failed_at.get(i, ()))}
        filled = not failed and any(j < len(read) and not read[j].count(None) for j in self.at)
        for k, first in self._repeats(identities, numbers, None if filled else failed):
            raw = dict(zip(self.keys, block.picked[k], strict=True))
            shown = "，".join(s for key in self.key if (s := show_cell(raw.get(key))))
            error = RowError(numbers[k], self.header, shown, f"与第 {first} 行重复")
            block.errors.setdefault(k, []).append(error)

    def _repeats(self, identities, numbers, skip: set[int] | None) -> list[tuple[int, int]]:
        """(position, first row number) of each repeat; `skip`: rows neither compared nor
        remembered, None when every row has a filled, readable key (the C loop)."""
        seen = self.seen
        if skip is None:
            first = list(map(seen.setdefault, identities, numbers))
            if first == numbers:
                return []
            return [(k, f) for k, (f, n) in enumerate(zip(first, numbers, strict=True)) if f != n]
        repeats = []
        for k, (identity, number) in enumerate(zip(identities, numbers, strict=True)):
            if k not in skip and identity.count(None) < len(identity):
                first = seen.setdefault(identity, number)
                if first != number:
                    repeats.append((k, first))
        return repeats


def show_cell(cell: object) -> str:
    """A cell as a row error shows it."""
    return coerce_text(cell) or ""
