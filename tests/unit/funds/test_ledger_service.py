"""Ledger invariants through the service and the database: every entry balances, a balance is
the sum of the entries, corrections are reversals only, locked periods refuse postings, and
the hash chain exposes tampering done behind the application's back with raw SQL."""

import datetime as dt

import pytest
import sqlalchemy as sa

from tests.factories import funds_services, make_donation
from volunteer.errors import Conflict, ValidationFailed
from volunteer.funds import ledger_rules
from volunteer.funds.ledger import Posting, balances
from volunteer.funds.ledger_models import EntryKind, LedgerEntry, LedgerIsAppendOnly, LedgerLine
from volunteer.funds.ledger_rules import Account, Line
from volunteer.funds.ledger_verify import verify_ledger

DAY = dt.date(2024, 4, 8)


def _post(ledger, fund, amount=10_000, day=DAY, lines=None):
    return ledger.post(
        Posting(
            fund_id=fund.id,
            kind=EntryKind.DONATION,
            lines=lines or ledger_rules.donation_received(amount, fund.restricted),
            posted_on=day,
            memo="测试",
        )
    )


def test_entries_balance_and_chain(dbsession, tree):
    ledger = funds_services(dbsession)["ledger"]
    first = _post(ledger, tree["fund"], 10_000)
    second = _post(ledger, tree["fund"], 2_50)
    other = _post(ledger, tree["fund2"], 7_00)
    assert (first.seq, second.seq, other.seq) == (1, 2, 1)
    assert first.prev_hash == ledger_rules.GENESIS_HASH
    assert second.prev_hash == first.hash
    assert other.prev_hash == ledger_rules.GENESIS_HASH
    for entry in (first, second, other):
        assert sum(li.debit_fen for li in entry.lines) == sum(li.credit_fen for li in entry.lines)
    assert verify_ledger(dbsession) == []


def test_unbalanced_entry_is_refused(dbsession, tree):
    ledger = funds_services(dbsession)["ledger"]
    lines = [Line(Account.CASH, 100, 0), Line(Account.DONATION_INCOME_RESTRICTED, 0, 99)]
    with pytest.raises(ValidationFailed, match="借贷不平衡"):
        _post(ledger, tree["fund"], lines=lines)
    assert dbsession.scalar(sa.select(sa.func.count(LedgerEntry.id))) == 0


def test_balance_is_the_sum_of_entries(dbsession, tree):
    for amount in (10_000, 2_50, 33_33):
        make_donation(dbsession, tree["p1"], amount)
    totals = balances(dbsession, tree["fund"].id)
    assert totals[Account.CASH] == 10_000 + 2_50 + 33_33
    assert totals[Account.DONATION_INCOME_RESTRICTED] == 10_000 + 2_50 + 33_33
    debits, credits = dbsession.execute(
        sa.select(sa.func.sum(LedgerLine.debit_fen), sa.func.sum(LedgerLine.credit_fen))
    ).one()
    assert debits == credits


def test_reversal_is_the_only_correction(dbsession, tree):
    ledger = funds_services(dbsession)["ledger"]
    entry = _post(ledger, tree["fund"], 5_00)
    reversal = ledger.reverse(entry, "录入错误")
    assert reversal.reverses_entry_id == entry.id
    assert balances(dbsession, tree["fund"].id)[Account.CASH] == 0
    with pytest.raises(Conflict):
        ledger.reverse(entry, "再冲一次")
    entry.memo = "改一改"
    with pytest.raises(LedgerIsAppendOnly):
        dbsession.flush()


def test_orm_refuses_update_and_delete(dbsession, tree):
    ledger = funds_services(dbsession)["ledger"]
    entry = _post(ledger, tree["fund"], 5_00)
    with pytest.raises(LedgerIsAppendOnly):
        dbsession.execute(sa.update(LedgerLine).values(debit_fen=1))
    with pytest.raises(LedgerIsAppendOnly):
        dbsession.execute(sa.delete(LedgerEntry).where(LedgerEntry.id == entry.id))
    dbsession.delete(entry.lines[0])
    with pytest.raises(LedgerIsAppendOnly):
        dbsession.flush()


def test_locked_period_refuses_posting(dbsession, tree):
    ledger = funds_services(dbsession)["ledger"]
    ledger.lock_period(tree["fund"].id, dt.date(2024, 4, 30))
    with pytest.raises(Conflict, match="已锁定"):
        _post(ledger, tree["fund"], day=DAY)
    _post(ledger, tree["fund"], day=dt.date(2024, 5, 1))
    _post(ledger, tree["fund2"], day=DAY)  # another fund is not locked
    ledger.lock_period(None, dt.date(2024, 3, 31))
    with pytest.raises(Conflict):
        _post(ledger, tree["fund2"], day=dt.date(2024, 3, 1))
    with pytest.raises(Conflict, match="只能向后"):
        ledger.lock_period(tree["fund"].id, dt.date(2024, 4, 1))


def test_donation_into_locked_period_is_refused(dbsession, tree):
    funds_services(dbsession)["ledger"].lock_period(None, dt.date(2024, 12, 31))
    with pytest.raises(Conflict):
        make_donation(dbsession, tree["p1"], 1_00)


def test_verify_detects_raw_sql_tampering(dbsession, tree):
    ledger = funds_services(dbsession)["ledger"]
    entries = [_post(ledger, tree["fund"], amount) for amount in (1_00, 2_00, 3_00, 4_00)]
    assert verify_ledger(dbsession) == []
    connection = dbsession.connection()
    connection.execute(
        sa.text("UPDATE ledger_lines SET debit_fen = 999 WHERE entry_id = :id AND line_no = 1"),
        {"id": entries[1].id},
    )
    broken = verify_ledger(dbsession)
    assert [b.entry_id for b in broken] == [entries[1].id]
    # Dropping the last entry means moving the head's pointer too; its hash still tells.
    connection.execute(
        sa.text("UPDATE ledger_heads SET entry_id = :prev WHERE fund_id = :fund"),
        {"prev": entries[2].id, "fund": tree["fund"].id},
    )
    connection.execute(
        sa.text("DELETE FROM ledger_lines WHERE entry_id = :id"), {"id": entries[3].id}
    )
    connection.execute(sa.text("DELETE FROM ledger_entries WHERE id = :id"), {"id": entries[3].id})
    broken = verify_ledger(dbsession)
    assert entries[1].id in {b.entry_id for b in broken}
    assert any("链尾" in b.reason for b in broken)


def test_verify_detects_a_removed_middle_entry(dbsession, tree):
    ledger = funds_services(dbsession)["ledger"]
    entries = [_post(ledger, tree["fund"], amount) for amount in (1_00, 2_00, 3_00)]
    connection = dbsession.connection()
    connection.execute(
        sa.text("DELETE FROM ledger_lines WHERE entry_id = :id"), {"id": entries[1].id}
    )
    connection.execute(sa.text("DELETE FROM ledger_entries WHERE id = :id"), {"id": entries[1].id})
    assert [b.entry_id for b in verify_ledger(dbsession)] == [entries[2].id]
