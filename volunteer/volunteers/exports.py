"""Exports of the register as workbooks: the volunteer roster and the service records (both
in their import layout, so an export re-imports unchanged) and the hours summary by volunteer
and month. Rows stream from the database; ID numbers and phones are masked unless revealed."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import sqlalchemy as sa
from sqlalchemy.orm import Session, aliased

from volunteer.areas.models import Area, Organisation
from volunteer.authz import Permission, Scope
from volunteer.db import SHANGHAI, today_local
from volunteer.pii import PiiVault
from volunteer.spreadsheets.exporting import ExportFilters, register_export
from volunteer.spreadsheets.writer import Sheet
from volunteer.volunteers.hour_rules import hours_decimal
from volunteer.volunteers.idcard import ID_TYPE_LABELS
from volunteer.volunteers.masking import mask_phone
from volunteer.volunteers.models import Activity, RecordStatus, ServiceRecord, Volunteer
from volunteer.volunteers.scoping import activities_clause, volunteers_clause
from volunteer.volunteers.sheets import HOURS, VOLUNTEERS

STREAM_ROWS = 2000
ID_COLUMNS = ("证件号码", "手机号")


def _headers(spec, *keys) -> list[str]:
    return [spec.column(k).header for k in keys]


class Exporter:
    def __init__(self, dbsession: Session, scope: Scope, vault: PiiVault, reveal: bool):
        self.dbsession = dbsession
        self.scope = scope
        self.vault = vault
        self.reveal = reveal

    def _id(self, cipher: bytes, masked: str) -> str:
        return self.vault.decrypt(cipher) if self.reveal else masked

    def _phone(self, phone: str | None) -> str | None:
        return phone if self.reveal or not phone else mask_phone(phone)

    def _stream(self, query) -> Iterator:
        return self.dbsession.execute(query.execution_options(yield_per=STREAM_ROWS))

    def _area_filter(self, query, column, filters: ExportFilters):
        if filters.area is not None:
            subtree = sa.select(Area.id).where(Area.path.startswith(filters.area.path))
            query = query.where(column.in_(subtree))
        return query

    def roster(self, filters: ExportFilters) -> Sheet:
        community, street = aliased(Area), aliased(Area)
        query = (
            sa.select(Volunteer, community.name, street.name, Organisation.name)
            .join(community, community.id == Volunteer.area_id)
            .outerjoin(street, street.id == community.parent_id)
            .outerjoin(Organisation, Organisation.id == Volunteer.organisation_id)
            .where(volunteers_clause(self.scope), Volunteer.revoked_at.is_(None))
            .order_by(Volunteer.id)
        )
        query = self._area_filter(query, Volunteer.area_id, filters)
        if filters.organisation is not None:
            query = query.where(Volunteer.organisation_id == filters.organisation.id)
        keys = (
            "name",
            "id_type",
            "id_number",
            "volunteer_no",
            "sex",
            "birth_date",
            "phone",
            "street",
            "community",
            "organisation",
            "skills",
            "guardian_name",
            "guardian_consent_on",
            "remark",
        )

        def rows():
            for v, community_name, street_name, org_name in self._stream(query):
                is_street = v.area.level == "street"
                yield [
                    v.name,
                    ID_TYPE_LABELS[v.id_type],
                    self._id(v.id_cipher, v.id_masked),
                    v.volunteer_no,
                    v.sex,
                    v.birth_date,
                    self._phone(v.phone),
                    community_name if is_street else street_name,
                    None if is_street else community_name,
                    org_name,
                    v.skills,
                    v.guardian_name,
                    v.guardian_consent_on,
                    v.remark,
                ]

        return Sheet(VOLUNTEERS.title, _headers(VOLUNTEERS, *keys), rows(), ID_COLUMNS)

    def records(self, filters: ExportFilters) -> Sheet:
        query = (
            sa.select(
                ServiceRecord.service_date,
                ServiceRecord.start_at,
                ServiceRecord.end_at,
                ServiceRecord.minutes,
                ServiceRecord.content,
                ServiceRecord.status,
                ServiceRecord.remark,
                Volunteer.name,
                Volunteer.id_cipher,
                Volunteer.id_masked,
                Volunteer.volunteer_no,
                Activity.name,
                Organisation.name,
            )
            .join(Volunteer, Volunteer.id == ServiceRecord.volunteer_id)
            .join(Activity, Activity.id == ServiceRecord.activity_id)
            .join(Organisation, Organisation.id == Activity.organisation_id)
            .where(
                activities_clause(self.scope),
                ServiceRecord.voided_at.is_(None),
                ServiceRecord.status != RecordStatus.REJECTED,
            )
            .order_by(ServiceRecord.service_date, ServiceRecord.id)
        )
        query = self._area_filter(query, Activity.area_id, filters)
        if filters.organisation is not None:
            query = query.where(Activity.organisation_id == filters.organisation.id)
        if filters.date_from:
            query = query.where(ServiceRecord.service_date >= filters.date_from)
        if filters.date_to:
            query = query.where(ServiceRecord.service_date <= filters.date_to)
        keys = (
            "name",
            "id_number",
            "volunteer_no",
            "activity",
            "organisation",
            "service_date",
            "start",
            "end",
            "hours",
            "content",
            "status",
            "remark",
        )
        status_label = {RecordStatus.PENDING: "待审核", RecordStatus.APPROVED: "已通过"}

        def clock(moment):
            return (
                None if moment is None else moment.astimezone(SHANGHAI).time().replace(tzinfo=None)
            )

        def rows():
            reveal, hours = self.reveal, {}  # a few distinct durations repeat on every row
            for (
                day,
                start,
                end,
                minutes,
                content,
                status,
                remark,
                name,
                cipher,
                masked,
                number,
                activity,
                org,
            ) in self._stream(query):
                shown = hours.get(minutes)
                if shown is None:
                    shown = hours[minutes] = hours_decimal(minutes)
                yield [
                    name,
                    self.vault.decrypt(cipher) if reveal else masked,
                    number,
                    activity,
                    org,
                    day,
                    None if start is None else clock(start),
                    None if end is None else clock(end),
                    shown,
                    content,
                    status_label[status],
                    remark,
                ]

        return Sheet(HOURS.title, _headers(HOURS, *keys), rows(), ID_COLUMNS)

    def hours_summary(self, filters: ExportFilters) -> Sheet:
        """Approved hours per volunteer and month of one year (activities in scope)."""
        year = filters.year or today_local().year
        month = sa.extract("month", ServiceRecord.service_date)
        query = (
            sa.select(
                Volunteer.id,
                Volunteer.volunteer_no,
                Volunteer.name,
                Volunteer.id_masked,
                Volunteer.id_cipher,
                month,
                sa.func.sum(ServiceRecord.minutes),
            )
            .join(Volunteer, Volunteer.id == ServiceRecord.volunteer_id)
            .join(Activity, Activity.id == ServiceRecord.activity_id)
            .where(
                activities_clause(self.scope),
                ServiceRecord.voided_at.is_(None),
                ServiceRecord.status == RecordStatus.APPROVED,
                ServiceRecord.service_date.between(dt.date(year, 1, 1), dt.date(year, 12, 31)),
            )
            .group_by(
                Volunteer.id,
                Volunteer.volunteer_no,
                Volunteer.name,
                Volunteer.id_masked,
                Volunteer.id_cipher,
                month,
            )
            .order_by(Volunteer.id, month)
        )
        query = self._area_filter(query, Activity.area_id, filters)
        if filters.organisation is not None:
            query = query.where(Activity.organisation_id == filters.organisation.id)
        headers = [
            "志愿者编号",
            "姓名",
            "证件号码",
            *[f"{m}月(小时)" for m in range(1, 13)],
            f"{year}年合计(小时)",
        ]

        def rows():
            current, months = None, {}
            for vid, number, name, masked, cipher, m, minutes in self._stream(query):
                if current is not None and current[0] != vid:
                    yield _summary_row(current, months)
                    months = {}
                current = (vid, number, name, self._id(cipher, masked))
                months[int(m)] = int(minutes)
            if current is not None:
                yield _summary_row(current, months)

        return Sheet(f"{year}年服务时长汇总", headers, rows(), ("证件号码",))


def _summary_row(current, months: dict[int, int]) -> list:
    _, number, name, id_text = current
    return [
        number,
        name,
        id_text,
        *[hours_decimal(months[m]) if m in months else None for m in range(1, 13)],
        hours_decimal(sum(months.values())),
    ]


@register_export("volunteers", "志愿者名册", Permission.VOLUNTEERS_VIEW)
def export_roster(request_like, filters: ExportFilters) -> list[Sheet]:
    return [Exporter(*request_like).roster(filters)]


@register_export("hours", "服务记录", Permission.VOLUNTEERS_VIEW)
def export_records(request_like, filters: ExportFilters) -> list[Sheet]:
    return [Exporter(*request_like).records(filters)]


@register_export("hours-summary", "服务时长汇总", Permission.VOLUNTEERS_VIEW)
def export_summary(request_like, filters: ExportFilters) -> list[Sheet]:
    return [Exporter(*request_like).hours_summary(filters)]
