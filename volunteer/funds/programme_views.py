"""Pages of matching programmes: the list, one programme with its per-project matches,
creating and editing (both recompute the provisional matches), and settling."""

from __future__ import annotations

from pyramid.httpexceptions import HTTPSeeOther
from pyramid.view import view_config

from volunteer import forms
from volunteer.areas.services import areas_in_scope
from volunteer.funds import forms as fund_forms
from volunteer.funds.pages import LABELS, TEMPLATES, fund_service, programme_service


@view_config(
    route_name="funds.programmes",
    renderer=TEMPLATES + "programmes.jinja2",
    permission="funds:view",
)
def programme_list(request):
    return {"programmes": programme_service(request).programmes(), "labels": LABELS}


@view_config(
    route_name="funds.programme",
    renderer=TEMPLATES + "programme.jinja2",
    permission="funds:view",
)
def programme_detail(request):
    programme = request.context.entity
    service = programme_service(request)
    return {
        "programme": programme,
        "totals": service.totals(programme),
        "projects": service.by_project(programme),
        "labels": LABELS,
    }


def _form(request, programme):
    return {
        "programme": programme,
        "projects": fund_service(request).projects(),
        "areas": areas_in_scope(request.dbsession, request.scope),
        "labels": LABELS,
    }


@view_config(
    route_name="funds.programmes.new",
    renderer=TEMPLATES + "programme_form.jinja2",
    permission="matching:manage",
)
def programme_new(request):
    if request.method == "POST":
        programme = programme_service(request).create(fund_forms.programme_input(request.POST))
        request.session.flash(f"已创建配捐计划 {programme.code}，暂定配捐已计算")
        return HTTPSeeOther(request.route_url("funds.programme", id=programme.id))
    return _form(request, None)


@view_config(
    route_name="funds.programme.edit",
    renderer=TEMPLATES + "programme_form.jinja2",
    permission="matching:manage",
)
def programme_edit(request):
    programme = request.context.entity
    if request.method == "POST":
        data = fund_forms.programme_input(request.POST)
        version = forms.integer(request.POST, "version", "版本", optional=True)
        programme_service(request).update(programme, data, version)
        request.session.flash("已保存，暂定配捐已重新计算")
        return HTTPSeeOther(request.route_url("funds.programme", id=programme.id))
    return _form(request, programme)


@view_config(
    route_name="funds.programme.settle", permission="matching:settle", request_method="POST"
)
def programme_settle(request):
    programme = request.context.entity
    entries = programme_service(request).settle(programme)
    request.session.flash(f"已结算，生成 {len(entries)} 笔应收配捐分录")
    return HTTPSeeOther(request.route_url("funds.programme", id=programme.id))
