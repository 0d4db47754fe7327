"""Disbursements, maker-checker: the requester cannot approve, approval posts the entry and
cannot spend more than the fund has; and auditors, through any service, change nothing."""

import datetime as dt

import pytest

from tests.factories import funds_services, make_donation, make_programme, make_user
from volunteer.authz import Role
from volunteer.errors import Conflict, NotAllowed, ValidationFailed
from volunteer.funds.disbursements import DisbursementInput, available_fen
from volunteer.funds.donations import DonationInput
from volunteer.funds.funds import FundInput, ProjectInput
from volunteer.funds.ledger import balances
from volunteer.funds.ledger_rules import Account
from volunteer.funds.ledger_verify import verify_ledger
from volunteer.funds.models import DisbursementStatus, ExpenseClass


def _request(services, fund, amount, project=None):
    return services["disbursements"].request(
        DisbursementInput(
            fund_id=fund.id,
            amount_fen=amount,
            expense_class=ExpenseClass.ELDERLY,
            purpose="高龄老人助餐",
            project_id=project.id if project else None,
            voucher_no="PZ-2024-001",
        )
    )


@pytest.fixture
def staff(dbsession, tree):
    return {
        "maker": make_user(dbsession, "maker", Role.STREET_STAFF, area_id=tree["street1"].id),
        "checker": make_user(dbsession, "checker", Role.DISTRICT_STAFF),
        "auditor": make_user(dbsession, "auditor", Role.AUDITOR),
    }


def test_maker_cannot_check(dbsession, tree, staff):
    make_donation(dbsession, tree["p1"], 1000_00)
    maker = funds_services(dbsession, staff["maker"])
    request = _request(maker, tree["fund"], 300_00, tree["p1"])
    with pytest.raises(Conflict, match="不能审批自己"):
        maker["disbursements"].approve(request)
    checker = funds_services(dbsession, staff["checker"])
    checker["disbursements"].approve(request, "同意")
    assert request.status is DisbursementStatus.APPROVED
    totals = balances(dbsession, tree["fund"].id)
    assert totals[Account.CASH] == 700_00
    assert totals[Account.PROGRAMME_EXPENSE] == 300_00
    # A restricted fund's spending releases the restriction in the same entry.
    assert totals[Account.RESTRICTED_NET_ASSETS] == -300_00
    assert totals[Account.UNRESTRICTED_NET_ASSETS] == 300_00
    assert available_fen(dbsession, tree["fund"]) == 700_00
    with pytest.raises(Conflict, match="已处理"):
        checker["disbursements"].approve(request)
    assert verify_ledger(dbsession) == []


def test_cannot_exceed_available_balance(dbsession, tree, staff):
    make_donation(dbsession, tree["p1"], 500_00)
    maker = funds_services(dbsession, staff["maker"])
    with pytest.raises(Conflict, match="可用余额"):
        _request(maker, tree["fund"], 500_01, tree["p1"])
    first = _request(maker, tree["fund"], 400_00, tree["p1"])
    second = _request(maker, tree["fund"], 200_00, tree["p1"])
    checker = funds_services(dbsession, staff["checker"])
    checker["disbursements"].approve(first)
    with pytest.raises(Conflict, match="可用余额"):
        checker["disbursements"].approve(second)
    checker["disbursements"].reject(second, "余额不足，请调整金额")
    assert second.status is DisbursementStatus.REJECTED


def test_settled_match_not_yet_received_is_not_spendable(dbsession, tree, staff):
    programme = make_programme(dbsession, "A", ratio="1")
    make_donation(dbsession, tree["p1"], 100_00)
    funds_services(dbsession)["programmes"].settle(programme)
    assert balances(dbsession, tree["fund"].id)[Account.MATCH_RECEIVABLE] == 100_00
    assert available_fen(dbsession, tree["fund"]) == 100_00


def test_request_needs_a_project_of_the_fund_or_a_beneficiary(dbsession, tree, staff):
    make_donation(dbsession, tree["p1"], 100_00)
    maker = funds_services(dbsession, staff["maker"])
    with pytest.raises(ValidationFailed):
        _request(maker, tree["fund"], 10_00)
    with pytest.raises(ValidationFailed):
        _request(maker, tree["fund"], 10_00, tree["p3"])


def test_auditor_changes_nothing(dbsession, tree, staff):
    make_donation(dbsession, tree["p1"], 100_00)
    request = _request(funds_services(dbsession, staff["maker"]), tree["fund"], 10_00, tree["p1"])
    programme = make_programme(dbsession, "A", ratio="1")
    auditor = funds_services(dbsession, staff["auditor"])
    donation = DonationInput(
        receipt_no="AUD-1",
        donor_name="审计",
        amount_fen=1_00,
        received_at=dt.datetime(2024, 4, 8, tzinfo=dt.UTC),
        project_id=tree["p1"].id,
    )
    attempts = [
        lambda: auditor["donations"].record(donation),
        lambda: auditor["funds"].create_fund(
            FundInput(code="X", community_id=tree["community12"].id)
        ),
        lambda: auditor["funds"].create_project(ProjectInput("X", "X", tree["fund"].id)),
        lambda: auditor["programmes"].settle(programme),
        lambda: _request(auditor, tree["fund"], 10_00, tree["p1"]),
        lambda: auditor["disbursements"].approve(request),
        lambda: auditor["ledger"].lock_period(None, dt.date(2024, 1, 1)),
    ]
    for attempt in attempts:
        with pytest.raises(NotAllowed):
            attempt()
