"""The report registry: a report is a name, a permission and a function from parameters to a
`ReportResult` that renders as JSON (a dict) or as workbook sheets."""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass, field

from volunteer.authz import Permission
from volunteer.errors import NotAllowed, ValidationFailed
from volunteer.spreadsheets.writer import Sheet, write_workbook


@dataclass
class ReportParams:
    """Everything a report may be asked for; each report reads the fields it needs."""

    dbsession: object
    scope: object
    audit: object
    actor_name: str
    fund: str | None = None
    programme: str | None = None
    date_from: object = None
    date_to: object = None
    year: int | None = None
    area: str | None = None
    extra: dict = field(default_factory=dict)

    def need(self, name: str, flag: str):
        value = getattr(self, name)
        if value in (None, ""):
            raise ValidationFailed(f"该报表需要参数 {flag}")
        return value


@dataclass
class ReportResult:
    data: dict
    sheets: Callable[[], list[Sheet]]
    # A report whose workbook must be reproducible byte for byte (the auditor's fund report)
    # brings its own writer, called as writer(target, sheets).
    writer: Callable | None = None

    def write_xlsx(self, target) -> None:
        (self.writer or write_workbook)(target, self.sheets())


@dataclass(frozen=True)
class Report:
    name: str
    title: str
    permission: Permission
    build: Callable[[ReportParams], ReportResult]


REPORTS: dict[str, Report] = {}
REPORT_MODULES = (
    "volunteer.reports.volunteer_reports",
    "volunteer.reports.fund_statement",
    "volunteer.reports.matching_report",
    "volunteer.reports.ledger_report",
)


def register_report(name: str, title: str, permission: Permission):
    def decorator(build):
        REPORTS[name] = Report(name, title, permission, build)
        return build

    return decorator


def load_reports() -> dict[str, Report]:
    for module in REPORT_MODULES:
        importlib.import_module(module)
    return REPORTS


def run_report(name: str, params: ReportParams) -> tuple[Report, ReportResult]:
    reports = load_reports()
    if name not in reports:
        raise ValidationFailed(f"未知的报表「{name}」，可选：{'、'.join(sorted(reports))}")
    report = reports[name]
    if not params.scope.may(report.permission):
        raise NotAllowed(f"没有查看「{report.title}」的权限")
    return report, report.build(params)
