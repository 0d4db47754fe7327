"""Pages of incubation cases: the list with its state filter and overdue-filing flag, opening
a case, the case page with history and actions, and the centre's records of the case."""

from __future__ import annotations

from pyramid.httpexceptions import HTTPSeeOther
from pyramid.view import view_config

from volunteer import forms
from volunteer.areas.services import organisations_in_scope
from volunteer.incubation.cases import CaseDetails
from volunteer.incubation.pages import (
    LABELS,
    TEMPLATES,
    case_service,
    is_staff,
    page,
    uploaded_attachments,
)
from volunteer.incubation.workflow import IncubationMode


def _back(request):
    return HTTPSeeOther(request.route_url("incubation.case", id=request.context.entity.id))


@view_config(
    route_name="incubation.cases", renderer=TEMPLATES + "cases.jinja2", permission="incubation:view"
)
def case_list(request):
    state = forms.text(request.params, "state")
    overdue = request.params.get("overdue") == "1"
    rows = case_service(request).search(state, overdue)
    return page(rows=rows, state=state, overdue=overdue)


@view_config(
    route_name="incubation.cases.new",
    renderer=TEMPLATES + "case_new.jinja2",
    permission="incubation:edit",
)
def case_new(request):
    if request.method == "POST":
        case = case_service(request).create(
            forms.integer(request.POST, "organisation_id", "申请组织"),
            forms.text(request.POST, "purpose"),
        )
        request.session.flash("孵化申请已创建（草稿），请提交申请")
        return HTTPSeeOther(request.route_url("incubation.case", id=case.id))
    return page(organisations=organisations_in_scope(request.dbsession, request.scope))


@view_config(
    route_name="incubation.case", renderer=TEMPLATES + "case.jinja2", permission="incubation:view"
)
def case_detail(request):
    case = request.context.entity
    service = case_service(request)
    return page(
        case=case,
        options=service.options(case),
        overdue=service.filing_overdue(case),
        screening_deadline=service.screening_deadline(case),
        staff_view=is_staff(request),
    )


@view_config(
    route_name="incubation.case.advance", request_method="POST", permission="incubation:edit"
)
def case_advance(request):
    p = request.POST
    event = case_service(request).transition(
        request.context.entity,
        forms.required(p, "action", "操作"),
        forms.text(p, "comment") or "",
        public=p.get("comment_public") == "1",
        attachments=uploaded_attachments(request),
        rectification_deadline=forms.date(p, "rectification_deadline", "整改期限", optional=True),
    )
    request.session.flash(f"已办理：{LABELS['case_actions'].get(event.action)}")
    return _back(request)


@view_config(route_name="incubation.case.edit", request_method="POST", permission="incubation:edit")
def case_edit(request):
    p = request.POST
    mode = forms.text(p, "mode")
    details = CaseDetails(
        mode=IncubationMode(mode) if mode in set(IncubationMode) else None,
        agreement_signed=p.get("agreement_signed") == "1",
        space=forms.text(p, "space"),
        final_evaluation_passed=p.get("final_evaluation_passed") == "1",
        space_handed_back=p.get("space_handed_back") == "1",
    )
    case_service(request).update_details(request.context.entity, details)
    request.session.flash("孵化信息已保存")
    return _back(request)


@view_config(
    route_name="incubation.case.mentors", request_method="POST", permission="incubation:edit"
)
def case_mentor(request):
    p = request.POST
    case_service(request).add_mentor(
        request.context.entity, forms.required(p, "name", "导师姓名"), forms.text(p, "expertise")
    )
    return _back(request)


@view_config(
    route_name="incubation.case.services", request_method="POST", permission="incubation:edit"
)
def case_support(request):
    p = request.POST
    case_service(request).add_service(
        request.context.entity,
        forms.required(p, "kind", "服务类型"),
        forms.required(p, "description", "服务内容"),
        forms.date(p, "served_on", "服务日期"),
        forms.hours_as_minutes(p.get("hours")),
    )
    return _back(request)


@view_config(
    route_name="incubation.case.milestones", request_method="POST", permission="incubation:edit"
)
def case_milestone(request):
    p = request.POST
    service, case = case_service(request), request.context.entity
    achieved = forms.integer(p, "achieved", "里程碑", optional=True)
    if achieved is not None:
        service.achieve_milestone(case, achieved)
    else:
        service.add_milestone(
            case, forms.required(p, "title", "里程碑"), forms.date(p, "due_on", "计划日期")
        )
    return _back(request)
