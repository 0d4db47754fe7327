"""Volunteer register use cases: registration with ID validation, search, detail, audited
reveal of the ID number. Shared by the web views and the import engine."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import Session

from volunteer.areas.models import Area, AreaLevel, Organisation
from volunteer.audit import AuditLog, snapshot
from volunteer.authz import Permission, Scope
from volunteer.counters import reserve
from volunteer.db import today_local
from volunteer.errors import NotAllowed, ValidationFailed
from volunteer.pii import PiiVault
from volunteer.volunteers import idcard
from volunteer.volunteers.masking import mask_id
from volunteer.volunteers.models import Volunteer
from volunteer.volunteers.scoping import volunteers_clause

VOLUNTEER_NO_PREFIX = "ZYZ"


def format_volunteer_no(serial: int) -> str:
    return f"{VOLUNTEER_NO_PREFIX}{serial:08d}"


@dataclass
class VolunteerInput:
    name: str
    id_number: str
    area_id: int
    id_type: idcard.IdType = idcard.IdType.RESIDENT
    sex: str | None = None
    birth_date: dt.date | None = None
    phone: str | None = None
    organisation_id: int | None = None
    skills: str | None = None
    guardian_name: str | None = None
    guardian_consent_on: dt.date | None = None
    remark: str | None = None


@dataclass(frozen=True)
class CheckedIdentity:
    number: str
    sex: str | None
    birth_date: dt.date | None


def check_identity(
    id_type: idcard.IdType,
    number: str,
    sex: str | None,
    birth_date: dt.date | None,
    guardian_consent: bool,
    today: dt.date,
) -> CheckedIdentity:
    """Validate an ID and the age rules; raises ValidationFailed with a Chinese reason."""
    try:
        checked = idcard.validate_id_number(id_type, number, today)
    except idcard.InvalidId as exc:
        raise ValidationFailed(str(exc)) from None
    if checked.resident is not None:
        problems = idcard.cross_check(checked.resident, sex, birth_date)
        if problems:
            raise ValidationFailed("；".join(problems))
        sex, birth_date = checked.resident.sex, checked.resident.birth_date
    if birth_date is not None:
        age = idcard.registration_age_check(birth_date, today)
        if age is idcard.AgeCheck.REFUSED:
            raise ValidationFailed("未满 14 周岁，不能注册为志愿者")
        if age is idcard.AgeCheck.GUARDIAN_REQUIRED and not guardian_consent:
            raise ValidationFailed("14 至 18 周岁的志愿者须登记监护人同意")
    return CheckedIdentity(checked.number, sex, birth_date)


class VolunteerService:
    def __init__(self, dbsession: Session, vault: PiiVault, scope: Scope, audit: AuditLog):
        self.dbsession = dbsession
        self.vault = vault
        self.scope = scope
        self.audit = audit

    def find_by_id_number(self, number: str) -> Volunteer | None:
        index = self.vault.blind_index(idcard.normalise_id_number(number))
        return self.dbsession.scalar(sa.select(Volunteer).where(Volunteer.id_index == index))

    def register(self, data: VolunteerInput) -> Volunteer:
        area = self.dbsession.get(Area, data.area_id)
        if (
            area is None
            or area.level is AreaLevel.DISTRICT
            or not self.scope.covers_path(area.path)
        ):
            raise ValidationFailed("请选择本辖区内的街道或社区")
        if data.organisation_id is not None:
            org = self.dbsession.get(Organisation, data.organisation_id)
            if org is None or not self.scope.covers_path(org.area.path):
                raise ValidationFailed("所属组织不存在或不在本辖区")
        name = data.name.strip()
        if not name:
            raise ValidationFailed("请填写姓名")
        identity = check_identity(
            data.id_type,
            data.id_number,
            data.sex,
            data.birth_date,
            bool(data.guardian_name and data.guardian_consent_on),
            today_local(),
        )
        index = self.vault.blind_index(identity.number)
        if self.dbsession.scalar(sa.select(Volunteer.id).where(Volunteer.id_index == index)):
            raise ValidationFailed("该证件号码已注册为志愿者")
        volunteer = Volunteer(
            volunteer_no=format_volunteer_no(reserve(self.dbsession, "volunteer_no")),
            name=name,
            id_type=data.id_type,
            id_cipher=self.vault.encrypt(identity.number),
            id_index=index,
            id_masked=mask_id(identity.number),
            sex=identity.sex,
            birth_date=identity.birth_date,
            phone=data.phone,
            area_id=area.id,
            organisation_id=data.organisation_id,
            skills=data.skills,
            guardian_name=data.guardian_name,
            guardian_consent_on=data.guardian_consent_on,
            remark=data.remark,
        )
        self.dbsession.add(volunteer)
        self.dbsession.flush()
        self.audit.record(
            "volunteer.register",
            "volunteer",
            volunteer.id,
            after=snapshot(volunteer),
            area_path=area.path,
        )
        return volunteer

    def search(self, text: str = "", area_id: int | None = None, limit: int = 50, offset: int = 0):
        """Volunteers in scope matching a name, volunteer number, phone or ID number."""
        query = sa.select(Volunteer).where(volunteers_clause(self.scope))
        text = text.strip()
        if text:
            normalised = idcard.normalise_id_number(text)
            query = query.where(
                sa.or_(
                    Volunteer.name.contains(text, autoescape=True),
                    Volunteer.volunteer_no == text.upper(),
                    Volunteer.phone == text,
                    Volunteer.id_masked == normalised,
                    Volunteer.id_index == self.vault.blind_index(normalised),
                )
            )
        if area_id:
            area = self.dbsession.get(Area, area_id)
            if area is not None:
                subtree = sa.select(Area.id).where(Area.path.startswith(area.path))
                query = query.where(Volunteer.area_id.in_(subtree))
        total = self.dbsession.scalar(sa.select(sa.func.count()).select_from(query.subquery()))
        rows = self.dbsession.scalars(
            query.order_by(Volunteer.id.desc()).limit(limit).offset(offset)
        ).all()
        return rows, total

    def reveal_id_number(self, volunteer: Volunteer) -> str:
        """The full ID number, for holders of the reveal permission; every reveal is audited."""
        if not self.scope.may(Permission.PII_REVEAL):
            raise NotAllowed("没有查看完整证件号码的权限")
        self.audit.record(
            "pii.reveal",
            "volunteer",
            volunteer.id,
            area_path=volunteer.area.path,
            note="查看完整证件号码",
        )
        return self.vault.decrypt(volunteer.id_cipher)
