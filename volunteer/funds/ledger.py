"""Posting to the ledger: balanced entries only (`ledger_rules.validate_entry`), never into a
locked period, appended to the fund's hash chain under a lock on the chain head; corrections
are reversal entries (`ledger_verify` recomputes the chains).

Chain scope: one chain per fund (see `ledger_models`). Appends to a fund are serialised by
SELECT … FOR UPDATE on its `LedgerHead` row (PostgreSQL; SQLite serialises writers anyway),
and the unique (fund_id, seq) constraint refuses a fork should a writer ever skip the lock."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import Session

from volunteer.audit import AuditLog
from volunteer.authz import Permission, Scope
from volunteer.db import today_local, utcnow
from volunteer.errors import Conflict, NotAllowed, ValidationFailed
from volunteer.funds import ledger_rules
from volunteer.funds.ledger_models import (
    EntryKind,
    LedgerEntry,
    LedgerHead,
    LedgerLine,
    LockedPeriod,
)
from volunteer.funds.ledger_rules import GENESIS_HASH, Account, Line


@dataclass
class Posting:
    """An entry to be posted: the lines come from a `ledger_rules` builder."""

    fund_id: int
    kind: EntryKind
    lines: Sequence[Line]
    posted_on: dt.date
    memo: str = ""
    receipt_no: str | None = None
    batch_id: int | None = None
    voucher_no: str | None = None
    attachment_sha256: str | None = None
    programme_id: int | None = None
    reverses_entry_id: int | None = None


_SOURCE_FIELDS = (
    "memo",
    "receipt_no",
    "batch_id",
    "voucher_no",
    "attachment_sha256",
    "programme_id",
    "reverses_entry_id",
)


def entry_payload(values: dict, lines: Iterable[Line]) -> dict:
    """What an entry's hash covers: every column but the id and the hashes, and its lines."""
    created_at = values["created_at"].astimezone(dt.UTC).replace(tzinfo=None)
    return {
        "fund_id": values["fund_id"],
        "seq": values["seq"],
        "posted_on": values["posted_on"].isoformat(),
        "kind": str(values["kind"]),
        "created_by": values["created_by"],
        "created_by_name": values["created_by_name"],
        "created_at": created_at.isoformat(timespec="microseconds"),
        **{name: values[name] for name in _SOURCE_FIELDS},
        "lines": ledger_rules.lines_payload(lines),
    }


def locked_until(dbsession: Session, fund_id: int) -> dt.date | None:
    """The last locked day for a fund: its own locks and the all-funds locks."""
    return dbsession.scalar(
        sa.select(sa.func.max(LockedPeriod.locked_until)).where(
            sa.or_(LockedPeriod.fund_id == fund_id, LockedPeriod.fund_id.is_(None))
        )
    )


def open_chain(dbsession: Session, fund_id: int) -> LedgerHead:
    """Create a new fund's chain head (at genesis); called when the fund is created."""
    head = LedgerHead(fund_id=fund_id, seq=0, hash=GENESIS_HASH)
    dbsession.add(head)
    dbsession.flush()
    return head


