"""Community charity funds (社区慈善基金), their mutual-aid projects (互助项目), donations and
disbursements. Matching programmes live in `programme_models`, the ledger in `ledger_models`.

Money is integer fen in BigInteger columns ending in `_fen`; nothing here is a float."""

from __future__ import annotations

import datetime as dt
from enum import StrEnum

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from volunteer.db import Base, BigId, UTCDateTime, str_enum, utcnow


class FundStatus(StrEnum):
    ACTIVE = "active"
    CLOSED = "closed"


FUND_STATUS_LABELS = {FundStatus.ACTIVE: "运行中", FundStatus.CLOSED: "已终止"}


class ProjectStatus(StrEnum):
    OPEN = "open"
    CLOSED = "closed"
    COMPLETED = "completed"


PROJECT_STATUS_LABELS = {
    ProjectStatus.OPEN: "募集中",
    ProjectStatus.CLOSED: "已结束募集",
    ProjectStatus.COMPLETED: "已结项",
}


class DisbursementStatus(StrEnum):
    REQUESTED = "requested"
    APPROVED = "approved"
    REJECTED = "rejected"
    PAID = "paid"


DISBURSEMENT_STATUS_LABELS = {
    DisbursementStatus.REQUESTED: "待审批",
    DisbursementStatus.APPROVED: "已批准",
    DisbursementStatus.REJECTED: "已驳回",
    DisbursementStatus.PAID: "已支付",
}


class ExpenseClass(StrEnum):
    RELIEF = "relief"
    ELDERLY = "elderly"
    CHILDREN = "children"
    DISABILITY = "disability"
    COMMUNITY = "community"
    OTHER = "other"


EXPENSE_CLASS_LABELS = {
    ExpenseClass.RELIEF: "困难救助",
    ExpenseClass.ELDERLY: "为老服务",
    ExpenseClass.CHILDREN: "儿童关爱",
    ExpenseClass.DISABILITY: "助残服务",
    ExpenseClass.COMMUNITY: "社区治理与公益活动",
    ExpenseClass.OTHER: "其他",
}


