"""The read side of a fund statement: every figure aggregated in SQL from the ledger lines (one
grouped query for the whole statement), the entry the report was computed from, and the
per-sponsor match totals. Detail rows are streamed by `fund_sheets`.

Definitions (the statement's contract):

* the fund's balance is its own net position, cash + match receivable − refunds payable;
  money held for others (受托代理) is kept apart and never part of it;
* receipts are the period's income: donations (credits to donation income), less refunds and
  corrections (debits to it), plus sponsor matches (net match income, posted at settlement);
* disbursements are the period's net programme expense;
* reclassifications are releases of restriction (restricted → unrestricted net assets): they
  move money between classes and change the total by their net, which is 0;
* the period is by posting date (Shanghai), `date_to` inclusive."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field

import sqlalchemy as sa
from sqlalchemy.orm import Session

from volunteer.db import SHANGHAI
from volunteer.funds.ledger import balances
from volunteer.funds.ledger_models import EntryKind, LedgerEntry, LedgerLine
from volunteer.funds.ledger_rules import Account
from volunteer.funds.models import Donation, Project
from volunteer.funds.programme_models import Match, MatchingProgramme, MatchStatus

A = Account
BALANCE_SIGNS = {A.CASH: 1, A.MATCH_RECEIVABLE: 1, A.REFUNDS_PAYABLE: -1}
DONATION_INCOME = (A.DONATION_INCOME_RESTRICTED, A.DONATION_INCOME_UNRESTRICTED)
MATCH_INCOME = (A.MATCH_INCOME_RESTRICTED, A.MATCH_INCOME_UNRESTRICTED)
NET_ASSETS = (A.RESTRICTED_NET_ASSETS, A.UNRESTRICTED_NET_ASSETS)
RESTRICTED = (A.DONATION_INCOME_RESTRICTED, A.MATCH_INCOME_RESTRICTED, A.RESTRICTED_NET_ASSETS)
PASS_THROUGH = (A.PASS_THROUGH_ASSET,)


@dataclass
class Totals:
    """Debit and credit per account, before the period and inside it."""

    before: dict = field(default_factory=lambda: defaultdict(lambda: [0, 0]))
    during: dict = field(default_factory=lambda: defaultdict(lambda: [0, 0]))
    # (account, sponsor) → [debit, credit] inside the period, for match income by sponsor.
    sponsors: dict = field(default_factory=lambda: defaultdict(lambda: [0, 0]))
    # kind → [entries, total debits] inside the period.
    kinds: dict = field(default_factory=dict)

    def net_credit(self, accounts, period: str = "during") -> int:
        book = getattr(self, period)
        return sum(book[a][1] - book[a][0] for a in accounts if a in book)

    def net_debit(self, accounts, period: str = "during") -> int:
        return -self.net_credit(accounts, period)

    def debits(self, accounts, period: str = "during") -> int:
        book = getattr(self, period)
        return sum(book[a][0] for a in accounts if a in book)

    def credits(self, accounts, period: str = "during") -> int:
        book = getattr(self, period)
        return sum(book[a][1] for a in accounts if a in book)

    def balance(self, period: str) -> int:
        books = [self.before] if period == "opening" else [self.before, self.during]
        return sum(
            sign * (book[a][0] - book[a][1]) for book in books for a, sign in BALANCE_SIGNS.items()
            if a in book
        )  # fmt: skip

    def restricted(self, period: str) -> int:
        if period == "opening":
            return self.net_credit(RESTRICTED, "before")
        return self.net_credit(RESTRICTED, "before") + self.net_credit(RESTRICTED)


def ledger_totals(dbsession: Session, fund_id: int, date_from: dt.date, date_to: dt.date):
    """One grouped query over the fund's lines up to `date_to` (also yields the per-kind
    entry counts and debits of the period, which the receipts-by-type sheet shows)."""
    before = LedgerEntry.posted_on < date_from
    query = (
        sa.select(
            LedgerEntry.kind,
            LedgerLine.account,
            LedgerLine.sponsor,
            before.label("before"),
            sa.func.sum(LedgerLine.debit_fen),
            sa.func.sum(LedgerLine.credit_fen),
            # Every entry has exactly one first line: counting those counts the entries.
            sa.func.sum(sa.case((LedgerLine.line_no == 1, 1), else_=0)),
        )
        .join(LedgerEntry, LedgerEntry.id == LedgerLine.entry_id)
        .where(LedgerLine.fund_id == fund_id, LedgerEntry.posted_on <= date_to)
        .group_by(LedgerEntry.kind, LedgerLine.account, LedgerLine.sponsor, before)
    )
    totals = Totals()
    for kind, account, sponsor, is_before, debit, credit, firsts in dbsession.execute(query):
        account, debit, credit = Account(account), int(debit or 0), int(credit or 0)
        book = totals.before if is_before else totals.during
        book[account][0] += debit
        book[account][1] += credit
        if is_before:
            continue
        kinds = totals.kinds.setdefault(EntryKind(kind), [0, 0])
        kinds[0] += int(firsts or 0)
        kinds[1] += debit
        if sponsor and account in MATCH_INCOME:
            totals.sponsors[sponsor][0] += debit
            totals.sponsors[sponsor][1] += credit
    return totals


def ledger_balance(dbsession: Session, fund_id: int, until: dt.date) -> int:
    """The closing balance as helper `ledger.balances` computes it, independently of ours.
    When no entry of the fund is posted after `until` (the usual report up to today), the
    date filter would keep every line, so it is left out: one aggregate, no join."""
    later = sa.select(
        sa.exists().where(LedgerEntry.fund_id == fund_id, LedgerEntry.posted_on > until)
    )
    by_account = balances(dbsession, fund_id, until=until if dbsession.scalar(later) else None)
    return sum(by_account.get(a, 0) * sign for a, sign in BALANCE_SIGNS.items())


def last_entry(dbsession: Session, fund_id: int, date_to: dt.date) -> LedgerEntry | None:
    """The last entry (in chain order) the statement includes."""
    return dbsession.scalar(
        sa.select(LedgerEntry)
        .where(LedgerEntry.fund_id == fund_id, LedgerEntry.posted_on <= date_to)
        .order_by(LedgerEntry.seq.desc())
        .limit(1)
    )


def local_bounds(date_from: dt.date, date_to: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """[start, end) in UTC of the Shanghai dates from..to inclusive."""
    start = dt.datetime.combine(date_from, dt.time(0), SHANGHAI)
    end = dt.datetime.combine(date_to + dt.timedelta(days=1), dt.time(0), SHANGHAI)
    return start.astimezone(dt.UTC), end.astimezone(dt.UTC)


def donations_in(fund_id: int, date_from: dt.date, date_to: dt.date):
    start, end = local_bounds(date_from, date_to)
    return (
        Donation.fund_id == fund_id,
        Donation.received_at >= start,
        Donation.received_at < end,
    )


def match_cells(
    dbsession: Session | sa.Connection, fund_id: int, date_from, date_to
) -> list[tuple]:
    """The matches on the period's donations to the fund that are not clawed back, in one
    aggregate for the whole report: `(project_id, programme_id, binding_limit, status, live,
    count, fen)` per group, `live` false for a refunded donation's. The sponsor totals sum
    every group, the matching schedule the live ones.

    A refunded donation has no live match (provisional ones are deleted, settled ones are
    clawed back), so only the period needs the donations; when it holds all of the fund's
    donations the matches are read by project alone, sparing a join over millions of rows.
    They are then found through the (programme, project, donor) index, by every programme
    and each of the fund's projects: no index leads with the project, and a scan of every
    fund's matches costs about twice as much."""
    start, end = local_bounds(date_from, date_to)
    first, last = dbsession.execute(
        sa.select(sa.func.min(Donation.received_at), sa.func.max(Donation.received_at)).where(
            Donation.fund_id == fund_id
        )
    ).one()
    groups = [Match.project_id, Match.programme_id, Match.binding_limit, Match.status]
    amounts = (sa.func.count(), sa.func.sum(Match.amount_fen))
    if first is not None and start <= first and last < end:
        projects = dbsession.scalars(sa.select(Project.id).where(Project.fund_id == fund_id))
        programmes = dbsession.scalars(sa.select(MatchingProgramme.id))
        query = (
            sa.select(*groups, sa.literal(True), *amounts)
            .where(Match.programme_id.in_(programmes.all()), Match.project_id.in_(projects.all()))
            .group_by(*groups)
        )
    else:
        live = Donation.refunded_at.is_(None)
        query = (
            sa.select(*groups, live, *amounts)
            .join(Donation, Donation.id == Match.donation_id)
            .where(*donations_in(fund_id, date_from, date_to))
            .group_by(*groups, live)
        )
    query = query.where(Match.status != MatchStatus.CLAWED_BACK)
    return [tuple(row) for row in dbsession.execute(query)]


def matches_by_sponsor(dbsession: Session, cells: list[tuple], totals: Totals):
    """Per sponsor and level: the matches on the period's effective donations (provisional
    and settled, not clawed back: `match_cells`) and the match income the ledger shows for
    the period."""
    programmes = {
        i: (sponsor, str(level))
        for i, sponsor, level in dbsession.execute(
            sa.select(MatchingProgramme.id, MatchingProgramme.sponsor, MatchingProgramme.level)
        )
    }
    rows: dict = {}
    for _, programme_id, _, status, _, _, fen in cells:
        values = rows.setdefault(programmes[programme_id], {"matched_fen": 0, "settled_fen": 0})
        values["matched_fen"] += int(fen or 0)
        if status == MatchStatus.SETTLED:
            values["settled_fen"] += int(fen or 0)
    levels = {sponsor: level for sponsor, level in programmes.values()}
    for sponsor, (debit, credit) in totals.sponsors.items():
        key = (sponsor, str(levels.get(sponsor, "")))
        rows.setdefault(key, {"matched_fen": 0, "settled_fen": 0})["posted_fen"] = credit - debit
    return [
        {"sponsor": sponsor, "level": level, "posted_fen": 0, **values}
        for (sponsor, level), values in sorted(rows.items())
    ]
