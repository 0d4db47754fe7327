"""What the reader makes of a sheet's rows: `ParsedRow`, `RowError` and `SkippedRow`
(re-exported by `reader`, where the kinds and the views find them)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field


@dataclass(slots=True)
class RowError:
    row: int
    column: str  # the header as written in the file
    value: str
    message: str


@dataclass
class SkippedRow:
    row: int
    reason: str  # "合计行" or "示例行"


@dataclass(slots=True)
class ParsedRow:
    row_number: int
    values: dict[str, object]
    raw: dict[str, object]
    errors: list[RowError] = field(default_factory=list)
    cells: Sequence[object] = ()  # the whole row as read, for the error report
