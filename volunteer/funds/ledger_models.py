"""The append-only, hash-chained double-entry ledger: entries, their lines, the per-fund chain
head, and locked periods. The ORM refuses to update or delete an entry or a line; corrections
are reversal entries (see `ledger.LedgerService`).

The hash chain is per fund: each fund's entries are numbered `seq` 1, 2, 3… and each carries
the hash of the one before, so a fund's ledger (and its statement) can be verified on its own
and funds post in parallel. `LedgerHead` is the one row per fund that postings lock."""

from __future__ import annotations

import datetime as dt
from enum import StrEnum

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship

from volunteer.db import Base, BigId, UTCDateTime, str_enum, utcnow
from volunteer.funds.ledger_rules import Account


class EntryKind(StrEnum):
    DONATION = "donation"
    REFUND = "refund"
    REFUND_PAID = "refund_paid"
    MATCH_RECEIVABLE = "match_receivable"
    MATCH_RECEIVED = "match_received"
    MATCH_CLAWBACK = "match_clawback"
    DISBURSEMENT = "disbursement"
    RELEASE = "release"
    PASS_THROUGH_IN = "pass_through_in"  # noqa: S105 - 受托代理, not a password
    PASS_THROUGH_OUT = "pass_through_out"  # noqa: S105 - same
    REVERSAL = "reversal"


ENTRY_KIND_LABELS = {
    EntryKind.DONATION: "捐赠收入",
    EntryKind.REFUND: "捐赠退款",
    EntryKind.REFUND_PAID: "退款支付",
    EntryKind.MATCH_RECEIVABLE: "配捐结算",
    EntryKind.MATCH_RECEIVED: "配捐到账",
    EntryKind.MATCH_CLAWBACK: "配捐冲回",
    EntryKind.DISBURSEMENT: "项目支出",
    EntryKind.RELEASE: "限定性解除",
    EntryKind.PASS_THROUGH_IN: "受托代理收入",
    EntryKind.PASS_THROUGH_OUT: "受托代理支付",
    EntryKind.REVERSAL: "冲销",
}


class LedgerEntry(Base):
    __tablename__ = "ledger_entries"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    fund_id: Mapped[int] = mapped_column(sa.ForeignKey("funds.id"))
    seq: Mapped[int] = mapped_column(sa.BigInteger)
    posted_on: Mapped[dt.date] = mapped_column(sa.Date)
    kind: Mapped[EntryKind] = mapped_column(str_enum(EntryKind, 20))
    memo: Mapped[str] = mapped_column(sa.String(300), default="")
    # Where the entry comes from; any of these may be empty.
    receipt_no: Mapped[str | None] = mapped_column(sa.String(64), index=True)
    batch_id: Mapped[int | None] = mapped_column(sa.ForeignKey("import_batches.id"))
    voucher_no: Mapped[str | None] = mapped_column(sa.String(60))
    attachment_sha256: Mapped[str | None] = mapped_column(sa.String(64))
    programme_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("matching_programmes.id"), index=True
    )
    reverses_entry_id: Mapped[int | None] = mapped_column(sa.ForeignKey("ledger_entries.id"))
    prev_hash: Mapped[str] = mapped_column(sa.String(64))
    hash: Mapped[str] = mapped_column(sa.String(64))
    created_by: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    created_by_name: Mapped[str] = mapped_column(sa.String(80))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    lines: Mapped[list[LedgerLine]] = relationship(
        "LedgerLine", order_by="LedgerLine.line_no", lazy="selectin", viewonly=True
    )

    __table_args__ = (
        # Two postings racing for the same place in a fund's chain: the second one fails.
        sa.UniqueConstraint("fund_id", "seq"),
        sa.Index("ix_ledger_entries_fund_posted", "fund_id", "posted_on"),
    )


class LedgerLine(Base):
    __tablename__ = "ledger_lines"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    entry_id: Mapped[int] = mapped_column(sa.ForeignKey("ledger_entries.id"))
    line_no: Mapped[int] = mapped_column()
    # Copied from the entry: balances per fund and account are one indexed aggregate.
    fund_id: Mapped[int] = mapped_column(sa.ForeignKey("funds.id"))
    account: Mapped[Account] = mapped_column(str_enum(Account, 32))
    debit_fen: Mapped[int] = mapped_column(sa.BigInteger, default=0)
    credit_fen: Mapped[int] = mapped_column(sa.BigInteger, default=0)
    sponsor: Mapped[str | None] = mapped_column(sa.String(120))

    __table_args__ = (
        sa.UniqueConstraint("entry_id", "line_no"),
        sa.Index("ix_ledger_lines_fund_account", "fund_id", "account"),
    )


class LedgerHead(Base):
    """The end of one fund's chain. Not a ledger row: it only points at the last entry, and is
    the row a posting locks (SELECT … FOR UPDATE) so appends to a fund are serialised."""

    __tablename__ = "ledger_heads"

    fund_id: Mapped[int] = mapped_column(sa.ForeignKey("funds.id"), primary_key=True)
    seq: Mapped[int] = mapped_column(sa.BigInteger, default=0)
    hash: Mapped[str] = mapped_column(sa.String(64))
    entry_id: Mapped[int | None] = mapped_column(sa.ForeignKey("ledger_entries.id"))


class LockedPeriod(Base):
    """A closed period: no entry may be posted on or before `locked_until` for the fund (or for
    every fund when `fund_id` is empty). Locks are only ever added, never lifted."""

    __tablename__ = "locked_periods"

    id: Mapped[int] = mapped_column(primary_key=True)
    fund_id: Mapped[int | None] = mapped_column(sa.ForeignKey("funds.id"), index=True)
    locked_until: Mapped[dt.date] = mapped_column(sa.Date)
    note: Mapped[str | None] = mapped_column(sa.String(200))
    locked_by: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    locked_by_name: Mapped[str] = mapped_column(sa.String(80))
    locked_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class LedgerIsAppendOnly(RuntimeError):
    """Raised on any attempt to update or delete a ledger entry or line through the ORM."""


_APPEND_ONLY = (LedgerEntry, LedgerLine)


def _refuse(mapper, connection, target):
    raise LedgerIsAppendOnly(f"账簿只能追加，不能修改或删除（{mapper.class_.__name__}）")


for _model in _APPEND_ONLY:
    event.listen(_model, "before_update", _refuse)
    event.listen(_model, "before_delete", _refuse)


@event.listens_for(Session, "do_orm_execute")
def _refuse_bulk_changes(state):
    # Bulk UPDATE/DELETE statements bypass the mapper events above; catch them here.
    mapper = state.bind_mapper
    if (
        (state.is_update or state.is_delete)
        and mapper is not None
        and mapper.class_ in _APPEND_ONLY
    ):
        raise LedgerIsAppendOnly("账簿只能追加，不能修改或删除")
