"""Pages of filings and the organisation register: the filing list with overdue annual
reports, the filing page with history, actions and reports, and each organisation's status
(unfiled / filed / registered) with its incubation history."""

from __future__ import annotations

import sqlalchemy as sa
from pyramid.httpexceptions import HTTPSeeOther
from pyramid.view import view_config

from volunteer import forms
from volunteer.areas.models import Organisation
from volunteer.areas.services import organisations_in_scope
from volunteer.incubation.models import Filing, IncubationCase
from volunteer.incubation.pages import LABELS, TEMPLATES, case_service, filing_service, page


@view_config(
    route_name="incubation.filings",
    renderer=TEMPLATES + "filings.jinja2",
    permission="incubation:view",
)
def filing_list(request):
    service = filing_service(request)
    state = forms.text(request.params, "state")
    return page(
        filings=service.search(state),
        overdue=service.overdue_reports(),
        state=state,
        organisations=organisations_in_scope(request.dbsession, request.scope),
    )


@view_config(
    route_name="incubation.filings.new", request_method="POST", permission="incubation:edit"
)
def filing_new(request):
    filing = filing_service(request).create(
        forms.integer(request.POST, "organisation_id", "组织"), forms.text(request.POST, "purpose")
    )
    request.session.flash("备案草稿已创建")
    return HTTPSeeOther(request.route_url("incubation.filing", id=filing.id))


@view_config(
    route_name="incubation.filing",
    renderer=TEMPLATES + "filing.jinja2",
    permission="incubation:view",
)
def filing_detail(request):
    filing = request.context.entity
    return page(filing=filing, options=filing_service(request).options(filing))


@view_config(
    route_name="incubation.filing.advance", request_method="POST", permission="incubation:edit"
)
def filing_advance(request):
    action = forms.required(request.POST, "action", "操作")
    filing_service(request).transition(
        request.context.entity, action, forms.text(request.POST, "comment") or ""
    )
    request.session.flash(f"已办理：{LABELS['filing_actions'].get(action, action)}")
    return HTTPSeeOther(request.route_url("incubation.filing", id=request.context.entity.id))


@view_config(
    route_name="incubation.filing.report", request_method="POST", permission="incubation:edit"
)
def filing_report(request):
    p = request.POST
    filing_service(request).record_report(
        request.context.entity,
        forms.integer(p, "year", "年度"),
        forms.date(p, "submitted_on", "报送日期"),
    )
    request.session.flash("年报已登记")
    return HTTPSeeOther(request.route_url("incubation.filing", id=request.context.entity.id))


def register_rows(request) -> list[tuple]:
    """(organisation, latest filing, cases) for every organisation in scope."""
    orgs = organisations_in_scope(request.dbsession, request.scope)
    ids = [o.id for o in orgs]
    filings: dict[int, Filing] = {}
    cases: dict[int, list[IncubationCase]] = {}
    for chunk in (ids[i : i + 500] for i in range(0, len(ids), 500)):
        for f in request.dbsession.scalars(
            sa.select(Filing).where(Filing.organisation_id.in_(chunk)).order_by(Filing.id)
        ):
            filings[f.organisation_id] = f
        for c in request.dbsession.scalars(
            sa.select(IncubationCase)
            .where(IncubationCase.organisation_id.in_(chunk))
            .order_by(IncubationCase.id)
        ):
            cases.setdefault(c.organisation_id, []).append(c)
    return [(o, filings.get(o.id), cases.get(o.id, [])) for o in orgs]


@view_config(
    route_name="incubation.organisations",
    renderer=TEMPLATES + "organisations.jinja2",
    permission="incubation:view",
)
def organisation_register(request):
    return page(rows=register_rows(request))


@view_config(
    route_name="incubation.organisation",
    renderer=TEMPLATES + "organisation.jinja2",
    permission="incubation:view",
)
def organisation_detail(request):
    org: Organisation = request.context.entity
    filings = request.dbsession.scalars(
        sa.select(Filing).where(Filing.organisation_id == org.id).order_by(Filing.id)
    ).all()
    return page(org=org, filings=filings, cases=case_service(request).history(org.id))


@view_config(
    route_name="incubation.organisation.register",
    request_method="POST",
    permission="filings:review",
)
def organisation_register_mark(request):
    filing_service(request).mark_registered(request.context.entity)
    request.session.flash("已标记为已登记")
    return HTTPSeeOther(request.route_url("incubation.organisation", id=request.context.entity.id))
