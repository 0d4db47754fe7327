"""The export registry shared by every domain: a kind names a function that returns the
sheets to write; `export_workbook` checks permissions, audits, and streams the workbook."""

from __future__ import annotations

import datetime as dt
import importlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import IO
from urllib.parse import quote

from volunteer.areas.models import Area, Organisation
from volunteer.audit import AuditLog
from volunteer.authz import Permission, Scope
from volunteer.errors import NotAllowed, ValidationFailed
from volunteer.spreadsheets.writer import write_workbook


@dataclass
class ExportFilters:
    area: Area | None = None
    organisation: Organisation | None = None
    date_from: dt.date | None = None
    date_to: dt.date | None = None
    year: int | None = None
    code: str | None = None  # a fund, programme or call code, for the domains that need one


@dataclass(frozen=True)
class ExportKind:
    kind: str
    title: str
    permission: Permission
    build: Callable


EXPORTS: dict[str, ExportKind] = {}
EXPORT_MODULES = (
    "volunteer.volunteers.exports",
    "volunteer.funds.exports",
    "volunteer.incubation.exports",
)


def register_export(kind: str, title: str, permission: Permission):
    def decorator(build):
        EXPORTS[kind] = ExportKind(kind, title, permission, build)
        return build

    return decorator


def registered_exports() -> dict[str, ExportKind]:
    """Every registered export kind by name (the export page lists them)."""
    for module in EXPORT_MODULES:
        importlib.import_module(module)
    return dict(EXPORTS)


def export_kind(kind: str) -> ExportKind:
    registered_exports()
    if kind not in EXPORTS:
        raise ValidationFailed(f"未知的导出类型「{kind}」，可选：{'、'.join(sorted(EXPORTS))}")
    return EXPORTS[kind]


def export_workbook(
    target: str | IO[bytes],
    kind: str,
    *,
    dbsession,
    scope: Scope,
    vault,
    audit: AuditLog,
    filters: ExportFilters,
    reveal: bool = False,
) -> ExportKind:
    """Write export `kind` to `target`. Unmasked personal data needs the reveal permission and
    is audited as such; every export is audited."""
    spec = export_kind(kind)
    if not scope.may(spec.permission):
        raise NotAllowed(f"没有导出「{spec.title}」的权限")
    if reveal and not scope.may(Permission.PII_REVEAL):
        raise NotAllowed("没有导出完整证件号码和手机号的权限")
    sheets = spec.build((dbsession, scope, vault, reveal), filters)
    audit.record(
        "export.reveal" if reveal else "export",
        "export",
        kind,
        after={
            "kind": kind,
            "area": filters.area.name if filters.area else None,
            "organisation": filters.organisation.name if filters.organisation else None,
            "from": filters.date_from,
            "to": filters.date_to,
            "year": filters.year,
            "code": filters.code,
            "unmasked": reveal,
        },
        area_path=scope.area_path,
    )
    write_workbook(target, sheets)
    return spec


def content_disposition(filename: str) -> str:
    """An attachment header that carries a Chinese file name (RFC 6266 / RFC 5987)."""
    ascii_fallback = filename.encode("ascii", "ignore").decode() or "export.xlsx"
    return f"attachment; filename=\"{ascii_fallback}\"; filename*=UTF-8''{quote(filename)}"
