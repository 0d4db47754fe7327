"""Which funds, projects, donations, programmes and disbursements a scope covers: predicates
for one loaded entity (id routes) and SQL filters for lists, side by side so they cannot drift.

Funds are a community's: street staff see the funds and projects of their street's communities
only. Financial data is read by district staff, admins and auditors everywhere; organisation
staff and volunteers see none of it."""

from __future__ import annotations

import sqlalchemy as sa

from volunteer.areas.models import Area
from volunteer.authz import Permission, Role, Scope
from volunteer.funds.models import Disbursement, Donation, Fund, Project
from volunteer.funds.programme_models import MatchingProgramme

_NO_FINANCE = (Role.ORG_STAFF, Role.VOLUNTEER)


def _sees_finance(scope: Scope) -> bool:
    return scope.role not in _NO_FINANCE and scope.may(Permission.FUNDS_VIEW)


def fund_in_scope(scope: Scope, fund: Fund) -> bool:
    return _sees_finance(scope) and scope.covers_path(fund.community.path)


def project_in_scope(scope: Scope, project: Project) -> bool:
    return _sees_finance(scope) and scope.covers_path(project.community.path)


def donation_in_scope(scope: Scope, donation: Donation) -> bool:
    return project_in_scope(scope, donation.project)


def disbursement_in_scope(scope: Scope, disbursement: Disbursement) -> bool:
    return fund_in_scope(scope, disbursement.fund)


def programme_in_scope(scope: Scope, programme: MatchingProgramme) -> bool:
    """District-wide programmes concern every street; a scoped one concerns a street when one
    of its projects is there, or one of its areas contains or lies inside the street."""
    if not _sees_finance(scope):
        return False
    if scope.area_path is None or not (programme.projects or programme.areas):
        return True
    mine = scope.area_path
    if any(mine.startswith(area.path) or area.path.startswith(mine) for area in programme.areas):
        return True
    return any(scope.covers_path(project.community.path) for project in programme.projects)


def _subtree(scope: Scope):
    return sa.select(Area.id).where(Area.path.startswith(scope.area_path, autoescape=True))


def funds_clause(scope: Scope):
    if not _sees_finance(scope):
        return sa.false()
    if scope.area_path is None:
        return sa.true()
    return Fund.community_id.in_(_subtree(scope))


def projects_clause(scope: Scope):
    if not _sees_finance(scope):
        return sa.false()
    if scope.area_path is None:
        return sa.true()
    return Project.community_id.in_(_subtree(scope))


def donations_clause(scope: Scope):
    if scope.area_path is None and _sees_finance(scope):
        return sa.true()
    return Donation.project_id.in_(sa.select(Project.id).where(projects_clause(scope)))