def lock_chain(dbsession: Session, fund_id: int) -> LedgerHead:
    """Lock a fund's chain head for the rest of the transaction (balance checks go after)."""
    head = dbsession.scalar(
        sa.select(LedgerHead)
        .where(LedgerHead.fund_id == fund_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    return head if head is not None else open_chain(dbsession, fund_id)


class LedgerService:
    def __init__(self, dbsession: Session, scope: Scope, audit: AuditLog):
        self.dbsession = dbsession
        self.scope = scope
        self.audit = audit

    def post(self, posting: Posting) -> LedgerEntry:
        (entry_id,) = self.post_many([posting])
        return self.dbsession.get(LedgerEntry, entry_id)

    def post_many(self, postings: Sequence[Posting]) -> list[int]:
        """Post entries in the given order (bulk: one INSERT for entries, one for lines);
        returns their ids. All or nothing: one bad entry refuses the lot."""
        for posting in postings:
            try:
                ledger_rules.validate_entry(list(posting.lines))
            except ledger_rules.UnbalancedEntry as exc:
                raise ValidationFailed(str(exc)) from None
        fund_ids = sorted({p.fund_id for p in postings})
        # Lock in fund order so two multi-fund postings (a settlement, say) cannot deadlock.
        heads = {fund_id: lock_chain(self.dbsession, fund_id) for fund_id in fund_ids}
        for fund_id in fund_ids:
            until = locked_until(self.dbsession, fund_id)
            for posting in postings:
                if posting.fund_id == fund_id and ledger_rules.period_is_locked(
                    posting.posted_on, until
                ):
                    raise Conflict(f"{until} 及以前的账期已锁定，不能再记账（{posting.posted_on}）")
        now = utcnow()
        rows = []
        for posting in postings:
            head = heads[posting.fund_id]
            values = {
                "fund_id": posting.fund_id,
                "seq": head.seq + 1,
                "posted_on": posting.posted_on,
                "kind": posting.kind,
                "created_by": self.audit.actor_id,
                "created_by_name": self.audit.actor_name,
                "created_at": now,
                **{name: getattr(posting, name) for name in _SOURCE_FIELDS},
            }
            values["prev_hash"] = head.hash
            values["hash"] = ledger_rules.entry_hash(
                head.hash, entry_payload(values, posting.lines)
            )
            head.seq, head.hash = values["seq"], values["hash"]
            rows.append(values)
        ids = list(
            self.dbsession.scalars(
                sa.insert(LedgerEntry).returning(LedgerEntry.id, sort_by_parameter_order=True),
                rows,
            )
        )
        self.dbsession.execute(
            sa.insert(LedgerLine),
            [
                {
                    "entry_id": entry_id,
                    "line_no": number,
                    "fund_id": posting.fund_id,
                    "account": line.account,
                    "debit_fen": line.debit_fen,
                    "credit_fen": line.credit_fen,
                    "sponsor": line.sponsor,
                }
                for entry_id, posting in zip(ids, postings, strict=True)
                for number, line in enumerate(posting.lines, start=1)
            ],
        )
        for entry_id, posting in zip(ids, postings, strict=True):
            heads[posting.fund_id].entry_id = entry_id
        self.dbsession.flush()
        return ids

    def reverse(self, entry: LedgerEntry, memo: str, posted_on: dt.date | None = None):
        """The only correction there is: a new entry with every line on the other side."""
        if not self.scope.may(Permission.FUNDS_EDIT):
            raise NotAllowed("没有冲销分录的权限")
        if self.dbsession.scalar(
            sa.select(LedgerEntry.id).where(LedgerEntry.reverses_entry_id == entry.id)
        ):
            raise Conflict("该分录已被冲销")
        lines = [Line(li.account, li.debit_fen, li.credit_fen, li.sponsor) for li in entry.lines]
        reversal = self.post(
            Posting(
                fund_id=entry.fund_id,
                kind=EntryKind.REVERSAL,
                lines=ledger_rules.reversal(lines),
                posted_on=posted_on or today_local(),
                memo=memo or f"冲销第 {entry.seq} 号分录",
                reverses_entry_id=entry.id,
            )
        )
        self.audit.record(
            "ledger.reverse", "ledger_entry", reversal.id, after={"reverses": entry.id}
        )
        return reversal

    def lock_period(self, fund_id: int | None, until: dt.date, note: str | None = None):
        if not self.scope.may(Permission.LEDGER_LOCK):
            raise NotAllowed("没有锁定账期的权限")
        current = locked_until(self.dbsession, fund_id) if fund_id else None
        if current is not None and until <= current:
            raise Conflict(f"账期已锁定至 {current}，锁定只能向后延伸")
        period = LockedPeriod(
            fund_id=fund_id,
            locked_until=until,
            note=note,
            locked_by=self.audit.actor_id,
            locked_by_name=self.audit.actor_name,
        )
        self.dbsession.add(period)
        self.dbsession.flush()
        self.audit.record(
            "ledger.lock", "locked_period", period.id, after={"fund_id": fund_id, "until": until}
        )
        return period


def balances(dbsession: Session, fund_id: int, until: dt.date | None = None) -> dict[Account, int]:
    """Each account's balance for a fund (positive on its normal side), from the lines."""
    query = (
        sa.select(
            LedgerLine.account,
            sa.func.sum(LedgerLine.debit_fen),
            sa.func.sum(LedgerLine.credit_fen),
        )
        .where(LedgerLine.fund_id == fund_id)
        .group_by(LedgerLine.account)
    )
    if until is not None:
        posted = sa.select(LedgerEntry.id).where(
            LedgerEntry.fund_id == fund_id, LedgerEntry.posted_on <= until
        )
        query = query.where(LedgerLine.entry_id.in_(posted))
    totals = [
        Line(account, int(dr or 0), int(cr or 0)) for account, dr, cr in dbsession.execute(query)
    ]
    return ledger_rules.balances(totals)
