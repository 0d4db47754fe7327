"""Service hours through the pages: roster entry under the rules, the approval queue, bulk
review, voiding, and what a volunteer sees of it."""

import datetime as dt

import sqlalchemy as sa

from tests.factories import login, make_record
from volunteer.db import today_local
from volunteer.volunteers.models import RecordStatus, ServiceRecord


def _roster(testapp, activity, rows, day=None):
    form = testapp.get(f"/activities/{activity.id}").forms["roster"]
    form["service_date"] = (day or today_local() - dt.timedelta(days=1)).isoformat()
    for i, (number, hours) in enumerate(rows):
        form.set("volunteer_no", number, index=i)
        form.set("hours", hours, index=i)
    return form.submit(expect_errors=True)


def test_roster_entry_creates_pending_records(testapp, district, dbsession):
    login(testapp, "street1")
    response = _roster(testapp, district["a1"], [(district["v1"].volunteer_no, "2.5")])
    assert response.status_int == 303
    record = dbsession.scalar(sa.select(ServiceRecord))
    assert record.minutes == 150
    assert record.status is RecordStatus.PENDING


def test_duplicate_same_day_same_activity_is_refused(testapp, district, dbsession):
    login(testapp, "street1")
    number = district["v1"].volunteer_no
    assert _roster(testapp, district["a1"], [(number, "2")]).status_int == 303
    again = _roster(testapp, district["a1"], [(number, "1")])
    assert again.status_int == 400
    assert "已有「一街道助老」的服务记录" in again.text


def test_future_date_and_zero_hours_refused(testapp, district):
    login(testapp, "street1")
    number = district["v1"].volunteer_no
    future = _roster(
        testapp, district["a1"], [(number, "2")], day=today_local() + dt.timedelta(days=3)
    )
    assert future.status_int == 400
    assert _roster(testapp, district["a1"], [(number, "0")]).status_int == 400


def test_roster_is_all_or_nothing(testapp, district, dbsession):
    login(testapp, "street1")
    rows = [(district["v1"].volunteer_no, "2"), (district["v1"].volunteer_no, "23")]
    assert _roster(testapp, district["a1"], rows).status_int == 400
    assert dbsession.scalar(sa.select(sa.func.count(ServiceRecord.id))) == 0


def test_other_streets_volunteer_cannot_be_entered(testapp, district):
    login(testapp, "street1")
    response = _roster(testapp, district["a1"], [(district["v2"].volunteer_no, "2")])
    assert response.status_int == 400


def test_approval_flow_and_stars_count_only_approved(testapp, district, dbsession):
    v1, a1 = district["v1"], district["a1"]
    approved = make_record(dbsession, v1, a1, minutes=100 * 60 - 1, days_ago=3)
    pending = make_record(dbsession, v1, a1, minutes=60, days_ago=2)
    approved.status = RecordStatus.APPROVED
    dbsession.flush()
    login(testapp, "vol1")
    me = testapp.get("/me")
    assert "99.98" in me.text
    assert "未评星" in me.text
    testapp.reset()
    login(testapp, "street1")
    queue = testapp.get("/records/pending")
    form = queue.forms["review"]
    form.set("record_id", True, index=0)
    form.submit("decision", value="approve", status=303)
    assert pending.status is RecordStatus.APPROVED
    assert pending.reviewed_by is not None
    testapp.reset()
    login(testapp, "vol1")
    me = testapp.get("/me")
    assert "100.98" in me.text
    assert "一星" in me.text


def test_reject_needs_a_reason(testapp, district, dbsession):
    record = make_record(dbsession, district["v1"], district["a1"])
    login(testapp, "street1")
    token = testapp.cookies["csrf_token"]
    testapp.post(
        "/records/review",
        {"csrf_token": token, "record_id": record.id, "decision": "reject"},
        status=400,
    )
    testapp.post(
        "/records/review",
        {"csrf_token": token, "record_id": record.id, "decision": "reject", "note": "时长不符"},
        status=303,
    )
    assert record.status is RecordStatus.REJECTED


def test_reviewing_twice_is_a_conflict(testapp, district, dbsession):
    record = make_record(dbsession, district["v1"], district["a1"], status=RecordStatus.APPROVED)
    login(testapp, "street1")
    token = testapp.cookies["csrf_token"]
    testapp.post("/records/review", {"csrf_token": token, "record_id": record.id}, status=409)


def test_void_keeps_the_record_with_reason(testapp, district, dbsession):
    record = make_record(dbsession, district["v1"], district["a1"], status=RecordStatus.APPROVED)
    login(testapp, "street1")
    token = testapp.cookies["csrf_token"]
    testapp.post(f"/records/{record.id}/void", {"csrf_token": token, "reason": ""}, status=400)
    testapp.post(
        f"/records/{record.id}/void", {"csrf_token": token, "reason": "重复录入"}, status=303
    )
    assert record.voided_at is not None
    assert record.void_reason == "重复录入"
    assert dbsession.get(ServiceRecord, record.id) is not None


def test_volunteer_sees_only_own_records(testapp, district, dbsession):
    make_record(dbsession, district["v1"], district["a1"], status=RecordStatus.APPROVED)
    make_record(dbsession, district["v2"], district["a2"], status=RecordStatus.APPROVED)
    login(testapp, "vol1")
    page = testapp.get("/me")
    assert "一街道助老" in page.text
    assert "二街道环保" not in page.text
    assert testapp.get(f"/volunteers/{district['v2'].id}", expect_errors=True).status_int in (
        403,
        404,
    )


def test_dashboard_shows_per_capita_hours(testapp, district, dbsession):
    record = make_record(
        dbsession, district["v1"], district["a1"], minutes=300, status=RecordStatus.APPROVED
    )
    login(testapp, "street1")
    page = testapp.get("/dashboard", {"year": record.service_date.year})
    # Street 1 has one registered volunteer with 5 approved hours: 5.0 per head against 25.
    assert "人均时长" in page.text
    assert ">5.0<" in page.text
    assert "/ 25 小时" in page.text
