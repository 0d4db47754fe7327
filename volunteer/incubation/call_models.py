"""Venture-philanthropy calls (公益创投): the call with its rubric and reviewers, declared
conflicts, proposals with their reviews, history and award tranches. Scores are stored as
decimal strings, never floats; money is integer fen."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from volunteer.db import Base, BigId, UTCDateTime, str_enum, utcnow
from volunteer.incubation.proposal_rules import ProposalState
from volunteer.incubation.tranches import Requirement


class VentureCall(Base):
    __tablename__ = "venture_calls"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(120), unique=True)
    # The area the call serves: a district call is open to every organisation, a street's
    # micro-venture call only to its own; scoping reads this area's path.
    area_id: Mapped[int] = mapped_column(sa.ForeignKey("areas.id"), index=True)
    budget_fen: Mapped[int] = mapped_column(sa.BigInteger)
    opens_on: Mapped[dt.date] = mapped_column(sa.Date)
    closes_on: Mapped[dt.date] = mapped_column(sa.Date)
    review_ends_on: Mapped[dt.date | None] = mapped_column(sa.Date)
    # [{"name": "需求分析", "weight": 30}, ...] and [{"name": "配套资金", "max_points": 5}]
    criteria: Mapped[list] = mapped_column(sa.JSON)
    bonus: Mapped[list] = mapped_column(sa.JSON, default=list)
    drop_extremes: Mapped[bool] = mapped_column(default=True)
    notice_days: Mapped[int] = mapped_column(default=7)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    version: Mapped[int] = mapped_column(default=1)

    area = relationship("Area", lazy="joined")
    reviewers = relationship("CallReviewer", order_by="CallReviewer.id", back_populates="call")
    proposals = relationship("Proposal", order_by="Proposal.id", back_populates="call")

    __mapper_args__ = {"version_id_col": version}


class CallReviewer(Base):
    """An expert appointed to score one call (the per-call `reviewer` capability)."""

    __tablename__ = "call_reviewers"

    id: Mapped[int] = mapped_column(primary_key=True)
    call_id: Mapped[int] = mapped_column(sa.ForeignKey("venture_calls.id"))
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), index=True)
    appointed_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    call = relationship("VentureCall", back_populates="reviewers")
    user = relationship("User", lazy="joined")

    __table_args__ = (sa.UniqueConstraint("call_id", "user_id"),)


class ReviewerConflict(Base):
    """A declared conflict of interest: the reviewer is recused from that proposal."""

    __tablename__ = "reviewer_conflicts"

    id: Mapped[int] = mapped_column(primary_key=True)
    reviewer_id: Mapped[int] = mapped_column(sa.ForeignKey("call_reviewers.id"))
    proposal_id: Mapped[int] = mapped_column(sa.ForeignKey("proposals.id"), index=True)
    reason: Mapped[str] = mapped_column(sa.String(200))
    declared_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    reviewer = relationship("CallReviewer", lazy="joined")

    __table_args__ = (sa.UniqueConstraint("reviewer_id", "proposal_id"),)


class Proposal(Base):
    __tablename__ = "proposals"

    id: Mapped[int] = mapped_column(primary_key=True)
    call_id: Mapped[int] = mapped_column(sa.ForeignKey("venture_calls.id"), index=True)
    organisation_id: Mapped[int] = mapped_column(sa.ForeignKey("organisations.id"), index=True)
    title: Mapped[str] = mapped_column(sa.String(120))
    summary: Mapped[str | None] = mapped_column(sa.Text)
    requested_fen: Mapped[int] = mapped_column(sa.BigInteger)
    approved_fen: Mapped[int | None] = mapped_column(sa.BigInteger)
    state: Mapped[ProposalState] = mapped_column(
        str_enum(ProposalState, 20), default=ProposalState.DRAFT
    )
    # {"配套资金": "3"}: bonus items as decimal strings, capped by the rubric when scored.
    bonus_points: Mapped[dict] = mapped_column(sa.JSON, default=dict)
    submitted_on: Mapped[dt.date | None] = mapped_column(sa.Date)
    notice_started_on: Mapped[dt.date | None] = mapped_column(sa.Date)
    objections_pending: Mapped[int] = mapped_column(default=0)
    objection_upheld: Mapped[bool] = mapped_column(default=False)
    contract_signed_on: Mapped[dt.date | None] = mapped_column(sa.Date)
    final_report_accepted: Mapped[bool] = mapped_column(default=False)
    # Released but unspent, worked out on termination; recovered outside this system for now.
    recover_fen: Mapped[int | None] = mapped_column(sa.BigInteger)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    version: Mapped[int] = mapped_column(default=1)

    call = relationship("VentureCall", back_populates="proposals")
    organisation = relationship("Organisation", lazy="joined")
    reviews = relationship("ProposalReview", order_by="ProposalReview.id")
    conflicts = relationship("ReviewerConflict", order_by="ReviewerConflict.id")
    tranches = relationship("Tranche", order_by="Tranche.seq")
    events = relationship("ProposalEvent", order_by="ProposalEvent.id")

    __mapper_args__ = {"version_id_col": version}
    __table_args__ = (sa.UniqueConstraint("call_id", "organisation_id", "title"),)


class ProposalReview(Base):
    __tablename__ = "proposal_reviews"

    id: Mapped[int] = mapped_column(primary_key=True)
    proposal_id: Mapped[int] = mapped_column(sa.ForeignKey("proposals.id"))
    reviewer_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    # {"需求分析": "27.5", ...}: integers or exact decimals as strings.
    scores: Mapped[dict] = mapped_column(sa.JSON)
    comment: Mapped[str | None] = mapped_column(sa.Text)
    submitted_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    reviewer = relationship("User", lazy="joined")

    __table_args__ = (sa.UniqueConstraint("proposal_id", "reviewer_id"),)


class Tranche(Base):
    """One instalment of an award. Payment through the funds ledger comes with the funds
    domain; until then the release is recorded here as an approved, released amount."""

    __tablename__ = "tranches"

    id: Mapped[int] = mapped_column(primary_key=True)
    proposal_id: Mapped[int] = mapped_column(sa.ForeignKey("proposals.id"))
    seq: Mapped[int] = mapped_column()
    amount_fen: Mapped[int] = mapped_column(sa.BigInteger)
    requirement: Mapped[Requirement] = mapped_column(str_enum(Requirement, 12))
    requirement_accepted: Mapped[bool] = mapped_column(default=False)
    accepted_on: Mapped[dt.date | None] = mapped_column(sa.Date)
    released_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    released_by: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))

    __table_args__ = (sa.UniqueConstraint("proposal_id", "seq"),)


class ProposalEvent(Base):
    __tablename__ = "proposal_events"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    proposal_id: Mapped[int] = mapped_column(sa.ForeignKey("proposals.id"), index=True)
    action: Mapped[str] = mapped_column(sa.String(40))
    from_state: Mapped[str | None] = mapped_column(sa.String(20))
    to_state: Mapped[str] = mapped_column(sa.String(20))
    actor_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    actor_name: Mapped[str] = mapped_column(sa.String(80))
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    comment: Mapped[str | None] = mapped_column(sa.Text)
    comment_public: Mapped[bool] = mapped_column(default=True)
