"""Resolving the activity named on an hours row (by organisation and name), creating the
ones that do not exist yet for historical 补录, and widening their dates to the rows."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import sqlalchemy as sa
from sqlalchemy.orm import Session

from volunteer.areas.lookup import OrganisationIndex
from volunteer.authz import Role, Scope
from volunteer.volunteers.hour_rules import ActivityFacts
from volunteer.volunteers.models import Activity


@dataclass
class ActivityRef:
    id: int  # stable within the import: negative for an activity this file creates
    name: str
    organisation_id: int
    area_id: int
    starts_on: dt.date
    ends_on: dt.date
    cap: int | None
    db_id: int | None
    _facts: ActivityFacts | None = field(default=None, repr=False, compare=False)

    @property
    def is_new(self) -> bool:
        return self.id < 0

    def facts(self, day: dt.date) -> ActivityFacts:
        if self.is_new:  # created to fit its rows: the date range is whatever the rows say
            return ActivityFacts(self.id, day, day, None, self.name)
        if self._facts is None:  # a stored activity's dates do not move during an import
            self._facts = ActivityFacts(self.id, self.starts_on, self.ends_on, self.cap, self.name)
        return self._facts


def _key(name: str) -> str:
    return "".join(name.split())


class ActivityIndex:
    def __init__(self, dbsession: Session, scope: Scope, orgs: OrganisationIndex):
        self.dbsession = dbsession
        self.scope = scope
        self.orgs = orgs
        self.by_org: dict[int, dict[str, ActivityRef]] = {}
        self.by_name: dict[str, list[ActivityRef]] = {}
        self.created: list[ActivityRef] = []
        # (organisation text, activity text) as typed → resolved ref: most rows repeat a few.
        self.resolved: dict[tuple[str, str], ActivityRef] = {}

    def _org_activities(self, org_id: int) -> dict[str, ActivityRef]:
        if org_id not in self.by_org:
            rows = self.dbsession.scalars(
                sa.select(Activity).where(Activity.organisation_id == org_id)
            )
            self.by_org[org_id] = {_key(a.name): self._ref(a) for a in rows}
        return self.by_org[org_id]

    @staticmethod
    def _ref(a: Activity) -> ActivityRef:
        return ActivityRef(
            a.id,
            a.name,
            a.organisation_id,
            a.area_id,
            a.starts_on,
            a.ends_on,
            a.duration_cap_minutes,
            a.id,
        )

    def _org_allowed(self, org) -> bool:
        if self.scope.role is Role.ORG_STAFF:
            return org.id == self.scope.organisation_id
        return self.scope.covers_path(org.area.path)

    def resolve(self, row, error) -> ActivityRef | None:
        typed = (row.values["organisation"] or "", row.values["activity"])
        ref = self.resolved.get(typed)
        if ref is None:
            ref = self._resolve(row, error)
            if ref is not None:
                self.resolved[typed] = ref
        return ref

    def _resolve(self, row, error) -> ActivityRef | None:
        name, org_name = row.values["activity"].strip(), row.values["organisation"]
        if not org_name:
            return self._by_name_only(row, error, name)
        org = self.orgs.get(org_name)
        if org is None:
            error(row, "organisation", f"组织「{org_name}」不存在，请先导入组织")
            return None
        if not self._org_allowed(org):
            error(row, "organisation", f"组织「{org.name}」不在您的管辖范围内")
            return None
        activities = self._org_activities(org.id)
        ref = activities.get(_key(name))
        if ref is None:
            day = row.values["service_date"]
            ref = ActivityRef(
                -(len(self.created) + 1), name, org.id, org.area_id, day, day, None, None
            )
            activities[_key(name)] = ref
            self.created.append(ref)
        return ref

    def _by_name_only(self, row, error, name) -> ActivityRef | None:
        if _key(name) not in self.by_name:
            rows = self.dbsession.scalars(sa.select(Activity).where(Activity.name == name))
            self.by_name[_key(name)] = [
                self._ref(a) for a in rows if self._org_allowed(self.orgs.by_id[a.organisation_id])
            ]
        found = self.by_name[_key(name)]
        if len(found) == 1:
            return found[0]
        reason = "有多个同名活动" if found else "系统中没有该活动"
        error(row, "organisation", f"{reason}，请填写所属组织")
        return None

    def widen(self, ref: ActivityRef, day: dt.date) -> None:
        if ref.is_new:
            ref.starts_on, ref.ends_on = min(ref.starts_on, day), max(ref.ends_on, day)

    def create_pending(self, batch) -> None:
        """Insert the activities this file created and that are not in the database yet."""
        for ref in self.created:
            if ref.db_id is None:
                activity = Activity(
                    name=ref.name,
                    organisation_id=ref.organisation_id,
                    area_id=ref.area_id,
                    category="历史补录",
                    starts_on=ref.starts_on,
                    ends_on=ref.ends_on,
                )
                self.dbsession.add(activity)
                self.dbsession.flush()
                ref.db_id = activity.id

    def apply_widening(self) -> None:
        for ref in self.created:
            self.dbsession.execute(
                sa.update(Activity)
                .where(Activity.id == ref.db_id)
                .values(starts_on=ref.starts_on, ends_on=ref.ends_on)
            )
