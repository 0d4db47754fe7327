"""The `areas` and `organisations` import kinds."""

from __future__ import annotations

from volunteer.areas.lookup import AreaIndex, OrganisationIndex
from volunteer.areas.models import ORGANISATION_KIND_LABELS, AreaLevel, Organisation
from volunteer.areas.services import add_area
from volunteer.areas.sheets import AREAS, ORGANISATIONS
from volunteer.audit import snapshot
from volunteer.authz import Permission
from volunteer.spreadsheets.importing import (
    CREATE,
    ERROR,
    UNCHANGED,
    UPDATE,
    Importer,
    Planned,
    register,
)

KIND_BY_LABEL = {label: kind for kind, label in ORGANISATION_KIND_LABELS.items()}


@register
class AreaImporter(Importer):
    spec = AREAS
    permission = Permission.AREAS_EDIT

    def __init__(self, ctx):
        super().__init__(ctx)
        self.index = AreaIndex(self.dbsession)

    def plan(self, rows):
        out = []
        for row in rows:
            if row.errors:
                out.append(Planned(row, ERROR))
                continue
            v = row.values
            district_name = v["district"] or (d.name if (d := self.index.only_district()) else None)
            if not district_name:
                self.error(row, "district", "系统中有多个区或尚无区，请填写区")
                out.append(Planned(row, ERROR))
                continue
            district = self.index.child(None, district_name)
            street = self.index.child(district.id, v["street"]) if district else None
            community = self.index.child(street.id, v["community"]) if street else None
            scope_path = street.path if street else (district.path if district else None)
            if scope_path is not None and not self.ctx.scope.covers_path(scope_path):
                self.error(row, "street", "不在您的管辖范围内")
                out.append(Planned(row, ERROR))
                continue
            if not self.ctx.scope.is_global and street is None:
                self.error(row, "street", "街道工作人员不能新建街道")
                out.append(Planned(row, ERROR))
                continue
            action = UNCHANGED if community is not None else CREATE
            out.append(Planned(row, action, (district_name, v["street"], v["community"])))
        return out

    def write(self, planned, batch):
        for item in planned:
            if item.action != CREATE:
                continue
            district_name, street_name, community_name = item.payload
            parent = None
            for name, level in (
                (district_name, AreaLevel.DISTRICT),
                (street_name, AreaLevel.STREET),
                (community_name, AreaLevel.COMMUNITY),
            ):
                found = self.index.child(parent.id if parent else None, name)
                if found is None:
                    found = add_area(self.dbsession, name, level, parent)
                    self.index.add(found)
                    self.ctx.audit.record(
                        "area.create", "area", found.id, after=snapshot(found), area_path=found.path
                    )
                parent = found


@register
class OrganisationImporter(Importer):
    spec = ORGANISATIONS
    permission = Permission.VOLUNTEERS_EDIT

    def __init__(self, ctx):
        super().__init__(ctx)
        self.areas = AreaIndex(self.dbsession)
        self.orgs = OrganisationIndex(self.dbsession)

    def plan(self, rows):
        out = []
        for row in rows:
            if row.errors:
                out.append(Planned(row, ERROR))
                continue
            v = row.values
            area, reason = self.areas.resolve(v["street"], v["community"])
            existing = self.orgs.get(v["name"])
            if area is None and existing is not None and not (v["street"] or v["community"]):
                area = existing.area
            elif area is None:
                self.error(row, "community" if v["community"] else "street", reason)
                out.append(Planned(row, ERROR))
                continue
            if not self.ctx.scope.covers_path(area.path) or (
                existing is not None and not self.ctx.scope.covers_path(existing.area.path)
            ):
                self.error(row, "street", "不在您的管辖范围内")
                out.append(Planned(row, ERROR))
                continue
            fields = {
                "kind": KIND_BY_LABEL[v["kind"]],
                "area_id": area.id,
                "leader": v["leader"],
                "phone": v["phone"],
            }
            if existing is None:
                out.append(Planned(row, CREATE, {"name": v["name"].strip(), **fields}))
                continue
            # A blank cell never overwrites a filled value.
            changes = {
                k: value
                for k, value in fields.items()
                if value is not None and getattr(existing, k) != value
            }
            out.append(Planned(row, UPDATE if changes else UNCHANGED, (existing, changes)))
        return out

    def write(self, planned, batch):
        for item in planned:
            if item.action == CREATE:
                org = Organisation(**item.payload)
                self.dbsession.add(org)
                self.dbsession.flush()
                self.orgs.add(org)
                self.ctx.audit.record(
                    "organisation.create", "organisation", org.id, after=snapshot(org)
                )
            elif item.action == UPDATE:
                self.apply_update(*item.payload, "organisation.update", "organisation", batch)
