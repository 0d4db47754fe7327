"""What every import kind shares: the `ImportContext`, the `Importer` base a kind subclasses
and registers with `register`, and the registry. A kind never sees files, only rows;
`import_run.run_import` reads the file and drives the kind.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import importlib
import os
from dataclasses import dataclass
from typing import ClassVar

from sqlalchemy.orm import Session

from volunteer.audit import AuditLog
from volunteer.authz import Permission, Scope
from volunteer.errors import NotAllowed
from volunteer.pii import PiiVault
from volunteer.spreadsheets.columns import SheetSpec
from volunteer.spreadsheets.errors import FileRefused
from volunteer.spreadsheets.models import ImportBatch
from volunteer.spreadsheets.outcome import (  # noqa: F401 - re-exported for the kinds
    CREATE,
    ERROR,
    UNCHANGED,
    UPDATE,
    ChunkPlan,
    ImportSummary,
    Planned,
    count_planned,
)
from volunteer.spreadsheets.reader import ParsedRow, RowError
from volunteer.spreadsheets.row_block import RowBlock


@dataclass
class ImportContext:
    """Who imports, where they may write, and the services a kind needs."""

    dbsession: Session
    scope: Scope
    audit: AuditLog
    vault: PiiVault
    settings: dict
    today: dt.date
    user_id: int | None = None
    actor_name: str = "system"


class Importer:
    """Base class of an import kind. Subclasses set `spec` and implement `plan` and `write`."""

    spec: ClassVar[SheetSpec]
    permission: ClassVar[Permission] = Permission.IMPORTS_RUN

    def __init__(self, ctx: ImportContext):
        self.ctx = ctx
        self.dbsession = ctx.dbsession
        # Column key → the header as written in the user's file (errors quote the user's words).
        self.headers: dict[str, str] = {}

    def error(self, row: ParsedRow, key: str, message: str) -> None:
        """Attach a Chinese error to `row` under column `key`, showing the original value."""
        value = row.raw.get(key)
        header = self.headers.get(key) or self.spec.column(key).header
        row.errors.append(
            RowError(row.row_number, header, "" if value is None else str(value), message)
        )

    def apply_update(
        self,
        entity,
        changes: dict,
        action: str,
        entity_name: str,
        batch: ImportBatch,
        *,
        area_path: str | None = None,
    ) -> None:
        """Set `changes` on a stored row and audit before/after, naming the batch."""
        before = {key: getattr(entity, key) for key in changes}
        for key, value in changes.items():
            setattr(entity, key, value)
        self.dbsession.flush()  # bumps the version now, so a concurrent edit fails here
        self.ctx.audit.record(
            action,
            entity_name,
            entity.id,
            before=before,
            after=changes,
            area_path=area_path,
            note=f"导入批次 #{batch.id}",
        )

    def prefetch_block(self, block: RowBlock) -> None:
        """`prefetch` for a block; a kind that checks whole columns overrides the three
        `*_block` methods together."""
        self.prefetch(block.parsed_rows())

    def plan_block(self, block: RowBlock) -> ChunkPlan:
        return ChunkPlan(self.plan(block.parsed_rows()))

    def write_block(self, plan: ChunkPlan, batch: ImportBatch) -> None:
        self.write(plan.planned, batch)

    def prefetch(self, rows: list[ParsedRow]) -> None:
        """Read what `plan` will need for this chunk. Runs after the previous chunk's
        `write` but possibly before the rows it bulk-inserts are stored, so it must not read
        those; whatever `plan` reads itself waits until they are in."""

    def plan(self, rows: list[ParsedRow]) -> list[Planned]:
        """Validate a chunk (rows already carry reader errors) and decide each row's action.
        Rows planned as ERROR must have at least one entry in `row.errors`."""
        raise NotImplementedError

    def write(self, planned: list[Planned], batch: ImportBatch) -> None:
        """Write the CREATE and UPDATE rows of a clean chunk, in bulk."""
        raise NotImplementedError

    def finish(self, batch: ImportBatch) -> None:
        """After the last chunk of a committed import (e.g. widen activity date ranges)."""

    def revoke(self, batch: ImportBatch, reason: str) -> int:
        raise FileRefused("该类导入批次不能撤销")


KINDS: dict[str, type[Importer]] = {}


def register(kind_class: type[Importer]) -> type[Importer]:
    KINDS[kind_class.spec.kind] = kind_class
    return kind_class


def importer_for(kind: str, ctx: ImportContext) -> Importer:
    _load_kinds()
    if kind not in KINDS:
        known = "、".join(sorted(KINDS))
        raise FileRefused(f"未知的导入类型「{kind}」，可选：{known}")
    kind_class = KINDS[kind]
    if not (ctx.scope.may(Permission.IMPORTS_RUN) and ctx.scope.may(kind_class.permission)):
        raise NotAllowed(f"您的账号没有导入「{kind_class.spec.title}」的权限")
    return kind_class(ctx)


def registered_kinds() -> dict[str, type[Importer]]:
    """Every registered kind by name (pages, templates and docs iterate this)."""
    _load_kinds()
    return dict(KINDS)


def _load_kinds() -> None:
    """Import the modules that register kinds (lazily: the registry is filled on first use)."""
    for module in KIND_MODULES:
        importlib.import_module(module)


KIND_MODULES = (
    "volunteer.areas.importers",
    "volunteer.volunteers.importers",
    "volunteer.volunteers.hours_import",
    "volunteer.funds.importers",
    "volunteer.incubation.importers",
)


def file_sha256(path: str | os.PathLike) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()
