"""Pages of one venture-philanthropy proposal: its page with score, history and actions, the
reviewer's scoring form and conflict declaration, bonus points, objections during the public
notice, the tranche plan with gated release, and acceptance of the final report."""

from __future__ import annotations

from pyramid.httpexceptions import HTTPSeeOther
from pyramid.view import view_config

from volunteer import forms
from volunteer.incubation.models import Proposal
from volunteer.incubation.pages import (
    LABELS,
    TEMPLATES,
    call_service,
    is_staff,
    page,
    reviewer_names,
    yuan_to_fen,
)


def _back(request, route: str = "incubation.proposal"):
    return HTTPSeeOther(request.route_url(route, id=request.context.entity.id))


@view_config(
    route_name="incubation.proposal",
    renderer=TEMPLATES + "proposal.jinja2",
    permission="incubation:view",
)
def proposal_detail(request):
    proposal: Proposal = request.context.entity
    service = call_service(request)
    me = request.identity.id
    facts = service.facts(proposal)
    return page(
        proposal=proposal,
        options=service.options(proposal, facts),
        breakdown=service.breakdown(proposal),
        pending=facts.reviews_pending,
        remaining=facts.remaining_budget_fen,
        is_reviewer=any(r.user_id == me for r in proposal.call.reviewers),
        staff_view=is_staff(request),
        names=reviewer_names(proposal.call),
    )


@view_config(
    route_name="incubation.proposal.advance", request_method="POST", permission="incubation:edit"
)
def proposal_advance(request):
    p = request.POST
    action = forms.required(p, "action", "操作")
    call_service(request).transition(
        request.context.entity,
        action,
        forms.text(p, "comment") or "",
        public=p.get("comment_public") == "1",
        approved_fen=yuan_to_fen(p, "approved_yuan", "批准金额", optional=True),
        contract_signed_on=forms.date(p, "contract_signed_on", "签约日期", optional=True),
        spent_fen=yuan_to_fen(p, "spent_yuan", "已支出金额", optional=True),
    )
    request.session.flash(f"已办理：{LABELS['proposal_actions'].get(action, action)}")
    return _back(request)


@view_config(
    route_name="incubation.proposal.review",
    renderer=TEMPLATES + "review.jinja2",
    permission="calls:review",
)
def proposal_review(request):
    proposal: Proposal = request.context.entity
    if request.method == "POST":
        criteria = proposal.call.criteria
        scores = {c["name"]: request.POST.get(f"score-{i}", "") for i, c in enumerate(criteria)}
        call_service(request).score(proposal, scores, forms.text(request.POST, "comment"))
        request.session.flash("评分已提交")
        return HTTPSeeOther(request.route_url("incubation.reviews"))
    mine = next((r for r in proposal.reviews if r.reviewer_id == request.identity.id), None)
    recused = any(c.reviewer.user_id == request.identity.id for c in proposal.conflicts)
    return page(proposal=proposal, mine=mine, recused=recused)


@view_config(
    route_name="incubation.proposal.conflict", request_method="POST", permission="calls:review"
)
def proposal_conflict(request):
    reason = forms.required(request.POST, "reason", "回避理由")
    call_service(request).declare_conflict(request.context.entity, reason)
    request.session.flash("已声明回避，您的评分不计入该项目得分")
    return HTTPSeeOther(request.route_url("incubation.reviews"))


@view_config(
    route_name="incubation.proposal.bonus", request_method="POST", permission="calls:manage"
)
def proposal_bonus(request):
    bonus = request.context.entity.call.bonus or []
    values = {b["name"]: request.POST.get(f"bonus-{i}", "") or "0" for i, b in enumerate(bonus)}
    call_service(request).set_bonus(request.context.entity, values)
    return _back(request)


@view_config(
    route_name="incubation.proposal.objection", request_method="POST", permission="calls:manage"
)
def proposal_objection(request):
    call_service(request).record_objection(
        request.context.entity,
        forms.required(request.POST, "text", "异议内容或处理意见"),
        dismiss=request.POST.get("dismiss") == "1",
    )
    return _back(request)


@view_config(
    route_name="incubation.proposal.tranches", request_method="POST", permission="calls:manage"
)
def proposal_tranches(request):
    amounts = request.POST.getall("amount_yuan")
    requirements = request.POST.getall("requirement")
    plan = [
        (yuan_to_fen({"v": amount}, "v", f"第 {i} 期金额"), requirement)
        for i, (amount, requirement) in enumerate(zip(amounts, requirements, strict=False), 1)
        if amount.strip()
    ]
    call_service(request).plan_tranches(request.context.entity, plan)
    request.session.flash("拨付计划已保存")
    return _back(request)


@view_config(
    route_name="incubation.proposal.tranches.accept",
    request_method="POST",
    permission="calls:manage",
)
def tranche_accept(request):
    seq = forms.integer(request.POST, "seq", "期次")
    call_service(request).accept_requirement(request.context.entity, seq)
    request.session.flash(f"第 {seq} 期拨付条件已验收")
    return _back(request)


@view_config(
    route_name="incubation.proposal.tranches.release",
    request_method="POST",
    permission="calls:manage",
)
def tranche_release(request):
    seq = forms.integer(request.POST, "seq", "期次")
    call_service(request).release(request.context.entity, seq)
    request.session.flash(f"第 {seq} 期已拨付")
    return _back(request)


@view_config(
    route_name="incubation.proposal.final_report",
    request_method="POST",
    permission="calls:manage",
)
def final_report(request):
    call_service(request).accept_final_report(request.context.entity)
    return _back(request)
