"""Workbook downloads of the incubation pages: the organisation register, the case list (with
the list's filters) and a call's ranking and award tables. Every download is audited."""

from __future__ import annotations

from pyramid.view import view_config

from volunteer import forms
from volunteer.db import today_local
from volunteer.incubation import exports
from volunteer.incubation.pages import call_service, case_service, xlsx_response


@view_config(route_name="incubation.organisations.export", permission="incubation:view")
def register_export(request):
    data = exports.workbook_bytes([exports.register_sheet(request.dbsession, request.scope)])
    exports.audit_export(request.audit, request.scope, "organisation_register")
    return xlsx_response(data, f"社会组织名录_{today_local():%Y%m%d}.xlsx")


@view_config(route_name="incubation.cases.export", permission="incubation:view")
def cases_export(request):
    state = forms.text(request.params, "state")
    overdue = request.params.get("overdue") == "1"
    sheet = exports.case_sheet(case_service(request), state, overdue)
    data = exports.workbook_bytes([sheet])
    exports.audit_export(request.audit, request.scope, "incubation_cases", state=state)
    return xlsx_response(data, f"孵化申请_{today_local():%Y%m%d}.xlsx")


@view_config(route_name="incubation.call.export", permission="incubation:view")
def call_export(request):
    call = request.context.entity
    data = exports.workbook_bytes(exports.call_sheets(call_service(request), call))
    exports.audit_export(request.audit, request.scope, "call_ranking", call=call.id)
    return xlsx_response(data, f"{call.name}_评审排名及资助.xlsx")
