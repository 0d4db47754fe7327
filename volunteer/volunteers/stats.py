"""Read-only figures: a volunteer's own hours, records by year and star level, and the area
dashboard (hours by month, active volunteers, per-capita hours against the yearly target)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import Session

from volunteer.areas.models import Area
from volunteer.authz import Scope
from volunteer.volunteers import stars
from volunteer.volunteers.models import (
    Activity,
    RecordStatus,
    ServiceRecord,
    StarAward,
    Volunteer,
)
from volunteer.volunteers.scoping import area_path_clause

YEARLY_TARGET_HOURS = 25


@dataclass(frozen=True)
class OwnSummary:
    approved_minutes: int
    pending_minutes: int
    pending_count: int
    by_year: list[tuple[int, int]]
    star_level: int
    next_level: tuple[int, object] | None
    awarded: list[StarAward]


def _counted(query):
    return query.where(ServiceRecord.voided_at.is_(None))


def own_summary(dbsession: Session, volunteer_id: int, thresholds: Sequence[int]) -> OwnSummary:
    year = sa.extract("year", ServiceRecord.service_date)
    rows = dbsession.execute(
        _counted(
            sa.select(
                ServiceRecord.status, year, sa.func.sum(ServiceRecord.minutes), sa.func.count()
            )
            .where(ServiceRecord.volunteer_id == volunteer_id)
            .group_by(ServiceRecord.status, year)
        )
    ).all()
    approved = sum(m for s, _, m, _ in rows if s is RecordStatus.APPROVED)
    pending = [(m, n) for s, _, m, n in rows if s is RecordStatus.PENDING]
    by_year: dict[int, int] = {}
    for status, y, minutes, _ in rows:
        if status is RecordStatus.APPROVED:
            by_year[int(y)] = by_year.get(int(y), 0) + minutes
    awarded = dbsession.scalars(
        sa.select(StarAward).where(StarAward.volunteer_id == volunteer_id).order_by(StarAward.level)
    ).all()
    return OwnSummary(
        approved_minutes=approved,
        pending_minutes=sum(m for m, _ in pending),
        pending_count=sum(n for _, n in pending),
        by_year=sorted(by_year.items(), reverse=True),
        star_level=stars.star_level(approved, thresholds),
        next_level=stars.next_level_progress(approved, thresholds),
        awarded=list(awarded),
    )


def own_records(dbsession: Session, volunteer_id: int, year: int | None, limit: int = 200):
    query = (
        sa.select(ServiceRecord, Activity.name)
        .join(Activity, Activity.id == ServiceRecord.activity_id)
        .where(ServiceRecord.volunteer_id == volunteer_id)
        .order_by(ServiceRecord.service_date.desc(), ServiceRecord.id.desc())
        .limit(limit)
    )
    if year:
        query = query.where(
            ServiceRecord.service_date.between(dt.date(year, 1, 1), dt.date(year, 12, 31))
        )
    return dbsession.execute(query).all()


@dataclass(frozen=True)
class Dashboard:
    year: int
    months: list[tuple[int, int]]
    registered: int
    active: int
    approved_minutes: int
    per_capita_hours: float
    target_hours: int


def area_dashboard(dbsession: Session, scope: Scope, year: int, area: Area | None = None):
    """Approved hours by month of `year` for activities in the scope (or one area below it)."""
    clause = area_path_clause(scope, Activity.area_id)
    vclause = area_path_clause(scope, Volunteer.area_id)
    if area is not None:
        sub = sa.select(Area.id).where(Area.path.startswith(area.path))
        clause = sa.and_(clause, Activity.area_id.in_(sub))
        vclause = sa.and_(vclause, Volunteer.area_id.in_(sub))
    month = sa.extract("month", ServiceRecord.service_date)
    base = _counted(
        sa.select()
        .select_from(ServiceRecord)
        .join(Activity, Activity.id == ServiceRecord.activity_id)
        .where(
            clause,
            ServiceRecord.status == RecordStatus.APPROVED,
            ServiceRecord.service_date.between(dt.date(year, 1, 1), dt.date(year, 12, 31)),
        )
    )
    by_month = {
        int(m): int(total or 0)
        for m, total in dbsession.execute(
            base.add_columns(month, sa.func.sum(ServiceRecord.minutes)).group_by(month)
        )
    }
    active = dbsession.scalar(
        base.add_columns(sa.func.count(sa.distinct(ServiceRecord.volunteer_id)))
    )
    registered = dbsession.scalar(sa.select(sa.func.count(Volunteer.id)).where(vclause))
    total = sum(by_month.values())
    return Dashboard(
        year=year,
        months=[(m, by_month.get(m, 0)) for m in range(1, 13)],
        registered=registered or 0,
        active=active or 0,
        approved_minutes=int(total),
        per_capita_hours=round(total / 60 / registered, 2) if registered else 0.0,
        target_hours=YEARLY_TARGET_HOURS,
    )
