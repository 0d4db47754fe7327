"""Double-entry rules: every builder balances, reversals cancel, the hash chain catches tampering."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from volunteer.funds.ledger_rules import (
    ACCOUNT_LABELS,
    CHART,
    GENESIS_HASH,
    Account,
    AccountClass,
    ChainPayloadError,
    Line,
    Side,
    UnbalancedEntry,
    balances,
    canonical_json,
    disbursement,
    donation_received,
    entry_hash,
    lines_payload,
    match_receivable,
    match_received,
    pass_through_paid,
    pass_through_received,
    period_is_locked,
    refund,
    refund_paid,
    release_restriction,
    reversal,
    validate_entry,
    verify_chain,
)

amounts = st.integers(1, 10**14)
flags = st.booleans()
sponsors = st.sampled_from(["湖北省慈善总会", "宜昌市慈善总会", "企业A"])
entries = st.one_of(
    st.builds(donation_received, amounts, flags),
    st.builds(match_receivable, amounts, flags, sponsors),
    st.builds(match_received, amounts, sponsors),
    st.builds(disbursement, amounts, flags),
    st.builds(refund, amounts, flags),
    st.builds(refund_paid, amounts),
    st.builds(release_restriction, amounts),
    st.builds(pass_through_received, amounts),
    st.builds(pass_through_paid, amounts),
)


def test_chart_is_complete_and_labelled_in_chinese():
    assert set(CHART) == set(Account)
    assert ACCOUNT_LABELS[Account.CASH] == "银行存款"
    assert ACCOUNT_LABELS[Account.DONATION_INCOME_RESTRICTED] == "捐赠收入-限定性"
    for info in CHART.values():
        debit_normal = info.account_class in (AccountClass.ASSET, AccountClass.EXPENSE)
        assert info.normal_side == (Side.DEBIT if debit_normal else Side.CREDIT)


@given(entries)
def test_every_builder_balances(lines):
    validate_entry(lines)
    assert sum(line.debit_fen for line in lines) == sum(line.credit_fen for line in lines) > 0


@given(entries)
def test_reversal_nets_to_zero(lines):
    reversed_ = reversal(lines)
    validate_entry(reversed_)
    assert all(value == 0 for value in balances(lines + reversed_).values())
    assert reversal(reversed_) == lines


def test_donation_and_match_flow_hand_computed():
    journal = (
        donation_received(100_000, restricted=True)  # 1 000 yuan restricted to the project
        + match_receivable(10_000, restricted=True, sponsor="湖北省慈善总会")
        + match_received(10_000, sponsor="湖北省慈善总会")
        + disbursement(60_000, restricted=True)
        + refund(5_000, restricted=True)
        + refund_paid(5_000)
        + pass_through_received(30_000)
    )
    assert balances(journal) == {
        # 100 000 + 10 000 − 60 000 − 5 000
        Account.CASH: 45_000,
        Account.MATCH_RECEIVABLE: 0,  # owed, then paid
        Account.DONATION_INCOME_RESTRICTED: 95_000,  # 100 000 − 5 000 refunded
        Account.MATCH_INCOME_RESTRICTED: 10_000,
        Account.PROGRAMME_EXPENSE: 60_000,
        # spending restricted money for its purpose releases that much (a debit on a
        # credit-normal account shows as negative until the year-end close)
        Account.RESTRICTED_NET_ASSETS: -60_000,
        Account.UNRESTRICTED_NET_ASSETS: 60_000,
        Account.REFUNDS_PAYABLE: 0,
        Account.PASS_THROUGH_ASSET: 30_000,
        Account.PASS_THROUGH_LIABILITY: 30_000,  # never income
    }
    sponsored = [line for line in journal if line.sponsor]
    assert {line.sponsor for line in sponsored} == {"湖北省慈善总会"}
    assert len(sponsored) == 4


def test_restricted_flag_picks_the_income_account():
    assert donation_received(1, restricted=False)[1].account is Account.DONATION_INCOME_UNRESTRICTED
    assert match_receivable(1, False, "x")[1].account is Account.MATCH_INCOME_UNRESTRICTED
    assert refund(1, restricted=False)[0].account is Account.DONATION_INCOME_UNRESTRICTED
    assert len(disbursement(1, restricted=False)) == 2  # nothing to release


@pytest.mark.parametrize(
    ("lines", "message"),
    [
        ([], "至少"),
        ([Line(Account.CASH, 100, 0)], "至少"),
        ([Line(Account.CASH, 100, 0), Line(Account.PROGRAMME_EXPENSE, 0, 99)], "不平衡"),
        ([Line(Account.CASH, 100, 100), Line(Account.PROGRAMME_EXPENSE, 0, 0)], "同时"),
        ([Line(Account.CASH, 0, 0), Line(Account.PROGRAMME_EXPENSE, 0, 0)], "为零"),
        ([Line(Account.CASH, -5, 0), Line(Account.PROGRAMME_EXPENSE, 0, -5)], "非负整数"),
        ([Line(Account.CASH, 1.0, 0), Line(Account.PROGRAMME_EXPENSE, 0, 1)], "非负整数"),
        ([Line(Account.CASH, True, 0), Line(Account.PROGRAMME_EXPENSE, 0, 1)], "非负整数"),
        ([Line(Account.CASH, Decimal(1), 0), Line(Account.CASH, 0, 1)], "非负整数"),
        ([Line("petty_cash", 1, 0), Line(Account.CASH, 0, 1)], "科目"),
    ],
)
def test_invalid_entries_refused_in_chinese(lines, message):
    with pytest.raises(UnbalancedEntry, match=message):
        validate_entry(lines)


@pytest.mark.parametrize("amount", [0, -1, 1.5])
def test_builders_refuse_non_positive_or_fractional_amounts(amount):
    with pytest.raises(UnbalancedEntry):
        donation_received(amount, restricted=True)


def test_period_lock_is_inclusive_of_its_last_day():
    june_end = date(2024, 6, 30)
    assert period_is_locked(date(2024, 6, 30), june_end)
    assert period_is_locked(date(2024, 1, 1), june_end)
    assert not period_is_locked(date(2024, 7, 1), june_end)
    assert not period_is_locked(date(2024, 7, 1), None)
    with pytest.raises(TypeError):
        period_is_locked(datetime(2024, 7, 1, 9), june_end)  # noqa: DTZ001 - refused either way


# --- hash chain ---------------------------------------------------------------------------


def build_chain(payloads):
    chain, prev = [], GENESIS_HASH
    for payload in payloads:
        digest = entry_hash(prev, payload)
        chain.append((payload, prev, digest))
        prev = digest
    return chain


def journal_payloads():
    return [
        {"no": 1, "date": "2024-05-01", "lines": lines_payload(donation_received(100_000, True))},
        {"no": 2, "date": "2024-05-02", "lines": lines_payload(match_received(10_000, "宜昌"))},
        {"no": 3, "date": "2024-05-03", "lines": lines_payload(disbursement(60_000, True))},
        {"no": 4, "date": "2024-05-04", "memo": "退款", "lines": lines_payload(refund(5, True))},
    ]


def test_intact_chain_verifies():
    assert verify_chain(build_chain(journal_payloads())) == []
    assert verify_chain([]) == []


def test_chain_detects_a_changed_amount():
    chain = build_chain(journal_payloads())
    payload, prev, digest = chain[1]
    tampered = {**payload, "lines": [dict(line) for line in payload["lines"]]}
    tampered["lines"][0]["debit_fen"] += 1
    chain[1] = (tampered, prev, digest)
    assert verify_chain(chain) == [1]


def test_chain_detects_a_removed_entry():
    chain = build_chain(journal_payloads())
    assert verify_chain(chain[1:]) == [0]  # removing the first breaks the genesis link
    del chain[2]
    assert verify_chain(chain) == [2]  # the successor no longer links to its predecessor


def test_chain_detects_a_swapped_order():
    chain = build_chain(journal_payloads())
    chain[1], chain[2] = chain[2], chain[1]
    assert verify_chain(chain) == [1, 2, 3]


def test_chain_detects_a_rehashed_entry_whose_successor_still_points_at_the_old_hash():
    chain = build_chain(journal_payloads())
    payload, prev, _ = chain[0]
    forged = {**payload, "date": "2024-04-30"}
    chain[0] = (forged, prev, entry_hash(prev, forged))
    assert verify_chain(chain) == [1]


def test_canonical_json_is_key_order_free_and_keeps_chinese():
    assert canonical_json({"b": 1, "a": "配捐"}) == '{"a":"配捐","b":1}'
    assert entry_hash(GENESIS_HASH, {"b": 1, "a": 2}) == entry_hash(GENESIS_HASH, {"a": 2, "b": 1})
    assert entry_hash(GENESIS_HASH, {"a": 1}) != entry_hash(GENESIS_HASH, {"a": "1"})


@pytest.mark.parametrize(
    "payload",
    [
        {"amount": 0.1},
        {"lines": [{"debit_fen": 1.0}]},
        {"nested": ({"x": float("nan")},)},
        {"amount": Decimal("0.1")},
        {"when": date(2024, 1, 1)},
        {1: "non-string key"},
    ],
)
def test_chain_refuses_floats_and_unpinned_types(payload):
    with pytest.raises(ChainPayloadError):
        entry_hash(GENESIS_HASH, payload)


def test_malformed_links_are_refused_or_reported():
    with pytest.raises(ValueError, match="64"):
        entry_hash("abc", {"a": 1})
    with pytest.raises(ValueError, match="64"):
        entry_hash("0" * 63 + "G", {"a": 1})
    assert verify_chain([({"a": 1.5}, GENESIS_HASH, "0" * 64)]) == [0]
