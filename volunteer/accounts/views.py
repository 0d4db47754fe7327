"""Login, logout, password change, the home page that sends each role where it works, and
the audit log browser."""

from __future__ import annotations

import sqlalchemy as sa
from pyramid.csrf import new_csrf_token
from pyramid.httpexceptions import HTTPFound, HTTPSeeOther
from pyramid.security import forget, remember
from pyramid.view import forbidden_view_config, view_config

from volunteer.accounts.services import AccountService, LoginThrottled
from volunteer.areas.models import Area
from volunteer.audit import AuditEntry
from volunteer.authz import ROLE_LABELS, Role
from volunteer.db import local


@view_config(
    route_name="home", renderer="volunteer:templates/home.jinja2", permission="authenticated"
)
def home(request):
    if request.identity.role is Role.VOLUNTEER:
        return HTTPFound(request.route_url("volunteers.me"))
    return {"role_label": ROLE_LABELS[request.identity.role]}


@view_config(route_name="accounts.login", renderer="volunteer:templates/login.jinja2")
def login(request):
    next_url = request.params.get("next") or request.route_url("home")
    if not next_url.startswith(request.application_url):
        next_url = request.route_url("home")
    message = ""
    if request.method == "POST":
        try:
            user = AccountService(request.dbsession).authenticate(
                request.POST.get("username", ""), request.POST.get("password", "")
            )
        except LoginThrottled as exc:
            user = None
            message = f"登录失败次数过多，请于 {local(exc.until):%H:%M} 后再试"
        if user is not None:
            new_csrf_token(request)
            return HTTPSeeOther(next_url, headers=remember(request, user.id))
        message = message or "用户名或密码错误"
        request.response.status_int = 400
    return {"message": message, "next": next_url, "username": request.POST.get("username", "")}


@view_config(route_name="accounts.logout", request_method="POST")
def logout(request):
    new_csrf_token(request)
    return HTTPSeeOther(request.route_url("accounts.login"), headers=forget(request))


@forbidden_view_config(renderer="volunteer:templates/error.jinja2")
def forbidden(request):
    if request.identity is None:
        return HTTPSeeOther(request.route_url("accounts.login", _query={"next": request.url}))
    request.response.status_int = 403
    return {"title": "没有权限", "message": "您的账号无权访问此页面。", "details": []}


@view_config(
    route_name="accounts.password",
    renderer="volunteer:templates/password.jinja2",
    permission="authenticated",
)
def change_password(request):
    if request.method == "POST":
        AccountService(request.dbsession).change_password(
            request.audit,
            request.identity,
            request.POST.get("old", ""),
            request.POST.get("new", ""),
        )
        request.session.flash("密码已修改")
        return HTTPSeeOther(request.route_url("home"))
    return {}


@view_config(
    route_name="audit.list", renderer="volunteer:templates/audit.jinja2", permission="audit:view"
)
def audit_list(request):
    query = sa.select(AuditEntry).order_by(AuditEntry.id.desc()).limit(200)
    scope = request.scope
    if scope.area_path is not None:
        query = query.where(AuditEntry.area_path.startswith(scope.area_path, autoescape=True))
    if request.params.get("entity"):
        query = query.where(AuditEntry.entity == request.params["entity"])
    return {"entries": request.dbsession.scalars(query).all()}


@view_config(
    route_name="areas.list", renderer="volunteer:templates/areas.jinja2", permission="areas:view"
)
def areas_list(request):
    query = sa.select(Area).order_by(Area.path)
    if request.scope.area_path is not None:
        query = query.where(Area.path.startswith(request.scope.area_path))
    return {"areas": request.dbsession.scalars(query).all()}
