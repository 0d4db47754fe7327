"""Pages of funds and projects: the list, a fund with its balances, ledger and disbursements,
period locking and chain verification, a project with its donations and matches."""

from __future__ import annotations

from pyramid.httpexceptions import HTTPSeeOther
from pyramid.view import view_config

from volunteer import forms
from volunteer.funds.disbursements import available_fen
from volunteer.funds.ledger import locked_until
from volunteer.funds.ledger_verify import verify_ledger
from volunteer.funds.pages import (
    LABELS,
    TEMPLATES,
    disbursement_service,
    fund_service,
    ledger_service,
)


@view_config(route_name="funds.list", renderer=TEMPLATES + "funds.jinja2", permission="funds:view")
def fund_list(request):
    return {"funds": fund_service(request).funds(), "labels": LABELS}


@view_config(route_name="funds.detail", renderer=TEMPLATES + "fund.jinja2", permission="funds:view")
def fund_detail(request):
    fund = request.context.entity
    service = fund_service(request)
    return {
        "fund": fund,
        "summary": service.fund_summary(fund),
        "available_fen": available_fen(request.dbsession, fund),
        "entries": service.entries(fund),
        "locked_until": locked_until(request.dbsession, fund.id),
        "disbursements": disbursement_service(request).of_fund(fund),
        "labels": LABELS,
    }


@view_config(route_name="funds.lock", permission="ledger:lock", request_method="POST")
def lock_period(request):
    fund = request.context.entity
    until = forms.date(request.POST, "locked_until", "锁定截止日期")
    ledger_service(request).lock_period(fund.id, until, forms.text(request.POST, "note"))
    request.session.flash(f"已锁定 {until} 及以前的账期")
    return HTTPSeeOther(request.route_url("funds.detail", id=fund.id))


@view_config(
    route_name="funds.verify", renderer=TEMPLATES + "verify.jinja2", permission="funds:view"
)
def verify(request):
    fund = request.context.entity
    return {"fund": fund, "broken": verify_ledger(request.dbsession, fund.id)}


@view_config(
    route_name="funds.project", renderer=TEMPLATES + "project.jinja2", permission="funds:view"
)
def project_detail(request):
    project = request.context.entity
    service = fund_service(request)
    return {
        "project": project,
        "donations": service.project_donations(project),
        "matches": service.project_matches(project),
        "labels": LABELS,
    }
