"""Incubation cases with their history, mentors, services and milestones, and community
social-organisation filings with their history and annual reports. The venture-philanthropy
models live in `call_models` and are re-exported here so the domain has one models module."""

from __future__ import annotations

import datetime as dt
from enum import StrEnum

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from volunteer.db import Base, BigId, UTCDateTime, str_enum, utcnow
from volunteer.incubation.call_models import (
    CallReviewer,
    Proposal,
    ProposalEvent,
    ProposalReview,
    ReviewerConflict,
    Tranche,
    VentureCall,
)
from volunteer.incubation.filing_rules import FilingState
from volunteer.incubation.workflow import CaseState, IncubationMode

__all__ = [
    "AnnualReport",
    "CallReviewer",
    "CaseEvent",
    "CaseMentor",
    "CaseMilestone",
    "CaseServiceRecord",
    "Filing",
    "FilingEvent",
    "IncubationCase",
    "Proposal",
    "ProposalEvent",
    "ProposalReview",
    "ReviewerConflict",
    "SupportKind",
    "Tranche",
    "VentureCall",
]


class IncubationCase(Base):
    __tablename__ = "incubation_cases"

    id: Mapped[int] = mapped_column(primary_key=True)
    # The case's area is its organisation's area: scoping reads organisation.area.path.
    organisation_id: Mapped[int] = mapped_column(sa.ForeignKey("organisations.id"), index=True)
    state: Mapped[CaseState] = mapped_column(str_enum(CaseState, 24), default=CaseState.DRAFT)
    mode: Mapped[IncubationMode | None] = mapped_column(str_enum(IncubationMode, 10))
    purpose: Mapped[str | None] = mapped_column(sa.Text)
    applied_on: Mapped[dt.date | None] = mapped_column(sa.Date)
    incubation_started_on: Mapped[dt.date | None] = mapped_column(sa.Date)
    term_start: Mapped[dt.date | None] = mapped_column(sa.Date)
    term_end: Mapped[dt.date | None] = mapped_column(sa.Date)
    renewals_used: Mapped[int] = mapped_column(default=0)
    agreement_signed: Mapped[bool] = mapped_column(default=False)
    space: Mapped[str | None] = mapped_column(sa.String(60))
    rectification_deadline: Mapped[dt.date | None] = mapped_column(sa.Date)
    final_evaluation_passed: Mapped[bool] = mapped_column(default=False)
    space_handed_back: Mapped[bool] = mapped_column(default=False)
    closed_on: Mapped[dt.date | None] = mapped_column(sa.Date)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    version: Mapped[int] = mapped_column(default=1)

    organisation = relationship("Organisation", lazy="joined")
    events = relationship("CaseEvent", order_by="CaseEvent.id", back_populates="case")
    mentors = relationship("CaseMentor", order_by="CaseMentor.id")
    services = relationship("CaseServiceRecord", order_by="CaseServiceRecord.served_on")
    milestones = relationship("CaseMilestone", order_by="CaseMilestone.due_on")

    __mapper_args__ = {"version_id_col": version}
    __table_args__ = (sa.Index("ix_incubation_cases_state", "state"),)


class CaseEvent(Base):
    """One step of a case's history: who took which action, when, why, with what papers."""

    __tablename__ = "case_events"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    case_id: Mapped[int] = mapped_column(sa.ForeignKey("incubation_cases.id"), index=True)
    action: Mapped[str] = mapped_column(sa.String(40))
    from_state: Mapped[str | None] = mapped_column(sa.String(24))
    to_state: Mapped[str] = mapped_column(sa.String(24))
    actor_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    actor_name: Mapped[str] = mapped_column(sa.String(80))
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    comment: Mapped[str | None] = mapped_column(sa.Text)
    # Public comments are shown to the applicant organisation; internal ones only to staff.
    comment_public: Mapped[bool] = mapped_column(default=False)
    # [{"name", "sha256", "size"}]: the papers themselves stay in the centre's archive.
    attachments: Mapped[list | None] = mapped_column(sa.JSON)

    case = relationship("IncubationCase", back_populates="events")


class CaseMentor(Base):
    __tablename__ = "case_mentors"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(sa.ForeignKey("incubation_cases.id"), index=True)
    name: Mapped[str] = mapped_column(sa.String(60))
    expertise: Mapped[str | None] = mapped_column(sa.String(120))
    assigned_on: Mapped[dt.date] = mapped_column(sa.Date)


class SupportKind(StrEnum):
    TRAINING = "training"
    SPACE = "space"
    CONSULTING = "consulting"


SUPPORT_KIND_LABELS = {
    SupportKind.TRAINING: "培训",
    SupportKind.SPACE: "场地",
    SupportKind.CONSULTING: "咨询辅导",
}


class CaseServiceRecord(Base):
    """A service the organisation received from the centre (training, space, consulting)."""

    __tablename__ = "case_service_records"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(sa.ForeignKey("incubation_cases.id"), index=True)
    kind: Mapped[SupportKind] = mapped_column(str_enum(SupportKind, 12))
    description: Mapped[str] = mapped_column(sa.String(200))
    served_on: Mapped[dt.date] = mapped_column(sa.Date)
    minutes: Mapped[int] = mapped_column()


class CaseMilestone(Base):
    __tablename__ = "case_milestones"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(sa.ForeignKey("incubation_cases.id"), index=True)
    title: Mapped[str] = mapped_column(sa.String(120))
    due_on: Mapped[dt.date] = mapped_column(sa.Date)
    achieved_on: Mapped[dt.date | None] = mapped_column(sa.Date)


class Filing(Base):
    """A community social organisation's filing (备案) with the civil-affairs bureau."""

    __tablename__ = "filings"

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(sa.ForeignKey("organisations.id"), index=True)
    state: Mapped[FilingState] = mapped_column(
        str_enum(FilingState, 20), default=FilingState.DRAFTED
    )
    purpose: Mapped[str | None] = mapped_column(sa.Text)
    submitted_on: Mapped[dt.date | None] = mapped_column(sa.Date)
    filed_on: Mapped[dt.date | None] = mapped_column(sa.Date)
    ended_on: Mapped[dt.date | None] = mapped_column(sa.Date)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    version: Mapped[int] = mapped_column(default=1)

    organisation = relationship("Organisation", lazy="joined")
    events = relationship("FilingEvent", order_by="FilingEvent.id")
    reports = relationship("AnnualReport", order_by="AnnualReport.year")

    __mapper_args__ = {"version_id_col": version}


class FilingEvent(Base):
    """History of a filing, including each change filing (变更备案) with what changed."""

    __tablename__ = "filing_events"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    filing_id: Mapped[int] = mapped_column(sa.ForeignKey("filings.id"), index=True)
    action: Mapped[str] = mapped_column(sa.String(40))
    from_state: Mapped[str | None] = mapped_column(sa.String(20))
    to_state: Mapped[str] = mapped_column(sa.String(20))
    actor_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    actor_name: Mapped[str] = mapped_column(sa.String(80))
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    comment: Mapped[str | None] = mapped_column(sa.Text)


class AnnualReport(Base):
    __tablename__ = "annual_reports"

    id: Mapped[int] = mapped_column(primary_key=True)
    filing_id: Mapped[int] = mapped_column(sa.ForeignKey("filings.id"))
    year: Mapped[int] = mapped_column()
    submitted_on: Mapped[dt.date] = mapped_column(sa.Date)
    recorded_by: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))

    __table_args__ = (sa.UniqueConstraint("filing_id", "year"),)
