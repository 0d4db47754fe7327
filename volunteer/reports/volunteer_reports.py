"""Reports on the register: approved hours, active and registered volunteers per street and
community for a year, against the per-capita target."""

from __future__ import annotations

import sqlalchemy as sa

from volunteer.areas.models import Area, AreaLevel
from volunteer.authz import Permission
from volunteer.db import today_local
from volunteer.reports.registry import ReportParams, ReportResult, register_report
from volunteer.spreadsheets.writer import Sheet
from volunteer.volunteers.hour_rules import hours_decimal
from volunteer.volunteers.models import Activity, RecordStatus, ServiceRecord, Volunteer
from volunteer.volunteers.stats import YEARLY_TARGET_HOURS


def _per_area(dbsession, year: int):
    """{area_id: (registered, active, approved_minutes)} for every area (leaf counts)."""
    registered = {
        area_id: count
        for area_id, count in dbsession.execute(
            sa.select(Volunteer.area_id, sa.func.count()).group_by(Volunteer.area_id)
        )
    }
    worked = dbsession.execute(
        sa.select(
            Activity.area_id,
            sa.func.count(sa.distinct(ServiceRecord.volunteer_id)),
            sa.func.sum(ServiceRecord.minutes),
        )
        .join(Activity, Activity.id == ServiceRecord.activity_id)
        .where(
            ServiceRecord.status == RecordStatus.APPROVED,
            ServiceRecord.voided_at.is_(None),
            sa.extract("year", ServiceRecord.service_date) == year,
        )
        .group_by(Activity.area_id)
    )
    return registered, {area_id: (active, int(minutes or 0)) for area_id, active, minutes in worked}


@register_report("hours-by-area", "志愿服务时长分区统计", Permission.VOLUNTEERS_VIEW)
def hours_by_area(params: ReportParams) -> ReportResult:
    year = params.year or today_local().year
    dbsession, scope = params.dbsession, params.scope
    areas = sorted(
        (a for a in dbsession.scalars(sa.select(Area)) if scope.covers_path(a.path)),
        key=lambda a: a.ancestor_ids,
    )
    registered, worked = _per_area(dbsession, year)
    rows = []
    for area in areas:
        if area.level is AreaLevel.DISTRICT:
            continue
        inside = [a.id for a in areas if a.path.startswith(area.path)]
        people = sum(registered.get(i, 0) for i in inside)
        # Active counts add up across communities: a volunteer active in two is counted twice.
        active = sum(worked.get(i, (0, 0))[0] for i in inside)
        minutes = sum(worked.get(i, (0, 0))[1] for i in inside)
        per_capita = hours_decimal(minutes // people) if people else hours_decimal(0)
        rows.append(
            {
                "area": area.name,
                "level": area.level.value,
                "registered": people,
                "active": active,
                "approved_hours": hours_decimal(minutes),
                "per_capita_hours": per_capita,
                "meets_target": people > 0 and minutes >= YEARLY_TARGET_HOURS * 60 * people,
            }
        )
    data = {"year": year, "target_hours": YEARLY_TARGET_HOURS, "areas": rows}
    headers = [
        "区域",
        "层级",
        "注册志愿者",
        "活跃志愿者",
        "已审核时长(小时)",
        "人均时长(小时)",
        "达到人均目标",
    ]
    labels = {"street": "街道", "community": "社区"}

    def sheets():
        body = [
            [
                r["area"],
                labels[r["level"]],
                r["registered"],
                r["active"],
                r["approved_hours"],
                r["per_capita_hours"],
                "是" if r["meets_target"] else "否",
            ]
            for r in rows
        ]
        return [Sheet(f"{year}年分区统计", headers, body)]

    return ReportResult(data, sheets)
