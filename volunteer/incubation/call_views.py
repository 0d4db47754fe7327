"""Pages of venture-philanthropy calls: the list, opening a call with its rubric, the call
page with reviewers, the ranking and award tables, applying, shortlisting and the public
notice, and a reviewer's own assignments."""

from __future__ import annotations

import sqlalchemy as sa
from pyramid.httpexceptions import HTTPSeeOther
from pyramid.view import view_config

from volunteer import forms
from volunteer.accounts.models import User
from volunteer.areas.services import areas_in_scope, organisations_in_scope
from volunteer.authz import ROLE_PERMISSIONS, Permission
from volunteer.errors import ValidationFailed
from volunteer.incubation.calls import CallInput
from volunteer.incubation.models import CallReviewer, VentureCall
from volunteer.incubation.pages import TEMPLATES, call_service, page, reviewer_names, yuan_to_fen
from volunteer.incubation.scoping import proposal_in_scope

REVIEWER_ROLES = [r for r, perms in ROLE_PERMISSIONS.items() if Permission.CALLS_REVIEW in perms]


def _back(request):
    return HTTPSeeOther(request.route_url("incubation.call", id=request.context.entity.id))


def _items(text: str | None, key: str, label: str) -> list[dict]:
    """Lines of "名称:分值" (full-width colon accepted) → [{"name", key}]."""
    items = []
    for line in (text or "").splitlines():
        if not line.strip():
            continue
        name, sep, value = line.replace("：", ":").rpartition(":")
        if not sep or not name.strip() or not value.strip().isdigit():
            raise ValidationFailed(f"{label}每行应为「名称:分值」，如「需求分析:30」")
        items.append({"name": name.strip(), key: int(value)})
    return items


@view_config(
    route_name="incubation.calls", renderer=TEMPLATES + "calls.jinja2", permission="incubation:view"
)
def call_list(request):
    return page(calls=call_service(request).calls())


def _call_input(p) -> CallInput:
    return CallInput(
        name=forms.required(p, "name", "名称"),
        area_id=forms.integer(p, "area_id", "服务区域"),
        budget_fen=yuan_to_fen(p, "budget_yuan", "预算"),
        opens_on=forms.date(p, "opens_on", "申报开始日期"),
        closes_on=forms.date(p, "closes_on", "申报截止日期"),
        review_ends_on=forms.date(p, "review_ends_on", "评审截止日期", optional=True),
        criteria=_items(p.get("criteria"), "weight", "评分指标"),
        bonus=_items(p.get("bonus"), "max_points", "加分项"),
        drop_extremes=p.get("drop_extremes") == "1",
        notice_days=forms.integer(p, "notice_days", "公示天数"),
    )


@view_config(
    route_name="incubation.calls.new",
    renderer=TEMPLATES + "call_new.jinja2",
    permission="calls:manage",
)
def call_new(request):
    if request.method == "POST":
        call = call_service(request).create_call(_call_input(request.POST))
        return HTTPSeeOther(request.route_url("incubation.call", id=call.id))
    return page(areas=areas_in_scope(request.dbsession, request.scope))


@view_config(
    route_name="incubation.call", renderer=TEMPLATES + "call.jinja2", permission="incubation:view"
)
def call_detail(request):
    call: VentureCall = request.context.entity
    service = call_service(request)
    candidates = []
    if request.can(Permission.CALLS_MANAGE):
        candidates = request.dbsession.scalars(
            sa.select(User).where(User.role.in_(REVIEWER_ROLES), User.is_active).order_by(User.id)
        ).all()
    orgs = [
        o
        for o in organisations_in_scope(request.dbsession, request.scope)
        if o.area.path.startswith(call.area.path)
    ]
    return page(
        call=call,
        ranking=service.ranking(call),
        candidates=candidates,
        orgs=orgs,
        names=reviewer_names(call),
        proposals=[p for p in call.proposals if proposal_in_scope(request.scope, p)],
    )


@view_config(
    route_name="incubation.call.reviewers", request_method="POST", permission="calls:manage"
)
def call_reviewer(request):
    call_service(request).appoint_reviewer(
        request.context.entity, forms.integer(request.POST, "user_id", "评审专家")
    )
    return _back(request)


@view_config(
    route_name="incubation.call.shortlist", request_method="POST", permission="calls:manage"
)
def call_shortlist(request):
    shortlisted, declined = call_service(request).shortlist_by_ranking(request.context.entity)
    request.session.flash(f"已按排名确定入围 {shortlisted} 个项目，未入围 {declined} 个")
    return _back(request)


@view_config(route_name="incubation.call.notice", request_method="POST", permission="calls:manage")
def call_notice(request):
    count = call_service(request).publish_notice(request.context.entity)
    request.session.flash(f"已公示 {count} 个入围项目")
    return _back(request)


@view_config(
    route_name="incubation.call.apply", request_method="POST", permission="incubation:edit"
)
def call_apply(request):
    p = request.POST
    proposal = call_service(request).create(
        request.context.entity,
        forms.integer(p, "organisation_id", "申报组织"),
        forms.required(p, "title", "项目名称"),
        yuan_to_fen(p, "requested_yuan", "申请金额"),
        forms.text(p, "summary"),
    )
    request.session.flash("项目申报书已保存（草稿），请提交申报")
    return HTTPSeeOther(request.route_url("incubation.proposal", id=proposal.id))


@view_config(
    route_name="incubation.reviews",
    renderer=TEMPLATES + "reviews.jinja2",
    permission="calls:review",
)
def my_reviews(request):
    calls = request.dbsession.scalars(
        sa.select(VentureCall)
        .join(CallReviewer, CallReviewer.call_id == VentureCall.id)
        .where(CallReviewer.user_id == request.identity.id)
        .order_by(VentureCall.id.desc())
    ).all()
    return page(calls=calls, me=request.identity.id)
