"""Area and organisation lookups within a scope, and creation used by imports and the demo."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Session

from volunteer.areas.models import Area, AreaLevel, Organisation, OrganisationKind
from volunteer.authz import Role, Scope


def areas_in_scope(dbsession: Session, scope: Scope, level: AreaLevel | None = None) -> list[Area]:
    query = sa.select(Area).order_by(Area.path)
    if scope.area_path is not None:
        query = query.where(Area.path.startswith(scope.area_path, autoescape=True))
    if level is not None:
        query = query.where(Area.level == level)
    return list(dbsession.scalars(query))


def organisations_in_scope(dbsession: Session, scope: Scope) -> list[Organisation]:
    query = sa.select(Organisation).order_by(Organisation.name)
    if scope.role is Role.ORG_STAFF:
        query = query.where(Organisation.id == scope.organisation_id)
    elif scope.area_path is not None:
        subtree = sa.select(Area.id).where(Area.path.startswith(scope.area_path, autoescape=True))
        query = query.where(Organisation.area_id.in_(subtree))
    return list(dbsession.scalars(query))


def add_area(dbsession: Session, name: str, level: AreaLevel, parent: Area | None) -> Area:
    area = Area(name=name, level=level, parent_id=parent.id if parent else None)
    dbsession.add(area)
    dbsession.flush()
    area.path = f"{parent.path if parent else '/'}{area.id}/"
    return area


def find_or_add_area(dbsession: Session, name: str, level: AreaLevel, parent: Area | None) -> Area:
    parent_id = parent.id if parent else None
    found = dbsession.scalar(
        sa.select(Area).where(
            Area.name == name,
            Area.parent_id.is_(parent_id) if parent_id is None else Area.parent_id == parent_id,
        )
    )
    return found or add_area(dbsession, name, level, parent)


def add_organisation(
    dbsession: Session, name: str, kind: OrganisationKind, area: Area, **extra
) -> Organisation:
    org = Organisation(name=name, kind=kind, area_id=area.id, **extra)
    dbsession.add(org)
    dbsession.flush()
    return org
