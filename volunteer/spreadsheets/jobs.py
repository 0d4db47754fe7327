"""Import jobs: the dry run and the commit of one upload, run off the request thread.

Owns `Job` (what the progress endpoint and the preview page show), `Preview` (what is kept
of an `ImportSummary`: counts and the first row errors, never the rows themselves) and
`JobRunner`, a small in-process runner: one thread per job with its own session and
transaction manager, job state in memory keyed by job id and owner. The error report is
written to disk next to the upload as soon as a run finds errors.
"""

from __future__ import annotations

import logging
import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import transaction

from volunteer.accounts.models import User
from volunteer.audit import AuditLog
from volunteer.db import get_tm_session, today_local
from volunteer.errors import Conflict, DomainError, NotFound
from volunteer.spreadsheets.errors import SpreadsheetError
from volunteer.spreadsheets.import_run import run_import
from volunteer.spreadsheets.importing import ImportContext, ImportSummary, registered_kinds
from volunteer.spreadsheets.reports import write_error_report
from volunteer.spreadsheets.uploads import Upload

log = logging.getLogger(__name__)
PREVIEW_ERRORS = 200
KEEP_SECONDS = 6 * 3600
RUNNING, DONE, FAILED = "running", "done", "failed"


@dataclass
class Preview:
    rows: int
    created: int
    updated: int
    unchanged: int
    error_count: int
    errors: list  # the first PREVIEW_ERRORS RowErrors
    unknown_columns: list[str]
    skipped: list
    committed: bool
    batch_id: int | None

    @classmethod
    def of(cls, summary: ImportSummary) -> Preview:
        return cls(
            summary.rows,
            summary.created,
            summary.updated,
            summary.unchanged,
            len(summary.errors),
            summary.errors[:PREVIEW_ERRORS],
            summary.unknown_columns,
            summary.skipped,
            summary.committed,
            summary.batch_id,
        )

    @property
    def writes(self) -> int:
        return self.created + self.updated


@dataclass
class Job:
    id: str
    user_id: int
    upload: Upload
    dry_run: bool
    state: str = RUNNING
    rows: int = 0
    message: str = ""
    preview: Preview | None = None
    started: float = field(default_factory=time.monotonic)
    finished: float | None = None

    @property
    def title(self) -> str:
        return registered_kinds()[self.upload.kind].spec.title

    @property
    def seconds(self) -> float:
        return (self.finished or time.monotonic()) - self.started

    def as_json(self) -> dict:
        return {"state": self.state, "rows": self.rows, "message": self.message}


def runs_inline(request) -> bool:
    """A request carrying its own session (the test hook of db.py) runs jobs in that session,
    so they see, and roll back with, the test's data."""
    return "app.dbsession" in request.environ


class JobRunner:
    def __init__(self, registry):
        self.registry = registry
        self.jobs: dict[str, Job] = {}
        self.lock = threading.Lock()

    def get(self, job_id: str, user_id: int) -> Job:
        job = self.jobs.get(job_id)
        if job is None or job.user_id != user_id:
            raise NotFound("导入任务不存在或已过期")
        return job

    def start(self, request, upload: Upload, *, dry_run: bool) -> Job:
        user_id = request.identity.id
        with self.lock:
            self._expire()
            if any(j.user_id == user_id and j.state == RUNNING for j in self.jobs.values()):
                raise Conflict("您有一个导入正在进行，请等它完成后再试")
            job = Job(secrets.token_urlsafe(12), user_id, upload, dry_run)
            self.jobs[job.id] = job
        max_rows = int(request.registry.settings.get("volunteer.import_max_rows") or 200_000)
        work = _work(job, max_rows)
        if runs_inline(request):
            summary = self._attempt(job, lambda: work(request_context(request)))
            if summary is None or not summary.committed:
                request.tm.doom()  # a dry run or a refused file leaves nothing behind
            if summary is not None:
                self._finish(job, summary, "")
        else:
            thread = threading.Thread(
                target=self._in_thread, args=(job, work), name=f"import-{job.id}", daemon=True
            )
            thread.start()
        return job

    def _in_thread(self, job: Job, work: Callable) -> None:
        manager = transaction.TransactionManager(explicit=True)
        manager.begin()
        dbsession = get_tm_session(self.registry["dbsession_factory"], manager)
        try:
            summary = self._attempt(
                job, lambda: work(_thread_context(self.registry, dbsession, job))
            )
            if summary is not None and summary.committed:
                manager.commit()
            else:
                manager.abort()
            # Done only now: a user told "imported" must find the rows, and a commit that
            # fails must not have said so.
            if summary is not None:
                self._finish(job, summary, "")
        except Exception:
            manager.abort()
            log.exception("import job %s failed", job.id)
            self._finish(job, None, "导入时发生内部错误，未写入任何数据，请稍后重试或联系管理员")
        finally:
            dbsession.close()

    def _attempt(self, job: Job, call: Callable[[], ImportSummary]) -> ImportSummary | None:
        """The summary, or None when the file was refused (the job then failed with why)."""
        try:
            return call()
        except (SpreadsheetError, DomainError) as exc:
            self._finish(job, None, exc.message)
            return None

    def _finish(self, job: Job, summary: ImportSummary | None, message: str) -> None:
        job.preview = Preview.of(summary) if summary is not None else None
        job.message = message
        job.finished = time.monotonic()
        job.state = DONE if summary is not None else FAILED

    def _expire(self) -> None:
        limit = time.monotonic() - KEEP_SECONDS
        for job_id in [k for k, j in self.jobs.items() if j.finished and j.finished < limit]:
            del self.jobs[job_id]


def _work(job: Job, max_rows: int) -> Callable[[ImportContext], ImportSummary]:
    upload = job.upload

    def progress(rows: int) -> None:
        job.rows = rows

    def work(ctx: ImportContext) -> ImportSummary:
        summary = run_import(
            ctx,
            upload.path,
            upload.kind,
            filename=upload.filename,
            dry_run=job.dry_run,
            max_rows=max_rows,
            max_bytes=upload.path.stat().st_size,
            progress=progress,
        )
        if summary.sha256 != upload.sha256:
            raise Conflict("文件在校验后被改动过，请重新上传并重新校验")
        if summary.errors:
            write_error_report(upload, summary, max_rows)
        return summary

    return work


def request_context(request) -> ImportContext:
    """The import context of a web request: its session, its user's scope and audit log."""
    user = request.identity
    return ImportContext(
        request.dbsession,
        request.scope,
        request.audit,
        request.vault,
        request.registry.settings,
        today_local(),
        user.id,
        user.username,
    )


def _thread_context(registry, dbsession, job: Job) -> ImportContext:
    user = dbsession.get(User, job.user_id)
    if user is None or not user.is_active:
        raise NotFound("账号不存在或已停用")
    return ImportContext(
        dbsession,
        user.scope,
        AuditLog(dbsession, user.id, user.username),
        registry["pii_vault"],
        registry.settings,
        today_local(),
        user.id,
        user.username,
    )


_RUNNER_LOCK = threading.Lock()


def runner(request) -> JobRunner:
    """The application's one runner, created on first use."""
    registry = request.registry
    with _RUNNER_LOCK:
        if "import_jobs" not in registry:
            registry["import_jobs"] = JobRunner(registry)
    return registry["import_jobs"]
