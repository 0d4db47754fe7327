"""Double-entry rules for a community charity sub-fund: the chart, the entries, the hash chain.

This module owns what an entry may look like — which accounts exist and on which side they
normally sit, which lines each business event posts, that every entry balances — and the
tamper-evident chain over stored entries. It is pure: the ledger service stores the lines,
chains the hashes, and never builds lines itself.

The chart follows 《民间非营利组织会计制度》 in the small: income is restricted or unrestricted
(限定性/非限定性), spending restricted money for its purpose releases the restriction, money only
passing through the fund is 受托代理 and never income. Amounts are integer fen.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from typing import NamedTuple

from volunteer.funds.ledger_chain import GENESIS_HASH as GENESIS_HASH
from volunteer.funds.ledger_chain import ChainPayloadError as ChainPayloadError
from volunteer.funds.ledger_chain import canonical_json as canonical_json
from volunteer.funds.ledger_chain import entry_hash as entry_hash
from volunteer.funds.ledger_chain import lines_payload as lines_payload
from volunteer.funds.ledger_chain import verify_chain as verify_chain


class Side(StrEnum):
    DEBIT = "debit"
    CREDIT = "credit"


class AccountClass(StrEnum):
    ASSET = "asset"
    LIABILITY = "liability"
    NET_ASSETS = "net_assets"
    INCOME = "income"
    EXPENSE = "expense"


class Account(StrEnum):
    CASH = "cash"
    MATCH_RECEIVABLE = "match_receivable"
    PASS_THROUGH_ASSET = "pass_through_asset"  # noqa: S105 - 受托代理, not a password
    REFUNDS_PAYABLE = "refunds_payable"
    PASS_THROUGH_LIABILITY = "pass_through_liability"  # noqa: S105 - same
    RESTRICTED_NET_ASSETS = "restricted_net_assets"
    UNRESTRICTED_NET_ASSETS = "unrestricted_net_assets"
    DONATION_INCOME_RESTRICTED = "donation_income_restricted"
    DONATION_INCOME_UNRESTRICTED = "donation_income_unrestricted"
    MATCH_INCOME_RESTRICTED = "match_income_restricted"
    MATCH_INCOME_UNRESTRICTED = "match_income_unrestricted"
    PROGRAMME_EXPENSE = "programme_expense"


class AccountInfo(NamedTuple):
    label: str
    account_class: AccountClass
    normal_side: Side


_A, _L, _N = AccountClass.ASSET, AccountClass.LIABILITY, AccountClass.NET_ASSETS
_I, _E = AccountClass.INCOME, AccountClass.EXPENSE
_DR, _CR = Side.DEBIT, Side.CREDIT

CHART: dict[Account, AccountInfo] = {
    Account.CASH: AccountInfo("银行存款", _A, _DR),
    Account.MATCH_RECEIVABLE: AccountInfo("应收配捐款", _A, _DR),
    Account.PASS_THROUGH_ASSET: AccountInfo("受托代理资产", _A, _DR),
    Account.REFUNDS_PAYABLE: AccountInfo("应付捐赠退款", _L, _CR),
    Account.PASS_THROUGH_LIABILITY: AccountInfo("受托代理负债", _L, _CR),
    Account.RESTRICTED_NET_ASSETS: AccountInfo("限定性净资产", _N, _CR),
    Account.UNRESTRICTED_NET_ASSETS: AccountInfo("非限定性净资产", _N, _CR),
    Account.DONATION_INCOME_RESTRICTED: AccountInfo("捐赠收入-限定性", _I, _CR),
    Account.DONATION_INCOME_UNRESTRICTED: AccountInfo("捐赠收入-非限定性", _I, _CR),
    Account.MATCH_INCOME_RESTRICTED: AccountInfo("配捐收入-限定性", _I, _CR),
    Account.MATCH_INCOME_UNRESTRICTED: AccountInfo("配捐收入-非限定性", _I, _CR),
    Account.PROGRAMME_EXPENSE: AccountInfo("业务活动成本", _E, _DR),
}
ACCOUNT_LABELS: dict[Account, str] = {account: info.label for account, info in CHART.items()}


class UnbalancedEntry(ValueError):
    """An entry that is not a valid double entry (the message is shown to staff)."""


@dataclass(frozen=True)
class Line:
    """One side of an entry: exactly one of the amounts is positive."""

    account: Account
    debit_fen: int
    credit_fen: int
    sponsor: str | None = None


def validate_entry(lines: Sequence[Line]) -> None:
    """Raise `UnbalancedEntry` unless the lines form one balanced double entry."""
    if len(lines) < 2:
        raise UnbalancedEntry("一笔分录至少需要一借一贷两行")
    for number, line in enumerate(lines, start=1):
        if line.account not in CHART:
            raise UnbalancedEntry(f"第 {number} 行的科目不存在：{line.account!r}")
        for amount in (line.debit_fen, line.credit_fen):
            # bool is an int subclass; True fen is a bug, not one fen.
            if type(amount) is not int or amount < 0:
                raise UnbalancedEntry(f"第 {number} 行的金额必须是非负整数（分）")
        if line.debit_fen and line.credit_fen:
            raise UnbalancedEntry(f"第 {number} 行不能同时有借方和贷方金额")
        if not (line.debit_fen or line.credit_fen):
            raise UnbalancedEntry(f"第 {number} 行金额为零")
    debits = sum(line.debit_fen for line in lines)
    credits = sum(line.credit_fen for line in lines)
    if debits != credits:
        raise UnbalancedEntry(f"借贷不平衡：借方合计 {debits} 分，贷方合计 {credits} 分")


def _dr(account: Account, amount_fen: int, sponsor: str | None = None) -> Line:
    return Line(account, amount_fen, 0, sponsor)


def _cr(account: Account, amount_fen: int, sponsor: str | None = None) -> Line:
    return Line(account, 0, amount_fen, sponsor)


def _entry(*lines: Line) -> list[Line]:
    entry = list(lines)
    validate_entry(entry)
    return entry


def _donation_income(restricted: bool) -> Account:
    if restricted:
        return Account.DONATION_INCOME_RESTRICTED
    return Account.DONATION_INCOME_UNRESTRICTED


def donation_received(amount_fen: int, restricted: bool) -> list[Line]:
    """A donation arrives in the bank: Dr 银行存款, Cr 捐赠收入."""
    return _entry(_dr(Account.CASH, amount_fen), _cr(_donation_income(restricted), amount_fen))


def match_receivable(amount_fen: int, restricted: bool, sponsor: str) -> list[Line]:
    """A programme is settled: the sponsor owes the match. Dr 应收配捐款, Cr 配捐收入."""
    income = Account.MATCH_INCOME_RESTRICTED if restricted else Account.MATCH_INCOME_UNRESTRICTED
    return _entry(
        _dr(Account.MATCH_RECEIVABLE, amount_fen, sponsor), _cr(income, amount_fen, sponsor)
    )


def match_received(amount_fen: int, sponsor: str) -> list[Line]:
    """The sponsor pays what it owes: Dr 银行存款, Cr 应收配捐款."""
    return _entry(
        _dr(Account.CASH, amount_fen, sponsor), _cr(Account.MATCH_RECEIVABLE, amount_fen, sponsor)
    )


def disbursement(amount_fen: int, restricted: bool) -> list[Line]:
    """Money spent on the project: Dr 业务活动成本, Cr 银行存款.

    Spending restricted money on its purpose meets the restriction, so the same entry also
    reclassifies that much from restricted to unrestricted net assets (the expense is borne by
    unrestricted net assets under the 制度).
    """
    lines = [_dr(Account.PROGRAMME_EXPENSE, amount_fen), _cr(Account.CASH, amount_fen)]
    if restricted:
        lines += release_restriction(amount_fen)
    return _entry(*lines)


def refund(amount_fen: int, restricted: bool) -> list[Line]:
    """A donation refund is approved: Dr 捐赠收入, Cr 应付捐赠退款 (paid by `refund_paid`).

    Two steps because approval and the bank transfer happen on different days, and auditors
    want to see refunds approved but not yet paid.
    """
    return _entry(
        _dr(_donation_income(restricted), amount_fen), _cr(Account.REFUNDS_PAYABLE, amount_fen)
    )


def refund_paid(amount_fen: int) -> list[Line]:
    """The approved refund leaves the bank: Dr 应付捐赠退款, Cr 银行存款."""
    return _entry(_dr(Account.REFUNDS_PAYABLE, amount_fen), _cr(Account.CASH, amount_fen))


def release_restriction(amount_fen: int) -> list[Line]:
    """The restriction is met or lifted: Dr 限定性净资产, Cr 非限定性净资产."""
    return _entry(
        _dr(Account.RESTRICTED_NET_ASSETS, amount_fen),
        _cr(Account.UNRESTRICTED_NET_ASSETS, amount_fen),
    )


def pass_through_received(amount_fen: int) -> list[Line]:
    """Money held only on someone's behalf (受托代理) comes in: never income."""
    return _entry(
        _dr(Account.PASS_THROUGH_ASSET, amount_fen),
        _cr(Account.PASS_THROUGH_LIABILITY, amount_fen),
    )


