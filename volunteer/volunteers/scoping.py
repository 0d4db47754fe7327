"""Which volunteers, activities and service records a scope covers: predicates for one loaded
entity (id routes) and SQL filters for lists, kept side by side so they cannot drift."""

from __future__ import annotations

import sqlalchemy as sa

from volunteer.areas.models import Area
from volunteer.authz import Role, Scope
from volunteer.volunteers.models import Activity, ServiceRecord, Volunteer


def volunteer_in_scope(scope: Scope, volunteer: Volunteer) -> bool:
    if scope.role is Role.VOLUNTEER:
        return volunteer.id == scope.volunteer_id
    if scope.role is Role.AUDITOR:
        return False
    if scope.role is Role.ORG_STAFF:
        return volunteer.organisation_id == scope.organisation_id
    return scope.covers_path(volunteer.area.path)


def activity_in_scope(scope: Scope, activity: Activity) -> bool:
    if scope.role in (Role.VOLUNTEER, Role.AUDITOR):
        return False
    if scope.role is Role.ORG_STAFF:
        return activity.organisation_id == scope.organisation_id
    return scope.covers_path(activity.area.path)


def record_in_scope(scope: Scope, record: ServiceRecord) -> bool:
    if scope.role is Role.VOLUNTEER:
        return record.volunteer_id == scope.volunteer_id
    return activity_in_scope(scope, record.activity)


def certificate_in_scope(scope: Scope, certificate) -> bool:
    return volunteer_in_scope(scope, certificate.volunteer)


def area_path_clause(scope: Scope, area_id_column):
    """Restrict rows whose `area_id_column` lies in the scope's subtree."""
    if scope.area_path is None:
        return sa.true()
    subtree = sa.select(Area.id).where(Area.path.startswith(scope.area_path, autoescape=True))
    return area_id_column.in_(subtree)


def volunteers_clause(scope: Scope):
    if scope.role is Role.VOLUNTEER:
        return Volunteer.id == scope.volunteer_id
    if scope.role is Role.AUDITOR:
        return sa.false()
    if scope.role is Role.ORG_STAFF:
        return Volunteer.organisation_id == scope.organisation_id
    return area_path_clause(scope, Volunteer.area_id)


def activities_clause(scope: Scope):
    if scope.role in (Role.VOLUNTEER, Role.AUDITOR):
        return sa.false()
    if scope.role is Role.ORG_STAFF:
        return Activity.organisation_id == scope.organisation_id
    return area_path_clause(scope, Activity.area_id)


def records_clause(scope: Scope):
    """Records whose activity is in scope (the organiser records and approves: 谁组织谁记录)."""
    if scope.role is Role.VOLUNTEER:
        return ServiceRecord.volunteer_id == scope.volunteer_id
    return ServiceRecord.activity_id.in_(sa.select(Activity.id).where(activities_clause(scope)))
