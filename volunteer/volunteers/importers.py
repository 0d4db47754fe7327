"""The `volunteers` import kind: register new volunteers and update registered ones (a blank
cell never overwrites a filled value), all validated before anything is written."""

from __future__ import annotations

import sqlalchemy as sa

from volunteer.areas.lookup import AreaIndex, OrganisationIndex
from volunteer.authz import Permission, Role
from volunteer.counters import reserve
from volunteer.db import utcnow
from volunteer.errors import ValidationFailed
from volunteer.spreadsheets.coerce import normalise_name
from volunteer.spreadsheets.importing import (
    CREATE,
    ERROR,
    UNCHANGED,
    UPDATE,
    Importer,
    Planned,
    register,
)
from volunteer.volunteers import idcard
from volunteer.volunteers.directory import Known, VolunteerDirectory, row_identity, same_name
from volunteer.volunteers.masking import mask_id
from volunteer.volunteers.models import Volunteer
from volunteer.volunteers.services import check_identity, format_volunteer_no
from volunteer.volunteers.sheets import VOLUNTEERS

UPDATABLE = (
    "phone",
    "area_id",
    "organisation_id",
    "skills",
    "guardian_name",
    "guardian_consent_on",
    "remark",
)


class RegistrationRules:
    """Turns the registration columns of a row into Volunteer fields (shared with `hours`)."""

    def __init__(self, importer: Importer):
        self.importer = importer
        self.ctx = importer.ctx
        self.areas = AreaIndex(importer.dbsession)
        self.orgs = OrganisationIndex(importer.dbsession)

    def fields(self, row, spec, *, need_area: bool) -> dict | None:
        """Volunteer fields from the row, or None after attaching row errors."""
        v = row.values
        fields: dict = {}
        if v.get("street") or v.get("community"):
            area, reason = self.areas.resolve(v.get("street"), v.get("community"))
            if area is None:
                self.importer.error(row, "community" if v.get("community") else "street", reason)
                return None
            if not self.ctx.scope.covers_path(area.path):
                self.importer.error(row, "street", f"「{area.name}」不在您的管辖范围内")
                return None
            fields["area_id"] = area.id
        elif need_area:
            self.importer.error(row, "community", "新登记的志愿者须填写街道和社区")
            return None
        if v.get("organisation"):
            org = self.orgs.get(v["organisation"])
            if org is None:
                self.importer.error(
                    row, "organisation", f"组织「{v['organisation']}」不存在，请先导入组织"
                )
                return None
            if self.ctx.scope.role is Role.ORG_STAFF and org.id != self.ctx.scope.organisation_id:
                self.importer.error(row, "organisation", "只能登记到本组织")
                return None
            fields["organisation_id"] = org.id
        for key in ("phone", "skills", "guardian_name", "guardian_consent_on", "remark"):
            if v.get(key) is not None:
                fields[key] = v[key]
        return fields

    def new_volunteer(self, row, spec, identity) -> dict | None:
        v = row.values
        try:
            id_type = idcard.parse_id_type(v.get("id_type"))
        except ValueError as exc:
            self.importer.error(row, "id_type", str(exc))
            return None
        fields = self.fields(row, spec, need_area=True)
        if fields is None:
            return None
        try:
            checked = check_identity(
                id_type,
                identity.number,
                v.get("sex"),
                v.get("birth_date"),
                bool(v.get("guardian_name") and v.get("guardian_consent_on")),
                self.ctx.today,
            )
        except ValidationFailed as exc:
            self.importer.error(row, "id_number", exc.message)
            return None
        vault = self.ctx.vault
        return {
            "name": normalise_name(v["name"]),
            "id_type": id_type,
            "id_cipher": vault.encrypt(checked.number),
            "id_index": identity.index,
            "id_masked": mask_id(checked.number),
            "sex": checked.sex,
            "birth_date": checked.birth_date,
            **fields,
        }

    def insert(self, payloads: list[dict], batch, directory: VolunteerDirectory) -> None:
        """Insert new volunteers in bulk with reserved volunteer numbers."""
        if not payloads:
            return
        first = reserve(self.importer.dbsession, "volunteer_no", len(payloads))
        now = utcnow()
        for offset, payload in enumerate(payloads):
            payload.update(
                volunteer_no=format_volunteer_no(first + offset),
                batch_id=batch.id,
                registered_at=now,
                version=1,
            )
        self.importer.dbsession.execute(sa.insert(Volunteer), payloads)
        directory.load_new(payloads)


@register
class VolunteerImporter(Importer):
    spec = VOLUNTEERS
    permission = Permission.VOLUNTEERS_EDIT

    def __init__(self, ctx):
        super().__init__(ctx)
        self.directory = VolunteerDirectory(self.dbsession)
        self.rules = RegistrationRules(self)

    def plan(self, rows):
        identities = [
            row_identity(self.ctx.vault, r.values) if not r.errors else None for r in rows
        ]
        self.directory.load([i for i in identities if i is not None and not isinstance(i, str)])
        return [
            self._plan_row(row, identity) for row, identity in zip(rows, identities, strict=True)
        ]

    def _plan_row(self, row, identity):
        if row.errors:
            return Planned(row, ERROR)
        if isinstance(identity, str):
            self.error(row, "id_number", identity)
            return Planned(row, ERROR)
        known = self.directory.find(identity)
        if isinstance(known, str):
            self.error(row, "volunteer_no", known)
            return Planned(row, ERROR)
        if known is None:
            if identity.number is None:
                self.error(row, "id_number", "新登记的志愿者须填写完整证件号码")
                return Planned(row, ERROR)
            payload = self.rules.new_volunteer(row, self.spec, identity)
            return Planned(row, CREATE, payload) if payload else Planned(row, ERROR)
        return self._plan_update(row, known)

    def _plan_update(self, row, known: Known):
        if not same_name(row.values["name"], known.name):
            self.error(row, "name", f"姓名与名册不一致（名册中为「{known.name}」）")
            return Planned(row, ERROR)
        fields = self.rules.fields(row, self.spec, need_area=False)
        if fields is None:
            return Planned(row, ERROR)
        volunteer = self.dbsession.get(Volunteer, known.id)
        if (
            not self.ctx.scope.covers_path(volunteer.area.path)
            and self.ctx.scope.role is not Role.ORG_STAFF
        ):
            self.error(row, "id_number", "该志愿者属于其他辖区，不能修改")
            return Planned(row, ERROR)
        changes = {k: v for k, v in fields.items() if k in UPDATABLE and getattr(volunteer, k) != v}
        if volunteer.revoked_at is not None:
            changes.update(revoked_at=None, revoke_reason=None)
        return Planned(row, UPDATE if changes else UNCHANGED, (volunteer, changes))

    def write(self, planned, batch):
        self.rules.insert([p.payload for p in planned if p.action == CREATE], batch, self.directory)
        for item in planned:
            if item.action == UPDATE:
                volunteer, changes = item.payload
                self.apply_update(
                    volunteer,
                    changes,
                    "volunteer.update",
                    "volunteer",
                    batch,
                    area_path=volunteer.area.path,
                )

    def revoke(self, batch, reason):
        """Revoke the registrations this batch created (records stay; nothing is deleted)."""
        result = self.dbsession.execute(
            sa.update(Volunteer)
            .where(Volunteer.batch_id == batch.id, Volunteer.revoked_at.is_(None))
            .values(revoked_at=utcnow(), revoke_reason=reason, version=Volunteer.version + 1)
        )
        return result.rowcount
