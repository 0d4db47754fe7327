"""Matching programmes (配捐计划), their scope, their running tally, and the matches (配捐) they
produce. The arithmetic is in the pure `matching` module; `matches.MatchingService` keeps these
tables equal to what it computes."""

from __future__ import annotations

import datetime as dt
from enum import StrEnum

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from volunteer.db import Base, BigId, UTCDateTime, str_enum, utcnow
from volunteer.funds.matching import Limit


class SponsorLevel(StrEnum):
    PROVINCE = "province"
    CITY = "city"
    DISTRICT = "district"
    ENTERPRISE = "enterprise"


SPONSOR_LEVEL_LABELS = {
    SponsorLevel.PROVINCE: "省级",
    SponsorLevel.CITY: "市级",
    SponsorLevel.DISTRICT: "区级",
    SponsorLevel.ENTERPRISE: "企业",
}


class ProgrammeStatus(StrEnum):
    DRAFT = "draft"
    ACTIVE = "active"
    SETTLED = "settled"


PROGRAMME_STATUS_LABELS = {
    ProgrammeStatus.DRAFT: "草稿",
    ProgrammeStatus.ACTIVE: "配捐中",
    ProgrammeStatus.SETTLED: "已结算",
}


class MatchStatus(StrEnum):
    PROVISIONAL = "provisional"
    SETTLED = "settled"
    CLAWED_BACK = "clawed_back"


MATCH_STATUS_LABELS = {
    MatchStatus.PROVISIONAL: "暂定",
    MatchStatus.SETTLED: "已结算",
    MatchStatus.CLAWED_BACK: "已冲回",
}

LIMIT_LABELS = {
    Limit.RATIO: "按比例",
    Limit.DONATION_CAP: "单笔上限",
    Limit.DONOR_CAP: "单人单项目上限",
    Limit.PROJECT_CAP: "单项目上限",
    Limit.POOL: "资金池",
}

programme_projects = sa.Table(
    "programme_projects",
    Base.metadata,
    sa.Column("programme_id", sa.ForeignKey("matching_programmes.id"), primary_key=True),
    sa.Column("project_id", sa.ForeignKey("projects.id"), primary_key=True),
)

programme_areas = sa.Table(
    "programme_areas",
    Base.metadata,
    sa.Column("programme_id", sa.ForeignKey("matching_programmes.id"), primary_key=True),
    sa.Column("area_id", sa.ForeignKey("areas.id"), primary_key=True),
)


class MatchingProgramme(Base):
    __tablename__ = "matching_programmes"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(sa.String(40), unique=True)
    name: Mapped[str] = mapped_column(sa.String(160))
    sponsor: Mapped[str] = mapped_column(sa.String(120))
    level: Mapped[SponsorLevel] = mapped_column(str_enum(SponsorLevel, 12))
    # Match per yuan donated, kept as the exact decimal text staff typed ("0.1"), never a float.
    ratio: Mapped[str] = mapped_column(sa.String(20))
    min_donation_fen: Mapped[int] = mapped_column(sa.BigInteger, default=0)
    # Empty caps mean no cap.
    per_donation_cap_fen: Mapped[int | None] = mapped_column(sa.BigInteger)
    per_donor_project_cap_fen: Mapped[int | None] = mapped_column(sa.BigInteger)
    per_project_cap_fen: Mapped[int | None] = mapped_column(sa.BigInteger)
    pool_fen: Mapped[int] = mapped_column(sa.BigInteger)
    starts_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    ends_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    priority: Mapped[int] = mapped_column(default=0)
    status: Mapped[ProgrammeStatus] = mapped_column(
        str_enum(ProgrammeStatus, 10), default=ProgrammeStatus.DRAFT
    )
    settled_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    settled_by: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    batch_id: Mapped[int | None] = mapped_column(sa.ForeignKey("import_batches.id"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    version: Mapped[int] = mapped_column(default=1)

    projects = relationship("Project", secondary=programme_projects, order_by="Project.code")
    areas = relationship("Area", secondary=programme_areas, order_by="Area.path")

    __mapper_args__ = {"version_id_col": version}


class ProgrammeTally(Base):
    """A programme's running totals for incremental matching: fen matched so far (the pool
    used) and the sort key of the last donation processed. Locked FOR UPDATE by every
    writer of the programme's matches, which is what keeps two staff from overspending a pool."""

    __tablename__ = "programme_tallies"

    programme_id: Mapped[int] = mapped_column(
        sa.ForeignKey("matching_programmes.id"), primary_key=True
    )
    matched_fen: Mapped[int] = mapped_column(sa.BigInteger, default=0)
    last_received_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    last_receipt_no: Mapped[str | None] = mapped_column(sa.String(64))
    last_donation_id: Mapped[int | None] = mapped_column(sa.BigInteger)
    recomputed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)


class ProjectTally(Base):
    """Fen a programme has matched on one project so far: the per-project cap's running total,
    kept so that matching one new donation reads one row instead of summing thousands."""

    __tablename__ = "programme_project_tallies"

    programme_id: Mapped[int] = mapped_column(
        sa.ForeignKey("matching_programmes.id"), primary_key=True
    )
    project_id: Mapped[int] = mapped_column(sa.ForeignKey("projects.id"), primary_key=True)
    matched_fen: Mapped[int] = mapped_column(sa.BigInteger, default=0)


class Match(Base):
    """One programme's top-up of one donation. `project_id` and `donor_key` are copied from the
    donation so the caps' running totals are one indexed aggregate.

    Matches are derived data, rebuilt in bulk (millions of rows) by `MatchingService` from rows
    it has just read; programmes, donations and projects are never deleted. Foreign keys on the
    three ids would cost a row lookup per written match and triple a recompute, so they are
    left out on purpose; the ledger references (entry ids) keep theirs."""

    __tablename__ = "matches"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    programme_id: Mapped[int] = mapped_column()
    donation_id: Mapped[int] = mapped_column(sa.BigInteger)
    project_id: Mapped[int] = mapped_column()
    donor_key: Mapped[str | None] = mapped_column(sa.String(64))
    amount_fen: Mapped[int] = mapped_column(sa.BigInteger)
    binding_limit: Mapped[Limit] = mapped_column(str_enum(Limit, 16))
    status: Mapped[MatchStatus] = mapped_column(
        str_enum(MatchStatus, 12), default=MatchStatus.PROVISIONAL
    )
    entry_id: Mapped[int | None] = mapped_column(sa.ForeignKey("ledger_entries.id"))
    clawback_entry_id: Mapped[int | None] = mapped_column(sa.ForeignKey("ledger_entries.id"))

    __table_args__ = (
        # One match per programme and donation; leading with the donation, it also finds a
        # refunded donation's matches. The second index serves recompute deletes and the caps.
        sa.UniqueConstraint("donation_id", "programme_id"),
        sa.Index("ix_matches_programme_project_donor", "programme_id", "project_id", "donor_key"),
    )
