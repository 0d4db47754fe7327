"""The JSON API of funds, projects, donations and programmes, under /api/ with the pages'
permissions and scoping. POSTs take a JSON object and the CSRF token in `X-CSRF-Token`.
Money is integer fen in fields ending `_fen`; amounts sent in yuan go in `amount`/`pool`…
as text ("1,000.00"); times are ISO 8601 in UTC out, Asia/Shanghai wall-clock in."""

from __future__ import annotations

import sqlalchemy as sa
from pyramid.view import view_config

from volunteer.errors import ValidationFailed
from volunteer.funds import forms as fund_forms
from volunteer.funds.disbursements import available_fen
from volunteer.funds.models import Donation, Fund, Project
from volunteer.funds.pages import donation_service, fund_service, programme_service
from volunteer.funds.programme_models import MatchingProgramme
from volunteer.funds.scoping import project_in_scope


def _iso(value):
    return value.isoformat() if value is not None else None


def fund_json(fund: Fund) -> dict:
    return {
        "id": fund.id,
        "code": fund.code,
        "name": fund.name,
        "host": fund.host,
        "community": fund.community.name,
        "agreement_no": fund.agreement_no,
        "agreement_date": _iso(fund.agreement_date),
        "restricted": fund.restricted,
        "purpose": fund.purpose,
        "status": str(fund.status),
    }


def project_json(project: Project, raised_fen=None, matched_fen=None) -> dict:
    data = {
        "id": project.id,
        "code": project.code,
        "name": project.name,
        "fund": project.fund.code,
        "community": project.community.name,
        "target_fen": project.target_fen,
        "starts_on": _iso(project.starts_on),
        "ends_on": _iso(project.ends_on),
        "status": str(project.status),
    }
    if raised_fen is not None:
        data.update(donations_fen=raised_fen, matched_fen=matched_fen)
    return data


def donation_json(donation: Donation, matches=()) -> dict:
    return {
        "id": donation.id,
        "receipt_no": donation.receipt_no,
        "donor": donation.shown_donor,
        "anonymous": donation.anonymous,
        "amount_fen": donation.amount_fen,
        "received_at": _iso(donation.received_at),
        "channel": donation.channel,
        "project": donation.project.code,
        "refunded_at": _iso(donation.refunded_at),
        "flags": [
            name
            for name in ("related_party", "rapid_small", "refund_after_match")
            if getattr(donation, f"flag_{name}")
        ],
        "matches": [
            {
                "programme": programme.code,
                "matched_fen": match.amount_fen,
                "limit": str(match.binding_limit),
                "status": str(match.status),
            }
            for match, programme in matches
        ],
    }


def programme_json(programme: MatchingProgramme) -> dict:
    return {
        "id": programme.id,
        "code": programme.code,
        "name": programme.name,
        "sponsor": programme.sponsor,
        "level": str(programme.level),
        "ratio": programme.ratio,
        "min_donation_fen": programme.min_donation_fen,
        "per_donation_cap_fen": programme.per_donation_cap_fen,
        "per_donor_project_cap_fen": programme.per_donor_project_cap_fen,
        "per_project_cap_fen": programme.per_project_cap_fen,
        "pool_fen": programme.pool_fen,
        "starts_at": _iso(programme.starts_at),
        "ends_at": _iso(programme.ends_at),
        "priority": programme.priority,
        "status": str(programme.status),
        "projects": [p.code for p in programme.projects],
        "areas": [a.name for a in programme.areas],
        "version": programme.version,
    }


class _Params(dict):
    """A JSON object seen through the same interface as form fields (text values, getall)."""

    def get(self, key, default=None):
        value = super().get(key, default)
        return value if value is None or isinstance(value, list) else str(value)

    def getall(self, key):
        value = super().get(key)
        return [str(v) for v in value] if isinstance(value, list) else []


def _body(request) -> _Params:
    try:
        body = request.json_body
    except ValueError:
        raise ValidationFailed("请求体应为 JSON 对象") from None
    if not isinstance(body, dict):
        raise ValidationFailed("请求体应为 JSON 对象")
    return _Params(body)


