"""What the spreadsheet pages offer a user and hand out as files: the import kinds and
export kinds their role may use, the blank template of a kind, and an export written to a
temporary file with its (Chinese) download name.
"""

from __future__ import annotations

import functools
import io
import os

from sqlalchemy.orm import Session

from volunteer import forms
from volunteer.areas.models import Area, Organisation
from volunteer.authz import Permission, Role, Scope
from volunteer.db import today_local
from volunteer.errors import NotFound, ValidationFailed
from volunteer.spreadsheets.columns import SheetSpec
from volunteer.spreadsheets.exporting import (
    ExportFilters,
    ExportKind,
    export_workbook,
    registered_exports,
)
from volunteer.spreadsheets.importing import registered_kinds
from volunteer.spreadsheets.templates import build_template
from volunteer.spreadsheets.uploads import scratch_file

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def import_specs(scope: Scope) -> list[SheetSpec]:
    """The specs of the kinds this scope may import, in registration order."""
    if not scope.may(Permission.IMPORTS_RUN):
        return []
    return [cls.spec for cls in registered_kinds().values() if scope.may(cls.permission)]


def import_spec(scope: Scope, kind: str | None) -> SheetSpec:
    for spec in import_specs(scope):
        if spec.kind == kind:
            return spec
    raise ValidationFailed("请选择导入类型" if not kind else f"不能导入「{kind}」类数据")


def export_kinds(scope: Scope) -> list[ExportKind]:
    return [e for e in registered_exports().values() if scope.may(e.permission)]


@functools.cache
def template_bytes(spec: SheetSpec) -> bytes:
    """The kind's blank template; generation is deterministic, so one copy serves everyone."""
    buffer = io.BytesIO()
    build_template(spec, buffer)
    return buffer.getvalue()


def template_spec(kind: str) -> SheetSpec:
    found = registered_kinds().get(kind)
    if found is None:
        raise NotFound(f"没有「{kind}」类导入模板")
    return found.spec


def export_filters(dbsession: Session, scope: Scope, params) -> ExportFilters:
    """Filters from the export form; an area or organisation outside the scope is refused."""
    area = organisation = None
    if area_id := forms.integer(params, "area", "区域", optional=True):
        area = dbsession.get(Area, area_id)
        if area is None or not scope.covers_path(area.path):
            raise ValidationFailed("所选区域不在您的管辖范围内")
    if org_id := forms.integer(params, "organisation", "组织", optional=True):
        organisation = dbsession.get(Organisation, org_id)
        if (
            organisation is None
            or not scope.covers_path(organisation.area.path)
            or (scope.role is Role.ORG_STAFF and organisation.id != scope.organisation_id)
        ):
            raise ValidationFailed("所选组织不在您的管辖范围内")
    date_from = forms.date(params, "date_from", "开始日期", optional=True)
    date_to = forms.date(params, "date_to", "结束日期", optional=True)
    if date_from and date_to and date_from > date_to:
        raise ValidationFailed("开始日期不能晚于结束日期")
    return ExportFilters(
        area=area,
        organisation=organisation,
        date_from=date_from,
        date_to=date_to,
        year=forms.integer(params, "year", "年份", optional=True),
        code=forms.text(params, "code"),
    )


def export_to_file(request, params) -> tuple[str, str]:
    """Write the requested export to a temporary file: (its path, the download name)."""
    kind = forms.required(params, "kind", "导出类型")
    filters = export_filters(request.dbsession, request.scope, params)
    path = scratch_file()
    try:
        spec = export_workbook(
            path,
            kind,
            dbsession=request.dbsession,
            scope=request.scope,
            vault=request.vault,
            audit=request.audit,
            filters=filters,
            reveal=params.get("reveal") == "1",
        )
    except BaseException:
        os.unlink(path)
        raise
    return path, f"{spec.title}_{today_local():%Y%m%d}.xlsx"