def pass_through_paid(amount_fen: int) -> list[Line]:
    """The pass-through money goes on to its beneficiary."""
    return _entry(
        _dr(Account.PASS_THROUGH_LIABILITY, amount_fen),
        _cr(Account.PASS_THROUGH_ASSET, amount_fen),
    )


def reversal(lines: Sequence[Line]) -> list[Line]:
    """The correcting entry for `lines`: every debit becomes a credit and vice versa."""
    return _entry(
        *(Line(line.account, line.credit_fen, line.debit_fen, line.sponsor) for line in lines)
    )


def balances(lines: Iterable[Line]) -> dict[Account, int]:
    """Each account's balance, positive on its normal side (assets debit, income credit)."""
    totals: dict[Account, int] = {}
    for line in lines:
        signed = line.debit_fen - line.credit_fen
        if CHART[line.account].normal_side is Side.CREDIT:
            signed = -signed
        totals[line.account] = totals.get(line.account, 0) + signed
    return totals


def period_is_locked(posting_date: date, locked_until: date | None) -> bool:
    """True when `posting_date` (a Shanghai calendar date) falls in a locked period.

    `locked_until` is the last locked day, inclusive: locking through 2024-06-30 closes June.
    """
    if isinstance(posting_date, datetime) or isinstance(locked_until, datetime):
        raise TypeError("记账日期须为日期（上海时区），不能是时间")
    return locked_until is not None and posting_date <= locked_until
