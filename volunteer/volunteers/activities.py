"""Activity use cases: create an activity for an organisation in scope, or find one by name
(hour imports create historical activities on the fly)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy.orm import Session

from volunteer.areas.models import Area, Organisation
from volunteer.audit import AuditLog, snapshot
from volunteer.authz import Role, Scope
from volunteer.errors import ValidationFailed
from volunteer.volunteers.models import Activity


@dataclass
class ActivityInput:
    name: str
    organisation_id: int
    area_id: int
    starts_on: dt.date
    ends_on: dt.date
    category: str | None = None
    duration_cap_minutes: int | None = None
    insured: bool = False


class ActivityService:
    def __init__(self, dbsession: Session, scope: Scope, audit: AuditLog):
        self.dbsession = dbsession
        self.scope = scope
        self.audit = audit

    def create(self, data: ActivityInput) -> Activity:
        org = self.dbsession.get(Organisation, data.organisation_id)
        area = self.dbsession.get(Area, data.area_id)
        if org is None or area is None or not self.scope.covers_path(area.path):
            raise ValidationFailed("组织单位或活动区域不存在，或不在本辖区")
        if self.scope.role is Role.ORG_STAFF and org.id != self.scope.organisation_id:
            raise ValidationFailed("只能为本组织创建活动")
        if data.ends_on < data.starts_on:
            raise ValidationFailed("结束日期不能早于开始日期")
        activity = Activity(
            name=data.name.strip(),
            organisation_id=org.id,
            area_id=area.id,
            category=data.category,
            starts_on=data.starts_on,
            ends_on=data.ends_on,
            duration_cap_minutes=data.duration_cap_minutes,
            insured=data.insured,
        )
        self.dbsession.add(activity)
        self.dbsession.flush()
        self.audit.record(
            "activity.create",
            "activity",
            activity.id,
            after=snapshot(activity),
            area_path=area.path,
        )
        return activity
