"""The auditor's fund report on the web: the page and the download are open to the auditor
(and identical when fetched twice), the JSON API serves the CLI contracts, a street officer
cannot reach another street's fund, and every write an auditor attempts is refused."""

import hashlib

import pytest

from tests.factories import csrf, login, make_user
from tests.fund_fixtures import stacked_scenario
from volunteer.authz import Role


@pytest.fixture
def world(dbsession):
    tree = stacked_scenario(dbsession)
    tree["auditor"] = make_user(dbsession, "auditor", Role.AUDITOR)
    tree["street2"] = make_user(dbsession, "street2", Role.STREET_STAFF, area_id=tree["street2"].id)
    return tree


QUERY = {"fund": "F-11", "from": "2024-01-01", "to": "2024-12-31"}


def test_auditor_reads_page_and_downloads(testapp, world):
    login(testapp, "auditor")
    home = testapp.get("/funds")
    assert "基金报告" in home.text
    page = testapp.get("/reports/fund-statement", params=QUERY)
    assert "宜昌市西陵区慈善会第1-1社区慈善基金" in page.text
    assert "760.00" in page.text
    assert "一致" in page.text
    first = testapp.get("/reports/fund-statement.xlsx", params=QUERY)
    assert first.content_type.endswith("spreadsheetml.sheet")
    assert "filename*=UTF-8''F-11_2024-01-01_2024-12-31" in first.headers["Content-Disposition"]
    second = testapp.get("/reports/fund-statement.xlsx", params=QUERY)
    assert hashlib.sha256(first.body).digest() == hashlib.sha256(second.body).digest()


def test_json_api_contracts(testapp, world):
    login(testapp, "auditor")
    matching = testapp.get("/api/reports/matching", params={"programme": "M-P"}).json
    assert matching["total_matched_fen"] == 2_000
    assert len(matching["matches"]) == 5
    statement = testapp.get("/api/reports/fund-statement", params=QUERY).json
    assert (statement["opening_fen"], statement["receipts_fen"], statement["closing_fen"]) == (
        0,
        76_000,
        76_000,
    )
    testapp.get("/api/reports/nope", status=400)
    testapp.get("/api/reports/fund-statement", params={"fund": "F-11", "from": "x"}, status=400)


def test_street_officer_cannot_read_another_streets_fund(testapp, world):
    login(testapp, "street2")
    testapp.get("/api/reports/fund-statement", params=QUERY, status=404)
    testapp.get("/reports/fund-statement.xlsx", params=QUERY, status=404)


def test_anonymous_is_sent_to_login(testapp, world):
    response = testapp.get("/api/reports/fund-statement", params=QUERY, status=303)
    assert "/login" in response.location


def test_auditor_cannot_write(testapp, world):
    login(testapp, "auditor")
    token = csrf(testapp)
    donation = world["donations"]["D1"]
    writes = [
        f"/donations/{donation.id}/refund",
        f"/api/donations/{donation.id}/refund",
        f"/programmes/{world['city'].id}/settle",
        f"/api/programmes/{world['city'].id}/settle",
        f"/funds/{world['fund'].id}/lock",
        f"/disbursements/{world['disbursement'].id}/approve",
        "/imports/confirm",
    ]
    for url in writes:
        response = testapp.post(url, {"csrf_token": token, "reason": "x"}, status="*")
        assert response.status_int in (403, 404), (url, response.status)
        assert response.status_int != 404 or url.startswith("/imports")
