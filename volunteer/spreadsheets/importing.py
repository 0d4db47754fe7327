"""The import pipeline shared by every kind: check the upload, read it in chunks, let the
kind validate and plan each chunk, write only when the whole file is clean, and record the
batch. The caller owns the transaction and aborts it when `committed` is False.

A kind is an `Importer` subclass registered with `register`; it never sees files, only rows.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import gc
import hashlib
import importlib
import os
from collections.abc import Callable
from dataclasses import dataclass
from typing import ClassVar

from sqlalchemy.orm import Session

from volunteer.audit import AuditLog
from volunteer.authz import Permission, Scope
from volunteer.errors import NotAllowed
from volunteer.pii import PiiVault
from volunteer.spreadsheets.bulk import BackgroundInserts
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
from volunteer.spreadsheets.reader import ParsedRow, RowError, open_sheet
from volunteer.spreadsheets.row_block import RowBlock
from volunteer.spreadsheets.safety import check_upload

CHUNK_ROWS = 5000
GC_THRESHOLD = 100_000  # allocations between young-generation collections during an import


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


@contextlib.contextmanager
def _fewer_collections():
    """An import allocates a few containers per row and keeps many (rows accepted so far,
    caches): with the default threshold the collector keeps rescanning the growing heap
    for cycles the import does not make. Collect less often while it runs."""
    before = gc.get_threshold()
    gc.set_threshold(max(before[0], GC_THRESHOLD), *before[1:])
    try:
        yield
    finally:
        gc.set_threshold(*before)


@_fewer_collections()
def run_import(
    ctx: ImportContext,
    path: str | os.PathLike,
    kind: str,
    *,
    filename: str | None = None,
    dry_run: bool = False,
    max_rows: int = 200_000,
    max_bytes: int = 20 * 1024 * 1024,
    progress: Callable[[int], None] | None = None,
    keep_error_rows: bool = False,
) -> ImportSummary:
    """Import one file. Raises FileRefused for the file as a whole; row problems are in the
    summary. Nothing is written unless every row is clean and `dry_run` is False; rows of
    earlier chunks written before a later error are undone by the caller's abort."""
    importer = importer_for(kind, ctx)
    # The uncompressed budget grows with the size cap (ten to one, as the web defaults have
    # it), so the console's bigger cap really admits a 1,000,000-row workbook. The sheets'
    # extent is screened by open_sheet, while the sheet is parsed.
    max_uncompressed = max(200 << 20, 10 * max_bytes)
    check_upload(path, max_bytes=max_bytes, max_uncompressed=max_uncompressed, screen_sheets=False)
    summary = ImportSummary(kind=kind, sha256=file_sha256(path))
    with open_sheet(path, importer.spec, max_rows=max_rows) as reader:
        summary.unknown_columns = list(reader.unknown_columns)
        summary.headers = list(reader.headers)
        importer.headers = {key: reader.headers[index] for index, key in reader.mapping.items()}
        name = filename or os.path.basename(os.fspath(path))
        batch = _import_blocks(
            ctx, importer, reader, summary, name, dry_run, keep_error_rows, progress
        )
        summary.skipped = list(reader.skipped)
    if batch is not None and not summary.errors:
        importer.finish(batch)
        _close_batch(ctx, batch, summary)
    summary.committed = not dry_run and not summary.errors
    return summary


def _import_blocks(ctx, importer, reader, summary, name, dry_run, keep_error_rows, progress):
    """Plan every block and write the clean ones; the batch, once there is one."""
    batch, clean = None, None  # clean: planned, clean, not written yet
    # Each chunk is written once the next one is read, and its rows are stored in the
    # background while that one is checked; the next chunk's lookups go first, so that
    # they need not wait for them.
    with BackgroundInserts(ctx.dbsession) as background:
        for block in reader.blocks(CHUNK_ROWS):
            with background.deferred():
                if clean is not None:
                    batch = _write(ctx, importer, clean, batch, summary, name)
                importer.prefetch_block(block)
            planned = importer.plan_block(block)
            count_planned(summary, planned, keep_error_rows)
            clean = planned if planned.writes and not dry_run and not summary.errors else None
            if progress is not None:
                progress(summary.rows)
        if clean is not None:
            batch = _write(ctx, importer, clean, batch, summary, name)
    return batch


def _write(ctx, importer, planned, batch, summary, filename) -> ImportBatch:
    # The batch exists only once there is something to write: re-importing the same file
    # leaves no trace but the unchanged count.
    batch = batch or _open_batch(ctx, importer.spec.kind, filename, summary)
    importer.write_block(planned, batch)
    return batch


def _open_batch(
    ctx: ImportContext, kind: str, filename: str, summary: ImportSummary
) -> ImportBatch:
    batch = ImportBatch(
        kind=kind,
        filename=filename[:255],
        sha256=summary.sha256,
        user_id=ctx.user_id,
        actor_name=ctx.actor_name,
        area_path=ctx.scope.area_path,
    )
    ctx.dbsession.add(batch)
    ctx.dbsession.flush()
    return batch


def _close_batch(ctx: ImportContext, batch: ImportBatch, summary: ImportSummary) -> None:
    batch.rows = summary.rows
    batch.created = summary.created
    batch.updated = summary.updated
    batch.unchanged = summary.unchanged
    batch.errors = 0
    summary.batch_id = batch.id
    ctx.audit.record(
        "import.commit",
        "import_batch",
        batch.id,
        after={
            "kind": batch.kind,
            "filename": batch.filename,
            "sha256": batch.sha256,
            "rows": summary.rows,
            "created": summary.created,
            "updated": summary.updated,
            "unchanged": summary.unchanged,
        },
        area_path=ctx.scope.area_path,
    )
