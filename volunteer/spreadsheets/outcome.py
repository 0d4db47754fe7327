"""What an import decided and what it reports: the row actions, `Planned` (one row's
action and the data its write needs) and `ImportSummary` (the counts and errors of a run,
with the console's JSON contract). Re-exported by `importing`, where the kinds find them."""

from __future__ import annotations

from dataclasses import dataclass, field

from volunteer.spreadsheets.reader import ParsedRow, RowError, SkippedRow

CREATE, UPDATE, UNCHANGED, ERROR = "created", "updated", "unchanged", "error"


@dataclass(slots=True)
class Planned:
    """What a kind decided for one row: an action and the data the write step needs."""

    row: ParsedRow
    action: str
    payload: object = None


@dataclass(slots=True)
class ChunkPlan:
    """What a kind decided for a block of rows: the rows it decided one by one, and the
    rows it created column-wise without a `Planned` each (`bulk`, the kind's own data for
    its write step; `bulk_created` of them)."""

    planned: list[Planned]
    bulk_created: int = 0
    bulk: object = None

    @property
    def writes(self) -> bool:
        return self.bulk_created > 0 or any(p.action in (CREATE, UPDATE) for p in self.planned)


@dataclass
class ImportSummary:
    kind: str
    rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[RowError] = field(default_factory=list)
    committed: bool = False
    batch_id: int | None = None
    sha256: str = ""
    unknown_columns: list[str] = field(default_factory=list)
    skipped: list[SkippedRow] = field(default_factory=list)
    error_rows: dict[int, list] = field(default_factory=dict)
    headers: list[str] = field(default_factory=list)

    def as_json(self) -> dict:
        """The console contract of DESIGN §8, exactly these keys."""
        return {
            "kind": self.kind,
            "rows": self.rows,
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "errors": [
                {"row": e.row, "column": e.column, "value": e.value, "message": e.message}
                for e in self.errors
            ],
            "committed": self.committed,
            "batch_id": self.batch_id,
        }


def count_planned(summary: ImportSummary, plan: ChunkPlan, keep_error_rows: bool) -> None:
    summary.rows += plan.bulk_created
    summary.created += plan.bulk_created
    for item in plan.planned:
        summary.rows += 1
        if item.action == ERROR or item.row.errors:
            summary.errors.extend(item.row.errors)
            if keep_error_rows:
                summary.error_rows[item.row.row_number] = list(item.row.cells)
        elif item.action == CREATE:
            summary.created += 1
        elif item.action == UPDATE:
            summary.updated += 1
        else:
            summary.unchanged += 1
