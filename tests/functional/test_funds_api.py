"""The funds JSON API: reads in scope, a donation recorded with its matches, a programme
created and settled, CSRF by header, and domain errors as JSON."""

import pytest

from tests.factories import login, make_fund_world


@pytest.fixture
def world(district, dbsession):
    district["s1"] = make_fund_world(dbsession, district["community11"], "S1")
    district["s2"] = make_fund_world(dbsession, district["community21"], "S2")
    return district


def _post(testapp, path, body, status):
    return testapp.post_json(
        path, body, headers={"X-CSRF-Token": testapp.cookies["csrf_token"]}, status=status
    )


def test_funds_are_scoped(testapp, world):
    login(testapp, "street1")
    codes = [f["code"] for f in testapp.get("/api/funds").json["funds"]]
    assert codes == ["S1-F"]
    fund = testapp.get(f"/api/funds/{world['s1']['fund'].id}").json
    assert fund["balances_fen"]["cash"] == 1000_00
    assert fund["entries"][0]["kind"] == "donation"
    testapp.get(f"/api/funds/{world['s2']['fund'].id}", status=404)


def test_record_donation_and_read_it_back(testapp, world):
    login(testapp, "street1")
    body = {
        "receipt_no": "API-1",
        "donor_name": "王五",
        "donor_key": "wx:wangwu",
        "amount": "¥250.50",
        "received_at": "2024-04-09 08:00",
        "project": "S1-P",
        "channel": "腾讯公益",
    }
    created = _post(testapp, "/api/donations", body, 201).json
    assert created["amount_fen"] == 250_50
    assert created["received_at"] == "2024-04-09T00:00:00+00:00"
    assert created["matches"] == [
        {"programme": "S1-M", "matched_fen": 125_25, "limit": "ratio", "status": "provisional"}
    ]
    project = testapp.get(f"/api/projects/{world['s1']['project'].id}").json
    assert {d["receipt_no"] for d in project["donations"]} == {"S1-R1", "API-1"}
    again = _post(testapp, "/api/donations", {**body, "amount": "300"}, 409).json
    assert "已登记" in again["error"]


def test_csrf_header_is_required(testapp, world):
    login(testapp, "street1")
    testapp.post_json("/api/donations", {"receipt_no": "X"}, status=400)


def test_other_streets_project_is_refused(testapp, world):
    login(testapp, "street1")
    body = {"receipt_no": "API-2", "donor_name": "王五", "amount": "10",
            "received_at": "2024-04-09 08:00", "project": "S2-P"}  # fmt: skip
    assert "不在本辖区" in _post(testapp, "/api/donations", body, 400).json["error"]


def test_programme_create_and_settle(testapp, world):
    login(testapp, "district")
    body = {
        "code": "PROV-1",
        "name": "省级配捐",
        "sponsor": "湖北省慈善总会",
        "level": "province",
        "ratio": "0.1",
        "pool": "1,000",
        "per_donation_cap": "50",
        "starts_at": "2024-01-01 00:00",
        "ends_at": "2025-01-01 00:00",
        "priority": 1,
    }
    created = _post(testapp, "/api/programmes", body, 201).json
    detail = testapp.get(f"/api/programmes/{created['id']}").json
    assert detail["matched_fen"] == 50_00 + 50_00  # two 1,000-yuan donations, capped at 50
    assert detail["pool_remaining_fen"] == 1000_00 - 100_00
    settled = _post(testapp, f"/api/programmes/{created['id']}/settle", {}, 200).json
    assert settled["status"] == "settled"
    assert len(settled["entries"]) == 2
    refund = _post(
        testapp, f"/api/donations/{world['s1']['donation'].id}/refund", {"reason": "退回"}, 200
    ).json
    assert {m["programme"]: m["status"] for m in refund["matches"]}["PROV-1"] == "clawed_back"
