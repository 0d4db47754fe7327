"""Which incubation cases, filings, organisations, calls and proposals a scope covers:
predicates for one loaded entity (id routes → 404 outside) and SQL filters for lists, side by
side so they cannot drift. Everything hangs off the organisation's area; a call off its own."""

from __future__ import annotations

import sqlalchemy as sa

from volunteer.areas.models import Area, Organisation
from volunteer.authz import Permission, Role, Scope
from volunteer.incubation.models import CallReviewer, Proposal, VentureCall


def _sees_incubation(scope: Scope) -> bool:
    return scope.may(Permission.INCUBATION_VIEW)


def organisation_in_scope(scope: Scope, organisation: Organisation) -> bool:
    if not _sees_incubation(scope):
        return False
    if scope.role is Role.ORG_STAFF:
        return organisation.id == scope.organisation_id
    return scope.covers_path(organisation.area.path)


def case_in_scope(scope: Scope, case) -> bool:
    return organisation_in_scope(scope, case.organisation)


def filing_in_scope(scope: Scope, filing) -> bool:
    return organisation_in_scope(scope, filing.organisation)


def call_in_scope(scope: Scope, call: VentureCall) -> bool:
    """A district call is seen everywhere; a street's call by that street, its organisations
    and the district. Reviewers appointed to a call always see it."""
    if not _sees_incubation(scope):
        return False
    if scope.area_path is None or scope.covers_path(call.area.path):
        return True
    if scope.role is not Role.ORG_STAFF and _is_reviewer(scope, call):
        return True
    return scope.area_path.startswith(call.area.path)


def proposal_in_scope(scope: Scope, proposal: Proposal) -> bool:
    if organisation_in_scope(scope, proposal.organisation):
        return True
    return scope.role is not Role.ORG_STAFF and _is_reviewer(scope, proposal.call)


def _is_reviewer(scope: Scope, call: VentureCall) -> bool:
    return any(r.user_id == scope.user_id for r in call.reviewers)


def organisations_clause(scope: Scope, org_id_column=Organisation.id):
    """Rows whose organisation (by `org_id_column`) lies in the scope."""
    if not _sees_incubation(scope):
        return sa.false()
    if scope.role is Role.ORG_STAFF:
        return org_id_column == scope.organisation_id
    if scope.area_path is None:
        return sa.true()
    subtree = (
        sa.select(Organisation.id)
        .join(Area, Area.id == Organisation.area_id)
        .where(Area.path.startswith(scope.area_path, autoescape=True))
    )
    return org_id_column.in_(subtree)


def calls_clause(scope: Scope):
    if not _sees_incubation(scope):
        return sa.false()
    if scope.area_path is None:
        return sa.true()
    area_path = sa.select(Area.path).where(Area.id == VentureCall.area_id).scalar_subquery()
    reviewing = sa.select(CallReviewer.call_id).where(CallReviewer.user_id == scope.user_id)
    # The call's area is in my subtree, or my area lies inside the call's area.
    clauses = [
        area_path.startswith(scope.area_path, autoescape=True),
        sa.literal(scope.area_path).startswith(area_path),
    ]
    if scope.role is not Role.ORG_STAFF:
        clauses.append(VentureCall.id.in_(reviewing))
    return sa.or_(*clauses)