class Fund(Base):
    __tablename__ = "funds"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(sa.String(40), unique=True)
    # "<host full name> + <community> 社区慈善基金", e.g. 宜昌市西陵区慈善会胜利四路社区慈善基金.
    name: Mapped[str] = mapped_column(sa.String(160), unique=True)
    host: Mapped[str] = mapped_column(sa.String(120))
    community_id: Mapped[int] = mapped_column(sa.ForeignKey("areas.id"), index=True)
    agreement_no: Mapped[str | None] = mapped_column(sa.String(60))
    agreement_date: Mapped[dt.date | None] = mapped_column(sa.Date)
    purpose: Mapped[str | None] = mapped_column(sa.String(500))
    restricted: Mapped[bool] = mapped_column(default=True)
    committee: Mapped[str | None] = mapped_column(sa.String(300))
    supervisor: Mapped[str | None] = mapped_column(sa.String(120))
    status: Mapped[FundStatus] = mapped_column(str_enum(FundStatus, 10), default=FundStatus.ACTIVE)
    batch_id: Mapped[int | None] = mapped_column(sa.ForeignKey("import_batches.id"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    version: Mapped[int] = mapped_column(default=1)

    community = relationship("Area", lazy="joined")

    __mapper_args__ = {"version_id_col": version}


class Project(Base):
    __tablename__ = "projects"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(sa.String(40), unique=True)
    fund_id: Mapped[int] = mapped_column(sa.ForeignKey("funds.id"), index=True)
    community_id: Mapped[int] = mapped_column(sa.ForeignKey("areas.id"), index=True)
    name: Mapped[str] = mapped_column(sa.String(160))
    target_fen: Mapped[int] = mapped_column(sa.BigInteger, default=0)
    starts_on: Mapped[dt.date | None] = mapped_column(sa.Date)
    ends_on: Mapped[dt.date | None] = mapped_column(sa.Date)
    status: Mapped[ProjectStatus] = mapped_column(
        str_enum(ProjectStatus, 10), default=ProjectStatus.OPEN
    )
    batch_id: Mapped[int | None] = mapped_column(sa.ForeignKey("import_batches.id"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    version: Mapped[int] = mapped_column(default=1)

    fund = relationship("Fund", lazy="joined")
    community = relationship("Area", lazy="joined")

    __mapper_args__ = {"version_id_col": version}


class Donation(Base):
    """One gift from the public. `receipt_no` (the platform's receipt number) is the natural
    key: recording or importing the same receipt twice does nothing."""

    __tablename__ = "donations"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    receipt_no: Mapped[str] = mapped_column(sa.String(64), unique=True)
    donor_name: Mapped[str] = mapped_column(sa.String(120))
    # Platform account, phone or ID-number hash; None means the donation is its own donor.
    donor_key: Mapped[str | None] = mapped_column(sa.String(64))
    anonymous: Mapped[bool] = mapped_column(default=False)
    amount_fen: Mapped[int] = mapped_column(sa.BigInteger)
    received_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    channel: Mapped[str | None] = mapped_column(sa.String(40))
    remark: Mapped[str | None] = mapped_column(sa.String(300))
    project_id: Mapped[int] = mapped_column(sa.ForeignKey("projects.id"))
    # Copied from the project so fund statements need no join over hundreds of thousands of rows.
    fund_id: Mapped[int] = mapped_column(sa.ForeignKey("funds.id"))
    batch_id: Mapped[int | None] = mapped_column(sa.ForeignKey("import_batches.id"), index=True)
    entry_id: Mapped[int | None] = mapped_column(sa.ForeignKey("ledger_entries.id"))
    recorded_by: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    refunded_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    refunded_by: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    refund_reason: Mapped[str | None] = mapped_column(sa.String(200))
    # Suspicious patterns, for the auditor: set by staff or an import (related party), by the
    # service when one donor gives many small amounts within minutes, or on refund after a match.
    flag_related_party: Mapped[bool] = mapped_column(default=False)
    flag_rapid_small: Mapped[bool] = mapped_column(default=False)
    flag_refund_after_match: Mapped[bool] = mapped_column(default=False)

    project = relationship("Project", lazy="joined")

    __table_args__ = (
        # The matching order (DESIGN §6): streamed in this order by every recompute.
        sa.Index("ix_donations_order", "received_at", "receipt_no"),
        sa.Index("ix_donations_project_received", "project_id", "received_at"),
        sa.Index("ix_donations_fund_received", "fund_id", "received_at"),
        sa.Index("ix_donations_donor", "donor_key", "received_at"),
        sa.CheckConstraint("amount_fen > 0", name="amount_positive"),
    )

    @property
    def shown_donor(self) -> str:
        return "匿名爱心人士" if self.anonymous else self.donor_name


class Disbursement(Base):
    """Money paid out of a fund (支出), maker-checker: requested by one person, approved by
    another; approval posts the ledger entry."""

    __tablename__ = "disbursements"

    id: Mapped[int] = mapped_column(primary_key=True)
    fund_id: Mapped[int] = mapped_column(sa.ForeignKey("funds.id"), index=True)
    project_id: Mapped[int | None] = mapped_column(sa.ForeignKey("projects.id"))
    beneficiary: Mapped[str | None] = mapped_column(sa.String(120))
    expense_class: Mapped[ExpenseClass] = mapped_column(str_enum(ExpenseClass, 16))
    purpose: Mapped[str] = mapped_column(sa.String(300))
    amount_fen: Mapped[int] = mapped_column(sa.BigInteger)
    voucher_no: Mapped[str | None] = mapped_column(sa.String(60))
    attachment_sha256: Mapped[str | None] = mapped_column(sa.String(64))
    status: Mapped[DisbursementStatus] = mapped_column(
        str_enum(DisbursementStatus, 10), default=DisbursementStatus.REQUESTED
    )
    requested_by: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    requested_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    decided_by: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    decided_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    decision_note: Mapped[str | None] = mapped_column(sa.String(200))
    entry_id: Mapped[int | None] = mapped_column(sa.ForeignKey("ledger_entries.id"))
    paid_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    version: Mapped[int] = mapped_column(default=1)

    fund = relationship("Fund", lazy="joined")
    project = relationship("Project")

    __mapper_args__ = {"version_id_col": version}
    __table_args__ = (sa.CheckConstraint("amount_fen > 0", name="amount_positive"),)
