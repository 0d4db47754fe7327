"""One import run: check the upload, read it in chunks, let the kind validate and plan each
chunk, write only when the whole file is clean, and record the batch. The caller owns the
transaction and aborts it when `committed` is False.
"""

from __future__ import annotations

import contextlib
import gc
import os
from collections.abc import Callable

from volunteer.spreadsheets.bulk import BackgroundInserts
from volunteer.spreadsheets.importing import ImportContext, file_sha256, importer_for
from volunteer.spreadsheets.models import ImportBatch
from volunteer.spreadsheets.outcome import ImportSummary, count_planned
from volunteer.spreadsheets.reader import open_sheet
from volunteer.spreadsheets.safety import check_upload

CHUNK_ROWS = 5000
GC_THRESHOLD = 100_000  # allocations between young-generation collections during an import


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
    check_upload(path, max_bytes=max_bytes, max_uncompressed=max_uncompressed, sheet_extent=False)
    summary = ImportSummary(kind=kind, sha256=file_sha256(path))
    with open_sheet(path, importer.spec, max_rows=max_rows, block_rows=CHUNK_ROWS) as reader:
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
        for block in reader.blocks():
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
