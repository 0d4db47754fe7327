"""Pages of the spreadsheet flow: upload → dry run with progress → preview and error report →
confirm → batch list and revoke; template downloads; the export page. Views parse the
request, call one service (uploads, jobs, batches, downloads) and render."""

from __future__ import annotations

import os

from pyramid.httpexceptions import HTTPSeeOther
from pyramid.response import FileResponse, Response
from pyramid.view import exception_view_config, view_config

from volunteer.areas.services import areas_in_scope, organisations_in_scope
from volunteer.db import today_local
from volunteer.errors import NotFound, ValidationFailed
from volunteer.spreadsheets import batches, downloads
from volunteer.spreadsheets.errors import SpreadsheetError
from volunteer.spreadsheets.exporting import content_disposition
from volunteer.spreadsheets.jobs import request_context, runner
from volunteer.spreadsheets.uploads import UploadStore

TEMPLATES = "volunteer:templates/spreadsheets/"


def _store(request) -> UploadStore:
    return UploadStore(request.registry.settings)


def _job(request):
    return runner(request).get(request.matchdict["job"], request.identity.id)


def _file(request, path, filename: str) -> Response:
    response = FileResponse(str(path), request=request, content_type=downloads.XLSX)
    response.content_disposition = content_disposition(filename)
    return response


@view_config(
    route_name="imports.upload",
    request_method="GET",
    renderer=TEMPLATES + "upload.jinja2",
    permission="imports:run",
)
def upload_form(request):
    return {
        "specs": downloads.import_specs(request.scope),
        "max_mb": _store(request).max_bytes // (1024 * 1024),
    }


@view_config(route_name="imports.upload", request_method="POST", permission="imports:run")
def upload(request):
    spec = downloads.import_spec(request.scope, request.POST.get("kind"))
    field = request.POST.get("file")
    if not hasattr(field, "file"):
        raise ValidationFailed("请选择要上传的文件")
    stored = _store(request).save(request.identity.id, field.file, field.filename, spec.kind)
    job = runner(request).start(request, stored, dry_run=True)
    return HTTPSeeOther(request.route_url("imports.job", job=job.id))


@view_config(route_name="imports.template", permission="imports:run")
def template(request):
    spec = downloads.template_spec(request.matchdict["kind"])
    response = Response(body=downloads.template_bytes(spec), content_type=downloads.XLSX)
    response.content_disposition = content_disposition(f"{spec.title}导入模板.xlsx")
    return response


@view_config(route_name="imports.job", renderer=TEMPLATES + "job.jinja2", permission="imports:run")
def job_page(request):
    job = _job(request)
    return {"job": job, "report": job.upload.error_report.exists()}


@view_config(route_name="imports.job.progress", renderer="json", permission="imports:run")
def job_progress(request):
    return _job(request).as_json()


@view_config(route_name="imports.job.errors", permission="imports:run")
def error_report(request):
    upload = _job(request).upload
    if not upload.error_report.exists():
        raise NotFound("这次校验没有错误报告")
    stem = os.path.splitext(upload.filename)[0]
    return _file(request, upload.error_report, f"{stem}_错误报告.xlsx")


@view_config(route_name="imports.confirm", request_method="POST", permission="imports:run")
def confirm(request):
    spec = downloads.import_spec(request.scope, request.POST.get("kind"))
    stored = _store(request).find(request.identity.id, request.POST.get("sha256"), spec.kind)
    job = runner(request).start(request, stored, dry_run=False)
    return HTTPSeeOther(request.route_url("imports.job", job=job.id))


@view_config(
    route_name="imports.batches",
    renderer=TEMPLATES + "batches.jinja2",
    permission="imports:run",
)
def batch_list(request):
    return {"batches": batches.list_batches(request.dbsession, request.scope)}


@view_config(route_name="imports.batch.revoke", request_method="POST", permission="imports:revoke")
def revoke(request):
    batch = request.context.entity
    count = batches.revoke_batch(request_context(request), batch, request.POST.get("reason"))
    request.session.flash(f"已撤销导入批次 #{batch.id}，作废 {count} 条数据")
    return HTTPSeeOther(request.route_url("imports.batches"))


@view_config(
    route_name="exports.form", renderer=TEMPLATES + "export.jinja2", permission="exports:run"
)
def export_form(request):
    return {
        "kinds": downloads.export_kinds(request.scope),
        "areas": areas_in_scope(request.dbsession, request.scope),
        "organisations": organisations_in_scope(request.dbsession, request.scope),
        "year": today_local().year,
    }


@view_config(route_name="exports.download", request_method="POST", permission="exports:run")
def export_download(request):
    path, filename = downloads.export_to_file(request, request.POST)
    response = _file(request, path, filename)
    os.unlink(path)  # the response holds the file open; nothing is left behind on disk
    return response


@exception_view_config(SpreadsheetError, renderer="volunteer:templates/error.jinja2")
def refused_view(exc, request):
    request.response.status_int = 400
    return {"title": "文件未被接受", "message": exc.message, "details": []}
