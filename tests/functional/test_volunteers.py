"""Registering, searching and viewing volunteers: ID validation, age rules, masking, and the
audited reveal of a full ID number."""

import sqlalchemy as sa

from tests.factories import login, make_id_number
from volunteer.audit import AuditEntry
from volunteer.volunteers.models import Volunteer


def _register(testapp, district, **fields):
    form = testapp.get("/volunteers/new").forms["register"]
    form["name"] = fields.pop("name", "赵六")
    form["area_id"] = str(fields.pop("area_id", district["community11"].id))
    for key, value in fields.items():
        form[key] = value
    return form.submit(expect_errors=True)


def test_register_derives_sex_and_birth_and_masks(testapp, district, dbsession):
    login(testapp, "street1")
    response = _register(testapp, district, id_number="11010519491231002x", phone="13912345678")
    assert response.status_int == 303
    page = response.follow()
    assert "1101**********002X" in page.text
    assert "11010519491231002X" not in page.text
    assert "139****5678" in page.text
    volunteer = dbsession.scalar(sa.select(Volunteer).where(Volunteer.name == "赵六"))
    assert volunteer.sex == "女"
    assert str(volunteer.birth_date) == "1949-12-31"
    assert b"11010519491231002X" not in volunteer.id_cipher
    assert volunteer.volunteer_no.startswith("ZYZ")


def test_checksum_failure_is_explained(testapp, district):
    login(testapp, "street1")
    response = _register(testapp, district, id_number="370321198911042111")
    assert response.status_int == 400
    assert "校验" in response.text


def test_fifteen_digit_number_is_upgraded(testapp, district, dbsession):
    login(testapp, "street1")
    assert _register(testapp, district, id_number="110105491231002").status_int == 303
    volunteer = dbsession.scalar(sa.select(Volunteer).where(Volunteer.name == "赵六"))
    assert district["vault"].decrypt(volunteer.id_cipher) == "11010519491231002X"


def test_same_id_twice_is_refused(testapp, district):
    login(testapp, "street1")
    assert _register(testapp, district, id_number="11010519491231002X").status_int == 303
    again = _register(testapp, district, name="另一人", id_number="110105 1949 1231 002X")
    assert again.status_int == 400
    assert "已注册" in again.text


def test_under_fourteen_is_refused_and_minor_needs_guardian(testapp, district):
    import datetime as dt

    from volunteer.db import today_local

    login(testapp, "street1")
    today = today_local()
    child = make_id_number(dt.date(today.year - 10, 1, 1))
    response = _register(testapp, district, id_number=child)
    assert response.status_int == 400
    assert "未满 14 周岁" in response.text
    teen = make_id_number(dt.date(today.year - 16, 1, 1))
    assert "监护人" in _register(testapp, district, id_number=teen).text
    ok = _register(
        testapp,
        district,
        name="少年",
        id_number=teen,
        guardian_name="少年之母",
        guardian_consent_on=today.isoformat(),
    )
    assert ok.status_int == 303


def test_street_officer_cannot_register_into_another_street(testapp, district):
    login(testapp, "street1")
    form = testapp.get("/volunteers/new").forms["register"]
    assert str(district["community21"].id) not in [v for v, *_ in form["area_id"].options]


def test_search_by_name_phone_and_full_id(testapp, district):
    login(testapp, "district")
    assert "李一" in testapp.get("/volunteers", {"q": "李"}).text
    assert "李一" in testapp.get("/volunteers", {"q": "13800000001"}).text
    number = district["vault"].decrypt(district["v1"].id_cipher)
    found = testapp.get("/volunteers", {"q": number})
    assert "李一" in found.text
    assert "王二" not in found.text


def test_street_search_sees_only_its_street(testapp, district):
    login(testapp, "street1")
    page = testapp.get("/volunteers")
    assert "李一" in page.text
    assert "王二" not in page.text


def test_reveal_needs_permission_and_is_audited(testapp, district, dbsession):
    volunteer = district["v1"]
    login(testapp, "street1")
    detail = testapp.get(f"/volunteers/{volunteer.id}")
    assert "查看完整号码" not in detail.text
    testapp.post(
        f"/volunteers/{volunteer.id}/reveal",
        {"csrf_token": testapp.cookies["csrf_token"]},
        status=403,
    )
    testapp.reset()
    login(testapp, "district")
    page = testapp.get(f"/volunteers/{volunteer.id}").forms["reveal"].submit()
    number = district["vault"].decrypt(volunteer.id_cipher)
    assert number in page.text
    entry = dbsession.scalar(sa.select(AuditEntry).where(AuditEntry.action == "pii.reveal"))
    assert entry.entity_id == str(volunteer.id)
    assert entry.actor_name == "district"


def test_registration_is_audited(testapp, district, dbsession):
    login(testapp, "street1")
    _register(testapp, district, id_number="11010519491231002X")
    entry = dbsession.scalar(sa.select(AuditEntry).where(AuditEntry.action == "volunteer.register"))
    assert entry.actor_name == "street1"
    assert "id_cipher" not in entry.after
    assert entry.after["name"] == "赵六"
