"""Service certificates: a volunteer issues one from approved hours only; anyone verifies it by
code and sees a masked name; other people's certificates are not found."""

from tests.factories import login, make_record
from volunteer.volunteers.models import Certificate, RecordStatus


def test_volunteer_issues_and_anyone_verifies(testapp, district, dbsession):
    make_record(
        dbsession,
        district["v1"],
        district["a1"],
        minutes=150,
        days_ago=3,
        status=RecordStatus.APPROVED,
    )
    make_record(
        dbsession, district["v1"], district["a1"], minutes=60, days_ago=2
    )  # pending: not counted
    login(testapp, "vol1")
    page = testapp.get("/me").forms["certificate"].submit(status=303).follow()
    certificate = dbsession.query(Certificate).one()
    assert certificate.approved_minutes == 150
    assert certificate.record_count == 1
    assert certificate.number in page.text
    assert "2.5" in page.text
    testapp.reset()
    verified = testapp.get("/verify", {"code": certificate.verify_code.lower()})
    assert "证明有效" in verified.text
    assert "李*" in verified.text
    assert "未找到" in testapp.get("/verify", {"code": "NOPE"}).text


def test_no_certificate_without_approved_hours(testapp, district):
    login(testapp, "vol1")
    response = testapp.get("/me").forms["certificate"].submit(expect_errors=True)
    assert response.status_int == 400
    assert "暂无已审核通过" in response.text


def test_other_volunteers_certificate_is_not_found(testapp, district, dbsession):
    from volunteer.audit import AuditLog
    from volunteer.volunteers.certificates import CertificateService

    make_record(dbsession, district["v2"], district["a2"], status=RecordStatus.APPROVED)
    other = CertificateService(dbsession, AuditLog(dbsession, None, "test")).issue(
        district["v2"], None
    )
    login(testapp, "vol1")
    testapp.get(f"/certificates/{other.id}", status=404)
