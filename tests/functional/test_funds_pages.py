"""The funds pages through the WSGI app: lists scoped to the street, recording and refunding a
donation, a programme created, changed and settled, maker-checker disbursements, period locks
and the chain check."""

import datetime as dt

import pytest
import sqlalchemy as sa

from tests.factories import login, make_fund_world
from volunteer.funds.ledger_models import EntryKind, LedgerEntry
from volunteer.funds.models import Donation


@pytest.fixture
def world(district, dbsession):
    district["s1"] = make_fund_world(dbsession, district["community11"], "S1")
    district["s2"] = make_fund_world(dbsession, district["community21"], "S2")
    return district


def test_street_staff_see_only_their_funds(testapp, world):
    login(testapp, "street1")
    page = testapp.get("/funds")
    assert world["s1"]["fund"].name in page.text
    assert world["s2"]["fund"].name not in page.text
    fund = testapp.get(f"/funds/{world['s1']['fund'].id}")
    assert "1,000.00" in fund.text


def test_record_a_donation_with_its_matches(testapp, world, dbsession):
    login(testapp, "street1")
    project = world["s1"]["project"]
    form = testapp.get(f"/projects/{project.id}/donate").forms["donate"]
    form["receipt_no"] = "WX-0001"
    form["donor_name"] = "张三"
    form["amount"] = "1,000.00"
    form["received_at"] = "2024-04-08T10:30"
    response = form.submit(status=303).follow()
    assert "1,000.00" in response.text
    assert "500.00" in response.text  # the programme's ratio 0.5
    donation = dbsession.scalar(sa.select(Donation).where(Donation.receipt_no == "WX-0001"))
    assert donation.amount_fen == 1000_00
    assert donation.received_at == dt.datetime(2024, 4, 8, 2, 30, tzinfo=dt.UTC)
    assert "按比例" in testapp.get(f"/projects/{project.id}").text


def test_bad_amount_is_a_400(testapp, world):
    login(testapp, "street1")
    form = testapp.get(f"/projects/{world['s1']['project'].id}/donate").forms["donate"]
    form["receipt_no"], form["donor_name"], form["received_at"] = "X1", "李四", "2024-04-08T10:30"
    form["amount"] = "10.005"
    assert form.submit(expect_errors=True).status_int == 400


def test_refund_a_donation(testapp, world, dbsession):
    login(testapp, "street1")
    donation = world["s1"]["donation"]
    form = testapp.get(f"/donations/{donation.id}").forms["refund"]
    form["reason"] = "捐赠人申请退回"
    page = form.submit(status=303).follow()
    assert "已退款" in page.text or "捐赠人申请退回" in page.text
    assert donation.refunded_at is not None
    assert donation.flag_refund_after_match


def test_programme_create_edit_settle(testapp, world, dbsession):
    login(testapp, "district")
    form = testapp.get("/programmes/new").forms["programme"]
    form["code"], form["name"], form["sponsor"] = "CITY-1", "宜昌市配捐", "宜昌市慈善总会"
    form["level"], form["ratio"], form["pool"] = "city", "0.2", "100,000"
    form["per_project_cap"] = "150"
    form["starts_at"], form["ends_at"] = "2024-01-01T00:00", "2025-01-01T00:00"
    page = form.submit(status=303).follow()
    assert "300.00" in page.text  # two projects: 1,000 yuan × 0.2 = 200, capped at 150 each
    edit = page.click("修改").forms["programme"]
    edit["ratio"] = "0.1"
    page = edit.submit(status=303).follow()
    assert "200.00" in page.text
    page = page.forms["settle"].submit(status=303).follow()
    assert "已结算" in page.text
    entries = dbsession.scalars(
        sa.select(LedgerEntry).where(LedgerEntry.kind == EntryKind.MATCH_RECEIVABLE)
    ).all()
    assert sorted(e.lines[0].debit_fen for e in entries) == [100_00, 100_00]
    assert {e.lines[0].sponsor for e in entries} == {"宜昌市慈善总会"}


def test_street_staff_cannot_manage_programmes(testapp, world):
    login(testapp, "street1")
    assert testapp.get("/programmes/new", expect_errors=True).status_int == 403


def test_disbursement_maker_checker(testapp, world):
    fund = world["s1"]["fund"]
    login(testapp, "street1")
    form = testapp.get(f"/funds/{fund.id}/disbursements/new").forms["disbursement"]
    form["purpose"], form["amount"], form["beneficiary"] = "困难家庭救助", "300", "王五"
    form["expense_class"] = "relief"
    page = form.submit(status=303).follow()
    refused = page.forms["approve"].submit(expect_errors=True)
    assert refused.status_int == 409
    assert "不能审批自己" in refused.text
    testapp.reset()
    login(testapp, "district")
    page = testapp.get(page.request.path)
    page = page.forms["approve"].submit(status=303).follow()
    assert "已批准" in page.text
    fund_page = testapp.get(f"/funds/{fund.id}")
    assert "700.00" in fund_page.text


def test_disbursement_over_the_balance_is_refused(testapp, world):
    login(testapp, "street1")
    form = testapp.get(f"/funds/{world['s1']['fund'].id}/disbursements/new").forms["disbursement"]
    form["purpose"], form["amount"], form["beneficiary"] = "超额", "1,000.01", "王五"
    assert form.submit(expect_errors=True).status_int == 409


def test_locked_period_refuses_a_back_dated_donation(testapp, world):
    login(testapp, "district")
    fund = world["s1"]["fund"]
    lock = testapp.get(f"/funds/{fund.id}").forms["lock"]
    lock["locked_until"] = "2024-06-30"
    lock.submit(status=303)
    form = testapp.get(f"/projects/{world['s1']['project'].id}/donate").forms["donate"]
    form["receipt_no"], form["donor_name"], form["amount"] = "LATE-1", "赵六", "10"
    form["received_at"] = "2024-06-30T23:59"
    response = form.submit(expect_errors=True)
    assert response.status_int == 409
    assert "已锁定" in response.text


def test_verify_page(testapp, world):
    login(testapp, "auditor")
    page = testapp.get(f"/funds/{world['s1']['fund'].id}/verify")
    assert "哈希链完整" in page.text
