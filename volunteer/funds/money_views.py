"""Pages that move money: recording a donation and refunding it, requesting a disbursement
and approving or rejecting it (maker-checker). Each view parses, calls one service, redirects."""

from __future__ import annotations

from pyramid.httpexceptions import HTTPSeeOther
from pyramid.view import view_config

from volunteer import forms
from volunteer.funds import forms as fund_forms
from volunteer.funds.disbursements import DisbursementInput, available_fen
from volunteer.funds.pages import (
    LABELS,
    TEMPLATES,
    disbursement_service,
    donation_service,
    fund_service,
)


@view_config(
    route_name="funds.project.donate",
    renderer=TEMPLATES + "donate.jinja2",
    permission="donations:record",
)
def donate(request):
    project = request.context.entity
    if request.method == "POST":
        data = fund_forms.donation_input(request.POST, project.id)
        donation = donation_service(request).record(data)
        request.session.flash(f"已登记捐赠 {donation.receipt_no}")
        return HTTPSeeOther(request.route_url("funds.donation", id=donation.id))
    return {"project": project}


@view_config(
    route_name="funds.donation", renderer=TEMPLATES + "donation.jinja2", permission="funds:view"
)
def donation_detail(request):
    donation = request.context.entity
    return {
        "donation": donation,
        "matches": fund_service(request).matches_of(donation),
        "labels": LABELS,
    }


@view_config(
    route_name="funds.donation.refund", permission="donations:record", request_method="POST"
)
def refund(request):
    donation = request.context.entity
    donation_service(request).refund(donation, forms.required(request.POST, "reason", "退款原因"))
    request.session.flash(f"已退款 {donation.receipt_no}")
    return HTTPSeeOther(request.route_url("funds.donation", id=donation.id))


def _disbursement_input(params, fund_id: int) -> DisbursementInput:
    return DisbursementInput(
        fund_id=fund_id,
        amount_fen=fund_forms.fen(params, "amount", "支出金额"),
        expense_class=fund_forms.expense_class(params),
        purpose=forms.required(params, "purpose", "支出用途"),
        project_id=forms.integer(params, "project_id", "项目", optional=True),
        beneficiary=forms.text(params, "beneficiary"),
        voucher_no=forms.text(params, "voucher_no"),
    )


@view_config(
    route_name="funds.disbursements.new",
    renderer=TEMPLATES + "disbursement_new.jinja2",
    permission="disbursements:request",
)
def request_disbursement(request):
    fund = request.context.entity
    if request.method == "POST":
        data = _disbursement_input(request.POST, fund.id)
        disbursement = disbursement_service(request).request(data)
        request.session.flash("支出申请已提交，等待他人审批")
        return HTTPSeeOther(request.route_url("funds.disbursement", id=disbursement.id))
    return {
        "fund": fund,
        "projects": fund_service(request).projects(fund_id=fund.id),
        "available_fen": available_fen(request.dbsession, fund),
        "labels": LABELS,
    }


@view_config(
    route_name="funds.disbursement",
    renderer=TEMPLATES + "disbursement.jinja2",
    permission="funds:view",
)
def disbursement_detail(request):
    return {"disbursement": request.context.entity, "labels": LABELS}


@view_config(
    route_name="funds.disbursement.approve",
    permission="disbursements:approve",
    request_method="POST",
)
def approve(request):
    disbursement = request.context.entity
    disbursement_service(request).approve(disbursement, forms.text(request.POST, "note"))
    request.session.flash("已批准并记账")
    return HTTPSeeOther(request.route_url("funds.disbursement", id=disbursement.id))


@view_config(
    route_name="funds.disbursement.reject",
    permission="disbursements:approve",
    request_method="POST",
)
def reject(request):
    disbursement = request.context.entity
    disbursement_service(request).reject(disbursement, forms.text(request.POST, "note"))
    request.session.flash("已驳回")
    return HTTPSeeOther(request.route_url("funds.disbursement", id=disbursement.id))
