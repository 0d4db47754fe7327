"""Service-record use cases: record hours under the hour rules, approve or reject in bulk,
void with a reason. Records are never deleted."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import Session

from volunteer.audit import AuditLog, snapshot
from volunteer.authz import Scope
from volunteer.db import utcnow
from volunteer.errors import Conflict, ValidationFailed
from volunteer.volunteers import hour_rules
from volunteer.volunteers.models import (
    Activity,
    Provenance,
    RecordStatus,
    ServiceRecord,
    Volunteer,
)
from volunteer.volunteers.scoping import records_clause


@dataclass
class HoursInput:
    volunteer_id: int
    activity_id: int
    service_date: dt.date
    minutes: int
    start_at: dt.datetime | None = None
    end_at: dt.datetime | None = None
    content: str | None = None
    remark: str | None = None


def activity_facts(activity: Activity) -> hour_rules.ActivityFacts:
    return hour_rules.ActivityFacts(
        id=activity.id,
        starts_on=activity.starts_on,
        ends_on=activity.ends_on,
        duration_cap_minutes=activity.duration_cap_minutes,
        name=activity.name,
    )


def proposed_facts(data: HoursInput) -> hour_rules.ProposedRecord:
    return hour_rules.ProposedRecord(
        volunteer_id=data.volunteer_id,
        activity_id=data.activity_id,
        service_date=data.service_date,
        minutes=data.minutes,
        start=data.start_at,
        end=data.end_at,
    )


def existing_facts(record: ServiceRecord) -> hour_rules.ExistingRecord:
    return hour_rules.ExistingRecord(
        id=record.id,
        activity_id=record.activity_id,
        service_date=record.service_date,
        minutes=record.minutes,
        start=record.start_at,
        end=record.end_at,
        status=record.status.value,
        voided=record.voided_at is not None,
    )


class RecordService:
    def __init__(
        self,
        dbsession: Session,
        scope: Scope,
        audit: AuditLog,
        rules: hour_rules.HourRules,
        today: dt.date,
    ):
        self.dbsession = dbsession
        self.scope = scope
        self.audit = audit
        self.rules = rules
        self.today = today

    def violations(
        self,
        data: HoursInput,
        activity: Activity,
        pending: Sequence[hour_rules.ExistingRecord] = (),
    ) -> list[str]:
        """Rule violations of `data` against the volunteer's stored records and `pending` ones
        (rows accepted earlier in the same batch, not yet written)."""
        neighbours = self.dbsession.scalars(
            sa.select(ServiceRecord).where(
                ServiceRecord.volunteer_id == data.volunteer_id,
                ServiceRecord.service_date.between(
                    data.service_date - dt.timedelta(days=1),
                    data.service_date + dt.timedelta(days=1),
                ),
            )
        ).all()
        found = hour_rules.check_record(
            proposed_facts(data),
            activity_facts(activity),
            [existing_facts(r) for r in neighbours] + list(pending),
            self.rules,
            self.today,
        )
        return [v.message_zh for v in found]

    def record(
        self, data: HoursInput, activity: Activity, provenance: Provenance, recorder_id: int | None
    ) -> ServiceRecord:
        problems = self.violations(data, activity)
        if problems:  # checked again here: the single-record path has no pre-validation
            raise ValidationFailed("；".join(problems), details=problems)
        record = ServiceRecord(
            volunteer_id=data.volunteer_id,
            activity_id=activity.id,
            service_date=data.service_date,
            start_at=data.start_at,
            end_at=data.end_at,
            minutes=data.minutes,
            content=data.content,
            remark=data.remark,
            provenance=provenance,
            status=RecordStatus.PENDING,
            recorded_by=recorder_id,
        )
        self.dbsession.add(record)
        self.dbsession.flush()
        self.audit.record(
            "record.create",
            "service_record",
            record.id,
            after=snapshot(record),
            area_path=activity.area.path,
        )
        return record

    def record_many(
        self, rows: Sequence[HoursInput], activity: Activity, recorder_id: int | None
    ) -> list[ServiceRecord]:
        """Roster entry: every row is checked (against storage and the rows before it) before
        anything is written, so the roster is saved whole or not at all."""
        errors: list[str] = []
        accepted: list[hour_rules.ExistingRecord] = []
        for position, data in enumerate(rows, start=1):
            problems = self.violations(data, activity, accepted)
            if problems:
                volunteer = self.dbsession.get(Volunteer, data.volunteer_id)
                who = volunteer.name if volunteer else data.volunteer_id
                errors.append(f"第 {position} 行 {who}：{'；'.join(problems)}")
                continue
            facts = proposed_facts(data)
            accepted.append(
                hour_rules.ExistingRecord(
                    id=-position,
                    activity_id=facts.activity_id,
                    service_date=facts.service_date,
                    minutes=facts.minutes,
                    start=facts.start,
                    end=facts.end,
                    status="pending",
                )
            )
        if errors:
            raise ValidationFailed("部分记录未通过校验，均未保存", details=errors)
        return [self.record(data, activity, Provenance.STAFF, recorder_id) for data in rows]

    def review(self, record_ids: Sequence[int], approve: bool, note: str | None = None) -> int:
        """Approve or reject pending records in scope; returns how many changed."""
        if not approve and not (note or "").strip():
            raise ValidationFailed("驳回时请填写原因")
        records = self.dbsession.scalars(
            sa.select(ServiceRecord)
            .where(
                ServiceRecord.id.in_(list(record_ids)),
                records_clause(self.scope),
                ServiceRecord.voided_at.is_(None),
            )
            .with_for_update()
        ).all()
        if len(records) != len(set(record_ids)):
            raise ValidationFailed("所选记录不存在或不在您的管辖范围内")
        stale = [r.id for r in records if r.status is not RecordStatus.PENDING]
        if stale:
            raise Conflict(f"记录 {', '.join(map(str, stale))} 已被审核过，请刷新后重试")
        now = utcnow()
        status = RecordStatus.APPROVED if approve else RecordStatus.REJECTED
        for record in records:
            record.status = status
            record.reviewed_by = self.scope.user_id
            record.reviewed_at = now
            record.review_note = note
        self.audit.record_many(
            [
                {
                    "action": "record.approve" if approve else "record.reject",
                    "entity": "service_record",
                    "entity_id": str(r.id),
                    "before": {"status": "pending"},
                    "after": {"status": status.value, "note": note},
                }
                for r in records
            ]
        )
        return len(records)

    def void(self, record: ServiceRecord, reason: str) -> None:
        if not reason.strip():
            raise ValidationFailed("作废记录须填写原因")
        if record.voided_at is not None:
            raise Conflict("该记录已作废")
        before = snapshot(record, ("status", "voided_at", "void_reason"))
        record.voided_at = utcnow()
        record.voided_by = self.scope.user_id
        record.void_reason = reason.strip()
        self.audit.record(
            "record.void",
            "service_record",
            record.id,
            before=before,
            after=snapshot(record, ("status", "voided_at", "void_reason")),
        )
