"""Volunteers, activities, service records and star awards."""

from __future__ import annotations

import datetime as dt
from enum import StrEnum

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from volunteer.db import Base, BigId, UTCDateTime, str_enum, utcnow
from volunteer.references import PER_STATEMENT
from volunteer.volunteers.idcard import IdType


class RecordStatus(StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"


RECORD_STATUS_LABELS = {
    RecordStatus.PENDING: "待审核",
    RecordStatus.APPROVED: "已通过",
    RecordStatus.REJECTED: "已驳回",
}


class Provenance(StrEnum):
    STAFF = "staff"
    SELF_REPORT = "self_report"
    IMPORT = "import"
    CHECKIN = "checkin"


PROVENANCE_LABELS = {
    Provenance.STAFF: "工作人员录入",
    Provenance.SELF_REPORT: "本人申报",
    Provenance.IMPORT: "批量导入",
    Provenance.CHECKIN: "签到签退",
}


class Volunteer(Base):
    __tablename__ = "volunteers"

    id: Mapped[int] = mapped_column(primary_key=True)
    volunteer_no: Mapped[str] = mapped_column(sa.String(20), unique=True)
    name: Mapped[str] = mapped_column(sa.String(60), index=True)
    id_type: Mapped[IdType] = mapped_column(str_enum(IdType, 20))
    id_cipher: Mapped[bytes] = mapped_column(sa.LargeBinary)
    # Keyed hash of the normalised number: uniqueness and lookup without decrypting anything.
    id_index: Mapped[str] = mapped_column(sa.String(64), unique=True)
    id_masked: Mapped[str] = mapped_column(sa.String(40))
    sex: Mapped[str | None] = mapped_column(sa.String(2))
    birth_date: Mapped[dt.date | None] = mapped_column(sa.Date)
    phone: Mapped[str | None] = mapped_column(sa.String(20), index=True)
    area_id: Mapped[int] = mapped_column(sa.ForeignKey("areas.id"), index=True)
    organisation_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("organisations.id"), index=True
    )
    skills: Mapped[str | None] = mapped_column(sa.String(200))
    guardian_name: Mapped[str | None] = mapped_column(sa.String(60))
    guardian_consent_on: Mapped[dt.date | None] = mapped_column(sa.Date)
    remark: Mapped[str | None] = mapped_column(sa.Text)
    registered_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    batch_id: Mapped[int | None] = mapped_column(sa.ForeignKey("import_batches.id"), index=True)
    # Registrations are never deleted: revoking (an import batch, or by hand) stamps these.
    revoked_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    revoke_reason: Mapped[str | None] = mapped_column(sa.String(200))
    version: Mapped[int] = mapped_column(default=1)

    area = relationship("Area", lazy="joined")
    organisation = relationship("Organisation")

    __mapper_args__ = {"version_id_col": version}


class Activity(Base):
    __tablename__ = "activities"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(120))
    organisation_id: Mapped[int] = mapped_column(sa.ForeignKey("organisations.id"))
    area_id: Mapped[int] = mapped_column(sa.ForeignKey("areas.id"), index=True)
    category: Mapped[str | None] = mapped_column(sa.String(40))
    starts_on: Mapped[dt.date] = mapped_column(sa.Date)
    ends_on: Mapped[dt.date] = mapped_column(sa.Date)
    duration_cap_minutes: Mapped[int | None] = mapped_column()
    insured: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    organisation = relationship("Organisation")
    area = relationship("Area")

    __table_args__ = (sa.UniqueConstraint("organisation_id", "name"),)


class ServiceRecord(Base):
    __tablename__ = "service_records"
    # Imports write these by the hundred thousand: on PostgreSQL their references are checked
    # per statement, not per row (volunteer/references.py).

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    volunteer_id: Mapped[int] = mapped_column(sa.ForeignKey("volunteers.id", info=PER_STATEMENT))
    activity_id: Mapped[int] = mapped_column(sa.ForeignKey("activities.id", info=PER_STATEMENT))
    service_date: Mapped[dt.date] = mapped_column(sa.Date)
    start_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    end_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    minutes: Mapped[int] = mapped_column()
    content: Mapped[str | None] = mapped_column(sa.String(500))
    remark: Mapped[str | None] = mapped_column(sa.String(500))
    provenance: Mapped[Provenance] = mapped_column(str_enum(Provenance, 12))
    status: Mapped[RecordStatus] = mapped_column(
        str_enum(RecordStatus, 10), default=RecordStatus.PENDING
    )
    recorded_by: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", info=PER_STATEMENT))
    recorded_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    reviewed_by: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", info=PER_STATEMENT))
    reviewed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    review_note: Mapped[str | None] = mapped_column(sa.String(200))
    voided_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    voided_by: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", info=PER_STATEMENT))
    void_reason: Mapped[str | None] = mapped_column(sa.String(200))
    batch_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("import_batches.id", info=PER_STATEMENT), index=True
    )
    version: Mapped[int] = mapped_column(default=1)

    volunteer = relationship("Volunteer")
    activity = relationship("Activity")

    __mapper_args__ = {"version_id_col": version}
    __table_args__ = (
        # The volunteer's own page and the duplicate / daily-cap checks read by these.
        sa.Index("ix_service_records_volunteer_date", "volunteer_id", "service_date"),
        # The approval queue: pending records of the activities in an area.
        sa.Index("ix_service_records_status_activity", "status", "activity_id"),
        sa.Index("ix_service_records_activity_date", "activity_id", "service_date"),
        # Lets the queue read pending records already in date order (bench: ~10 ms on PG).
        sa.Index("ix_service_records_status_date", "status", "service_date", "id"),
    )


class StarAward(Base):
    """A star level actually awarded (on a date, by a body), as opposed to merely eligible."""

    __tablename__ = "star_awards"

    id: Mapped[int] = mapped_column(primary_key=True)
    volunteer_id: Mapped[int] = mapped_column(sa.ForeignKey("volunteers.id"), index=True)
    level: Mapped[int] = mapped_column()
    awarded_on: Mapped[dt.date] = mapped_column(sa.Date)
    awarded_by: Mapped[str] = mapped_column(sa.String(120))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    __table_args__ = (sa.UniqueConstraint("volunteer_id", "level"),)


class Certificate(Base):
    """志愿服务记录证明: a numbered, registered snapshot of approved hours, verifiable by code."""

    __tablename__ = "certificates"

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(sa.String(30), unique=True)
    verify_code: Mapped[str] = mapped_column(sa.String(16), unique=True)
    volunteer_id: Mapped[int] = mapped_column(sa.ForeignKey("volunteers.id"), index=True)
    approved_minutes: Mapped[int] = mapped_column()
    record_count: Mapped[int] = mapped_column()
    first_service_on: Mapped[dt.date | None] = mapped_column(sa.Date)
    last_service_on: Mapped[dt.date | None] = mapped_column(sa.Date)
    issued_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    issued_by: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    issuer_name: Mapped[str] = mapped_column(sa.String(120))
    revoked_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)

    volunteer = relationship("Volunteer")
