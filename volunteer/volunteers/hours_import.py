"""The `hours` import kind: service records matched to volunteers by ID number (or volunteer
number with a masked ID, as in our own exports), under the same hour rules as the pages.
Unknown activities are created for their organisation (historical 补录); unknown volunteers
are registered when the row also gives their street and community."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

import sqlalchemy as sa

from volunteer.authz import Permission
from volunteer.db import utcnow
from volunteer.spreadsheets.importing import (
    CREATE,
    ERROR,
    UNCHANGED,
    UPDATE,
    ChunkPlan,
    Importer,
    Planned,
    register,
)
from volunteer.volunteers import hour_rules
from volunteer.volunteers.activity_index import ActivityIndex
from volunteer.volunteers.directory import VolunteerDirectory, row_identity, same_name
from volunteer.volunteers.hours_checks import HourChecks
from volunteer.volunteers.hours_columns import ColumnwiseHours
from volunteer.volunteers.importers import RegistrationRules
from volunteer.volunteers.models import RecordStatus, ServiceRecord
from volunteer.volunteers.settings import hour_rules_from
from volunteer.volunteers.sheets import HOURS


@register
class HoursImporter(ColumnwiseHours, HourChecks, Importer):
    spec = HOURS
    permission = Permission.HOURS_RECORD

    def __init__(self, ctx):
        super().__init__(ctx)
        self.rules = hour_rules_from(ctx.settings)
        self.directory = VolunteerDirectory(self.dbsession)
        self.registration = RegistrationRules(self)
        self.activities = ActivityIndex(self.dbsession, ctx.scope, self.registration.orgs)
        # Records accepted earlier in this file, per volunteer key and service date, for the
        # duplicate, daily-cap and overlap rules.
        self.accepted: dict[object, dict[dt.date, list]] = defaultdict(dict)
        self.batch_id: int | None = None
        self.index_cache: dict = {}  # see `row_identity`
        self.new_volunteers: dict[str, dict] = {}
        self.may_approve = ctx.scope.may(Permission.HOURS_APPROVE)
        self._prefetched: tuple = ((), [], {})  # rows, (identity, found), stored records
        self._init_columns()

    def prefetch(self, rows):
        """The chunk's volunteers, found once for both uses, and their stored records (the
        records this import writes are never read back: see `_stored_records`)."""
        vault, cache = self.ctx.vault, self.index_cache
        identities = [None if r.errors else row_identity(vault, r.values, cache) for r in rows]
        claims = [i for i in identities if i is not None and not isinstance(i, str)]
        self.directory.load(claims)
        found = [
            None if i is None or isinstance(i, str) else self.directory.find(i) for i in identities
        ]
        dates = [r.values["service_date"] for r in rows if not r.errors]
        ids = {known.id for known in found if known is not None and not isinstance(known, str)}
        stored = self._stored_records(dates, ids)
        self._prefetched = (rows, list(zip(identities, found, strict=True)), stored)

    def plan(self, rows):
        if self._prefetched[0] is not rows:
            self.prefetch(rows)
        _, claims, stored = self._prefetched
        return [self._plan_row(r, c, stored) for r, c in zip(rows, claims, strict=True)]

    def _plan_row(self, row, claim, stored):
        if row.errors:
            return Planned(row, ERROR)
        volunteer_key = self._volunteer(row, *claim)
        if volunteer_key is None:
            return Planned(row, ERROR)
        activity = self.activities.resolve(row, self.error)
        if activity is None:
            return Planned(row, ERROR)
        timing = self._timing(row)
        if timing is None:
            return Planned(row, ERROR)
        minutes, start, end = timing
        status = RecordStatus.APPROVED if row.values["status"] == "已通过" else RecordStatus.PENDING
        if status is RecordStatus.APPROVED and not self.may_approve:
            self.error(row, "status", "您没有审核权限，不能导入“已通过”的记录")
            return Planned(row, ERROR)
        day = row.values["service_date"]
        existing = [] if isinstance(volunteer_key, tuple) else stored.get(volunteer_key, [])
        same = None
        if existing:
            same = next(
                (
                    r
                    for r in existing
                    if r.activity_id == activity.id
                    and r.service_date == day
                    and r.voided_at is None
                    and r.status is not RecordStatus.REJECTED
                ),
                None,
            )
        fields = {
            "minutes": minutes,
            "start_at": start,
            "end_at": end,
            "status": status,
            "content": row.values["content"],
            "remark": row.values["remark"],
        }
        if same is not None:
            return self._plan_existing(row, same, fields, activity, volunteer_key, existing)
        proposed = (
            volunteer_key if isinstance(volunteer_key, int) else -1,
            activity.id,
            day,
            minutes,
            start,
            end,
        )
        if not self._passes_rules(row, proposed, activity, volunteer_key, existing):
            return Planned(row, ERROR)
        self.activities.widen(activity, day)
        return Planned(row, CREATE, (volunteer_key, activity, day, fields))

    def _volunteer(self, row, identity, known):
        """The volunteer id (registered), ('new', index) (registered by this file) or None.
        `known` is what the directory found for `identity`."""
        if isinstance(identity, str):
            self.error(row, "id_number", identity)
            return None
        if isinstance(known, str):
            self.error(row, "volunteer_no", known)
            return None
        if known is not None:
            if not same_name(row.values["name"], known.name):
                self.error(row, "name", f"姓名与名册不一致（名册中为「{known.name}」）")
                return None
            return known.id
        if identity.index in self.new_volunteers:
            return ("new", identity.index)
        if not (row.values.get("street") or row.values.get("community")) or identity.number is None:
            self.error(
                row,
                "id_number",
                "该证件号码未在志愿者名册中登记（可先导入名册，或在本行填写街道、社区以同时登记）",
            )
            return None
        payload = self.registration.new_volunteer(row, self.spec, identity)
        if payload is None:
            return None
        self.new_volunteers[identity.index] = payload
        return ("new", identity.index)

    def _plan_existing(self, row, same, fields, activity, volunteer_key, stored):
        stored_values = same._mapping
        changes = {}
        for key, value in fields.items():
            if value is None or (key == "status" and value is RecordStatus.PENDING):
                continue  # blanks never overwrite; a plain re-import never un-approves
            if stored_values[key] != value:
                changes[key] = value
        if not changes:
            self.accepted[volunteer_key].setdefault(same.service_date, []).append(
                hour_rules.ExistingRecord(
                    same.id,
                    same.activity_id,
                    same.service_date,
                    same.minutes,
                    same.start_at,
                    same.end_at,
                    same.status.value,
                )
            )
            return Planned(row, UNCHANGED)
        if same.status is RecordStatus.APPROVED:
            self.error(
                row,
                "hours",
                "该记录已审核通过，不能通过导入修改；如需更正请先作废原记录",
            )
            return Planned(row, ERROR)
        proposed = hour_rules.ProposedRecord(
            same.volunteer_id,
            activity.id,
            same.service_date,
            fields["minutes"],
            fields["start_at"],
            fields["end_at"],
            id=same.id,
        )
        if not self._passes_rules(
            row, proposed, activity, volunteer_key, stored, exclude_id=same.id
        ):
            return Planned(row, ERROR)
        return Planned(row, UPDATE, (same.id, changes))

    def write(self, planned, batch):
        self.write_block(ChunkPlan(planned), batch)

    def _register_fresh(self, batch):
        """Register the volunteers this file introduces that are not registered yet."""
        fresh = [p for k, p in self.new_volunteers.items() if k not in self.directory.by_index]
        self.registration.insert(fresh, batch, self.directory)
        for payload in fresh:
            # Later chunks find these volunteers by id: their accepted rows move with them.
            pending = self.accepted.pop(("new", payload["id_index"]), {})
            for day, records in pending.items():
                vid = self.directory.by_index[payload["id_index"]].id
                self.accepted[vid].setdefault(day, []).extend(records)

    def _update(self, record_id, changes, batch):
        record = self.dbsession.get(ServiceRecord, record_id)
        if changes.get("status") is RecordStatus.APPROVED:
            record.reviewed_by, record.reviewed_at = self.ctx.user_id, utcnow()
        self.apply_update(record, changes, "record.update", "service_record", batch)

    def finish(self, batch):
        self.activities.apply_widening()

    def revoke(self, batch, reason):
        """Void every record of the batch (never delete), stamped with the reason."""
        result = self.dbsession.execute(
            sa.update(ServiceRecord)
            .where(ServiceRecord.batch_id == batch.id, ServiceRecord.voided_at.is_(None))
            .values(
                voided_at=utcnow(),
                voided_by=self.ctx.user_id,
                void_reason=reason,
                version=ServiceRecord.version + 1,
            )
        )
        return result.rowcount
