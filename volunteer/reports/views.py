"""Reports on the web: the auditor's fund report page and its workbook download, and the JSON
API `/api/reports/{name}` serving every registered report with the CLI's parameters and
contracts. All GET, all read-only; each report checks its own permission in `run_report`."""

from __future__ import annotations

import datetime as dt
import io

import sqlalchemy as sa
from pyramid.response import Response
from pyramid.view import view_config

from volunteer.errors import ValidationFailed
from volunteer.funds.models import Fund
from volunteer.funds.scoping import funds_clause
from volunteer.reports.fund_sheets import level_label
from volunteer.reports.registry import ReportParams, run_report
from volunteer.spreadsheets.exporting import content_disposition

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _date(request, name: str) -> dt.date | None:
    text = (request.GET.get(name) or "").strip()
    if not text:
        return None
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise ValidationFailed(f"日期格式应为 YYYY-MM-DD：{text}") from None


def report_params(request) -> ReportParams:
    get = request.GET
    year = (get.get("year") or "").strip()
    return ReportParams(
        dbsession=request.dbsession,
        scope=request.scope,
        audit=request.audit,
        actor_name=request.identity.username,
        fund=(get.get("fund") or "").strip() or None,
        programme=(get.get("programme") or "").strip() or None,
        date_from=_date(request, "from"),
        date_to=_date(request, "to"),
        year=int(year) if year.isdigit() else None,
        area=(get.get("area") or "").strip() or None,
    )


@view_config(
    route_name="reports.fund_statement",
    renderer="volunteer:templates/reports/fund_statement.jinja2",
    permission="reports:view",
)
def fund_statement_page(request):
    funds = request.dbsession.scalars(
        sa.select(Fund).where(funds_clause(request.scope)).order_by(Fund.code)
    ).all()
    params = report_params(request)
    data = run_report("fund-statement", params)[1].data if params.fund else None
    return {"funds": funds, "data": data, "params": params, "level_label": level_label}


@view_config(route_name="reports.fund_statement.download", permission="reports:view")
def fund_statement_download(request):
    params = report_params(request)
    result = run_report("fund-statement", params)[1]
    buffer = io.BytesIO()
    result.write_xlsx(buffer)
    data = result.data
    response = Response(body=buffer.getvalue(), content_type=XLSX)
    name = f"{data['fund']}_{data['from']}_{data['to']}_收支报告.xlsx"
    response.headers["Content-Disposition"] = content_disposition(name)
    return response


@view_config(route_name="reports.api", renderer="json", permission="reports:view")
def report_api(request):
    return run_report(request.matchdict["name"], report_params(request))[1].data
