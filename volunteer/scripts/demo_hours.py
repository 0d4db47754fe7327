"""The demo district's activities and a year of service records (mostly approved, some
pending for the approval queue, a few rejected), generated in bulk."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from volunteer.db import SHANGHAI
from volunteer.volunteers.models import Activity, Provenance, RecordStatus, ServiceRecord

CATEGORIES = [
    "助老",
    "助残",
    "环境保护",
    "文明实践",
    "社区治理",
    "应急救援",
    "关爱儿童",
    "文化体育",
]


def build_activities(dbsession, rng, teams, today):
    rows = []
    for team in teams:
        for n in range(3):
            start = today - dt.timedelta(days=rng.randint(30, 360))
            rows.append(
                {
                    "name": f"{rng.choice(CATEGORIES)}志愿服务（第{n + 1}期）",
                    "organisation_id": team.id,
                    "area_id": team.area_id,
                    "category": rng.choice(CATEGORIES),
                    "starts_on": start,
                    "ends_on": min(today, start + dt.timedelta(days=rng.randint(20, 200))),
                    "duration_cap_minutes": rng.choice([None, 240, 480]),
                    "insured": rng.random() < 0.6,
                }
            )
    dbsession.execute(sa.insert(Activity), rows)
    return dbsession.execute(sa.select(Activity)).scalars().all()


def build_records(dbsession, rng, volunteers, activities, staff_id):
    by_area: dict[int, list[Activity]] = {}
    for activity in activities:
        by_area.setdefault(activity.area_id, []).append(activity)
    rows = []
    for volunteer_id, area_id in volunteers:
        seen = set()
        for _ in range(rng.randint(0, 16)):
            activity = rng.choice(by_area.get(area_id) or activities)
            span = (activity.ends_on - activity.starts_on).days
            day = activity.starts_on + dt.timedelta(days=rng.randint(0, max(span, 0)))
            if (activity.id, day) in seen or day in {d for _, d in seen}:
                continue
            seen.add((activity.id, day))
            minutes = rng.choice([60, 90, 120, 150, 180, 240])
            if activity.duration_cap_minutes:
                minutes = min(minutes, activity.duration_cap_minutes)
            start = dt.datetime.combine(day, dt.time(rng.choice([8, 9, 14])), SHANGHAI)
            roll = rng.random()
            status = (
                RecordStatus.APPROVED
                if roll < 0.9
                else RecordStatus.PENDING
                if roll < 0.98
                else RecordStatus.REJECTED
            )
            rows.append(
                {
                    "volunteer_id": volunteer_id,
                    "activity_id": activity.id,
                    "service_date": day,
                    "start_at": start,
                    "end_at": start + dt.timedelta(minutes=minutes),
                    "minutes": minutes,
                    "content": activity.category + "服务",
                    "provenance": Provenance.STAFF,
                    "status": status,
                    "recorded_by": staff_id,
                    "reviewed_by": staff_id if status != RecordStatus.PENDING else None,
                    "review_note": "材料不全" if status == RecordStatus.REJECTED else None,
                    "version": 1,
                }
            )
    dbsession.execute(sa.insert(ServiceRecord.__table__), rows)
    return len(rows)