@view_config(route_name="funds.api.funds", renderer="json", permission="funds:view")
def api_funds(request):
    return {
        "funds": [
            {**fund_json(f), "donations_fen": raised, "projects": count}
            for f, raised, count in fund_service(request).funds()
        ]
    }


@view_config(route_name="funds.api.fund", renderer="json", permission="funds:view")
def api_fund(request):
    fund = request.context.entity
    service = fund_service(request)
    summary = service.fund_summary(fund)
    return {
        **fund_json(fund),
        "balances_fen": {str(k): v for k, v in sorted(summary["balances"].items())},
        "available_fen": available_fen(request.dbsession, fund),
        "projects": [project_json(*row) for row in summary["projects"]],
        "entries": [
            {"id": e.id, "seq": e.seq, "posted_on": _iso(e.posted_on), "kind": str(e.kind),
             "memo": e.memo, "receipt_no": e.receipt_no, "hash": e.hash,
             "lines": [{"account": str(li.account), "debit_fen": li.debit_fen,
                        "credit_fen": li.credit_fen, "sponsor": li.sponsor} for li in e.lines]}
            for e in service.entries(fund)
        ],
    }  # fmt: skip


@view_config(route_name="funds.api.project", renderer="json", permission="funds:view")
def api_project(request):
    project = request.context.entity
    service = fund_service(request)
    return {
        **project_json(project),
        "donations": [donation_json(d) for d in service.project_donations(project)],
        "matches": [
            {"receipt_no": d.receipt_no, "programme": p.code, "matched_fen": m.amount_fen,
             "limit": str(m.binding_limit), "status": str(m.status)}
            for m, p, d in service.project_matches(project)
        ],
    }  # fmt: skip


def _project_of(request, params) -> Project:
    code, project_id = params.get("project"), params.get("project_id")
    query = sa.select(Project)
    if project_id:
        query = query.where(Project.id == int(project_id) if project_id.isdigit() else sa.false())
    else:
        query = query.where(Project.code == (code or "").strip())
    project = request.dbsession.scalar(query)
    if project is None or not project_in_scope(request.scope, project):
        raise ValidationFailed("项目不存在或不在本辖区")
    return project


@view_config(
    route_name="funds.api.donations",
    renderer="json",
    permission="donations:record",
    request_method="POST",
)
def api_record_donation(request):
    params = _body(request)
    data = fund_forms.donation_input(params, _project_of(request, params).id)
    donation = donation_service(request).record(data)
    request.response.status_int = 201
    return donation_json(donation, fund_service(request).matches_of(donation))


@view_config(route_name="funds.api.donation", renderer="json", permission="funds:view")
def api_donation(request):
    donation = request.context.entity
    return donation_json(donation, fund_service(request).matches_of(donation))


@view_config(
    route_name="funds.api.donation.refund",
    renderer="json",
    permission="donations:record",
    request_method="POST",
)
def api_refund(request):
    donation = request.context.entity
    reason = _body(request).get("reason") or ""
    donation_service(request).refund(donation, reason)
    return donation_json(donation, fund_service(request).matches_of(donation))


@view_config(
    route_name="funds.api.programmes",
    renderer="json",
    permission="funds:view",
    request_method="GET",
)
def api_programmes(request):
    return {
        "programmes": [
            {**programme_json(p), "matched_fen": matched}
            for p, matched in programme_service(request).programmes()
        ]
    }


@view_config(
    route_name="funds.api.programmes",
    renderer="json",
    permission="matching:manage",
    request_method="POST",
)
def api_create_programme(request):
    programme = programme_service(request).create(fund_forms.programme_input(_body(request)))
    request.response.status_int = 201
    return programme_json(programme)


@view_config(route_name="funds.api.programme", renderer="json", permission="funds:view")
def api_programme(request):
    programme = request.context.entity
    service = programme_service(request)
    return {
        **programme_json(programme),
        **service.totals(programme),
        "by_project": [
            {"project": p.code, "donations_fen": d, "matched_fen": m}
            for p, d, m in service.by_project(programme)
        ],
    }


@view_config(
    route_name="funds.api.programme.settle",
    renderer="json",
    permission="matching:settle",
    request_method="POST",
)
def api_settle(request):
    programme = request.context.entity
    entries = programme_service(request).settle(programme)
    return {**programme_json(programme), "entries": entries}
