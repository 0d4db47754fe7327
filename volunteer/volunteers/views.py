"""Pages of the volunteer register: my hours, search, registration, detail with audited
reveal, and the area dashboard. Views only parse, call a service and render."""

from __future__ import annotations

from pyramid.httpexceptions import HTTPSeeOther
from pyramid.view import view_config

from volunteer import forms
from volunteer.areas.models import Area, AreaLevel, Organisation
from volunteer.areas.services import areas_in_scope, organisations_in_scope
from volunteer.db import today_local
from volunteer.errors import NotFound
from volunteer.volunteers import idcard, stats
from volunteer.volunteers.masking import mask_phone
from volunteer.volunteers.models import Volunteer
from volunteer.volunteers.services import VolunteerInput, VolunteerService
from volunteer.volunteers.settings import star_thresholds

TEMPLATES = "volunteer:templates/volunteers/"


def _service(request) -> VolunteerService:
    return VolunteerService(request.dbsession, request.vault, request.scope, request.audit)


@view_config(route_name="volunteers.me", renderer=TEMPLATES + "me.jinja2", permission="self:view")
def my_hours(request):
    volunteer = request.dbsession.get(Volunteer, request.scope.volunteer_id)
    if volunteer is None:
        raise NotFound("该账号未关联志愿者档案")
    year = forms.integer(request.params, "year", "年份", optional=True)
    summary = stats.own_summary(
        request.dbsession, volunteer.id, star_thresholds(request.registry.settings)
    )
    records = stats.own_records(request.dbsession, volunteer.id, year)
    return {
        "volunteer": volunteer,
        "summary": summary,
        "records": records,
        "year": year,
        "mask_phone": mask_phone,
    }


@view_config(
    route_name="volunteers.dashboard",
    renderer=TEMPLATES + "dashboard.jinja2",
    permission="volunteers:view",
)
def dashboard(request):
    year = forms.integer(request.params, "year", "年份", optional=True) or today_local().year
    area_id = forms.integer(request.params, "area", "区域", optional=True)
    area = request.dbsession.get(Area, area_id) if area_id else None
    if area is not None and not request.scope.covers_path(area.path):
        area = None
    board = stats.area_dashboard(request.dbsession, request.scope, year, area)
    return {
        "board": board,
        "area": area,
        "areas": areas_in_scope(request.dbsession, request.scope, AreaLevel.STREET),
    }


@view_config(
    route_name="volunteers.list", renderer=TEMPLATES + "list.jinja2", permission="volunteers:view"
)
def search(request):
    page = max(forms.integer(request.params, "page", "页码", optional=True) or 1, 1)
    text = request.params.get("q", "")
    area_id = forms.integer(request.params, "area", "区域", optional=True)
    rows, total = _service(request).search(text, area_id, limit=50, offset=(page - 1) * 50)
    return {
        "volunteers": rows,
        "total": total,
        "q": text,
        "page": page,
        "area_id": area_id,
        "areas": areas_in_scope(request.dbsession, request.scope),
        "mask_phone": mask_phone,
    }


def _volunteer_input(params) -> VolunteerInput:
    return VolunteerInput(
        name=forms.required(params, "name", "姓名"),
        id_type=idcard.parse_id_type(params.get("id_type")),
        id_number=forms.required(params, "id_number", "证件号码"),
        sex=idcard.parse_sex(params.get("sex")),
        birth_date=forms.date(params, "birth_date", "出生日期", optional=True),
        phone=forms.text(params, "phone"),
        area_id=forms.integer(params, "area_id", "所属社区"),
        organisation_id=forms.integer(params, "organisation_id", "所属组织", optional=True),
        skills=forms.text(params, "skills"),
        guardian_name=forms.text(params, "guardian_name"),
        guardian_consent_on=forms.date(
            params, "guardian_consent_on", "监护人同意日期", optional=True
        ),
        remark=forms.text(params, "remark"),
    )


@view_config(
    route_name="volunteers.new", renderer=TEMPLATES + "new.jinja2", permission="volunteers:edit"
)
def register(request):
    if request.method == "POST":
        volunteer = _service(request).register(_volunteer_input(request.POST))
        request.session.flash(f"已登记志愿者 {volunteer.name}（{volunteer.volunteer_no}）")
        return HTTPSeeOther(request.route_url("volunteers.detail", id=volunteer.id))
    return {
        "areas": areas_in_scope(request.dbsession, request.scope),
        "organisations": organisations_in_scope(request.dbsession, request.scope),
        "id_types": idcard.ID_TYPE_LABELS,
    }


def _detail(request, revealed: str | None):
    volunteer = request.context.entity
    summary = stats.own_summary(
        request.dbsession, volunteer.id, star_thresholds(request.registry.settings)
    )
    records = stats.own_records(request.dbsession, volunteer.id, None)
    org = (
        request.dbsession.get(Organisation, volunteer.organisation_id)
        if volunteer.organisation_id
        else None
    )
    return {
        "volunteer": volunteer,
        "summary": summary,
        "records": records,
        "revealed": revealed,
        "organisation": org,
        "mask_phone": mask_phone,
        "id_types": idcard.ID_TYPE_LABELS,
    }


@view_config(
    route_name="volunteers.detail",
    renderer=TEMPLATES + "detail.jinja2",
    permission="volunteers:view",
)
def detail(request):
    return _detail(request, None)


@view_config(
    route_name="volunteers.reveal",
    renderer=TEMPLATES + "detail.jinja2",
    permission="pii:reveal",
    request_method="POST",
)
def reveal(request):
    return _detail(request, _service(request).reveal_id_number(request.context.entity))
