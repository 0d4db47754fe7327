"""Pages for activities and service hours: activity list and creation, the roster with bulk
hour entry, self-reported hours, the approval queue, bulk review and voiding."""

from __future__ import annotations

import sqlalchemy as sa
from pyramid.httpexceptions import HTTPSeeOther
from pyramid.view import view_config

from volunteer import forms
from volunteer.areas.services import areas_in_scope, organisations_in_scope
from volunteer.db import today_local
from volunteer.volunteers.activities import ActivityInput, ActivityService
from volunteer.volunteers.models import Activity, Provenance, RecordStatus, ServiceRecord, Volunteer
from volunteer.volunteers.records import HoursInput, RecordService
from volunteer.volunteers.scoping import activities_clause, records_clause, volunteers_clause
from volunteer.volunteers.settings import hour_rules_from

TEMPLATES = "volunteer:templates/volunteers/"


def _records(request) -> RecordService:
    return RecordService(
        request.dbsession,
        request.scope,
        request.audit,
        hour_rules_from(request.registry.settings),
        today_local(),
    )


@view_config(
    route_name="activities.list",
    renderer=TEMPLATES + "activities.jinja2",
    permission="volunteers:view",
)
def activities(request):
    query = (
        sa.select(Activity)
        .where(activities_clause(request.scope))
        .order_by(Activity.starts_on.desc(), Activity.id.desc())
        .limit(200)
    )
    return {"activities": request.dbsession.scalars(query).all()}


@view_config(
    route_name="activities.new",
    renderer=TEMPLATES + "activity_new.jinja2",
    permission="hours:record",
)
def new_activity(request):
    if request.method == "POST":
        p = request.POST
        activity = ActivityService(request.dbsession, request.scope, request.audit).create(
            ActivityInput(
                name=forms.required(p, "name", "活动名称"),
                organisation_id=forms.integer(p, "organisation_id", "组织单位"),
                area_id=forms.integer(p, "area_id", "活动区域"),
                category=forms.text(p, "category"),
                starts_on=forms.date(p, "starts_on", "开始日期"),
                ends_on=forms.date(p, "ends_on", "结束日期"),
                duration_cap_minutes=forms.hours_as_minutes(p["cap_hours"], "时长上限")
                if forms.text(p, "cap_hours")
                else None,
                insured=p.get("insured") == "1",
            )
        )
        return HTTPSeeOther(request.route_url("activities.detail", id=activity.id))
    return {
        "areas": areas_in_scope(request.dbsession, request.scope),
        "organisations": organisations_in_scope(request.dbsession, request.scope),
    }


@view_config(
    route_name="activities.detail",
    renderer=TEMPLATES + "activity.jinja2",
    permission="volunteers:view",
)
def activity_detail(request):
    activity = request.context.entity
    records = request.dbsession.execute(
        sa.select(ServiceRecord, Volunteer.name, Volunteer.volunteer_no)
        .join(Volunteer, Volunteer.id == ServiceRecord.volunteer_id)
        .where(ServiceRecord.activity_id == activity.id)
        .order_by(ServiceRecord.service_date.desc(), ServiceRecord.id.desc())
        .limit(500)
    ).all()
    return {"activity": activity, "records": records}


@view_config(
    route_name="activities.hours",
    permission="hours:record",
    request_method="POST",
    renderer=TEMPLATES + "activity.jinja2",
)
def roster_entry(request):
    """Bulk entry: one line per volunteer number and hours, all saved or none."""
    activity = request.context.entity
    service_date = forms.date(request.POST, "service_date", "服务日期")
    content = forms.text(request.POST, "content")
    rows = []
    for number, hours in zip(
        request.POST.getall("volunteer_no"), request.POST.getall("hours"), strict=False
    ):
        if not number.strip() and not hours.strip():
            continue
        volunteer = request.dbsession.scalar(
            sa.select(Volunteer).where(
                Volunteer.volunteer_no == number.strip().upper(), volunteers_clause(request.scope)
            )
        )
        if volunteer is None:
            raise forms.ValidationFailed(f"志愿者编号 {number} 不存在或不在本辖区")
        rows.append(
            HoursInput(
                volunteer.id,
                activity.id,
                service_date,
                forms.hours_as_minutes(hours),
                content=content,
            )
        )
    saved = _records(request).record_many(rows, activity, request.identity.id)
    request.session.flash(f"已录入 {len(saved)} 条服务记录，待审核")
    return HTTPSeeOther(request.route_url("activities.detail", id=activity.id))


@view_config(route_name="volunteers.me.report", permission="self:view", request_method="POST")
def self_report(request):
    activity = request.dbsession.get(Activity, forms.integer(request.POST, "activity_id", "活动"))
    if activity is None:
        raise forms.ValidationFailed("请选择活动")
    data = HoursInput(
        request.scope.volunteer_id,
        activity.id,
        forms.date(request.POST, "service_date", "服务日期"),
        forms.hours_as_minutes(request.POST.get("hours")),
        content=forms.text(request.POST, "content"),
    )
    _records(request).record(data, activity, Provenance.SELF_REPORT, request.identity.id)
    request.session.flash("已提交，等待组织方审核")
    return HTTPSeeOther(request.route_url("volunteers.me"))


@view_config(
    route_name="records.queue", renderer=TEMPLATES + "queue.jinja2", permission="hours:approve"
)
def approval_queue(request):
    # Pick the page of ids first, then join names for those 100 rows only: joining before the
    # LIMIT made the database join every pending record of the street (bench: thousands).
    page = (
        sa.select(ServiceRecord.id)
        .where(
            records_clause(request.scope),
            ServiceRecord.status == RecordStatus.PENDING,
            ServiceRecord.voided_at.is_(None),
        )
        .order_by(ServiceRecord.service_date, ServiceRecord.id)
        .limit(100)
        .subquery()
    )
    rows = request.dbsession.execute(
        sa.select(ServiceRecord, Volunteer.name, Activity.name)
        .join(page, page.c.id == ServiceRecord.id)
        .join(Volunteer, Volunteer.id == ServiceRecord.volunteer_id)
        .join(Activity, Activity.id == ServiceRecord.activity_id)
        .order_by(ServiceRecord.service_date, ServiceRecord.id)
    ).all()
    return {"rows": rows}


@view_config(route_name="records.review", permission="hours:approve", request_method="POST")
def review(request):
    approve = request.POST.get("decision") != "reject"
    count = _records(request).review(
        forms.id_list(request.POST, "record_id"), approve, forms.text(request.POST, "note")
    )
    request.session.flash(f"已{'通过' if approve else '驳回'} {count} 条记录")
    return HTTPSeeOther(request.route_url("records.queue"))


@view_config(route_name="records.void", permission="hours:approve", request_method="POST")
def void(request):
    record = request.context.entity
    _records(request).void(record, request.POST.get("reason", ""))
    request.session.flash("记录已作废")
    return HTTPSeeOther(request.route_url("volunteers.detail", id=record.volunteer_id))
