"""The export page through the WSGI app: roster, service records (by area, organisation and
period) and the yearly hours summary; masked by default, revealed only for `pii:reveal` and
audited; formulas neutralised; a Chinese file name; and export → import changing nothing."""

from __future__ import annotations

import io
from urllib.parse import quote

import pytest
import sqlalchemy as sa
from openpyxl import load_workbook

from tests.factories import login, make_volunteer
from tests.functional import test_imports_web
from tests.functional.test_imports_web import counts, upload
from tests.samples_build import PEOPLE, person, sample
from volunteer.areas.models import Organisation
from volunteer.audit import SYSTEM_ACTOR, AuditEntry, AuditLog
from volunteer.authz import SYSTEM_SCOPE
from volunteer.db import today_local
from volunteer.spreadsheets.import_run import run_import
from volunteer.spreadsheets.importing import ImportContext
from volunteer.volunteers.models import RecordStatus, ServiceRecord

pytestmark = pytest.mark.filterwarnings(
    "ignore:Exception ignored in. <_io.FileIO:pytest.PytestUnraisableExceptionWarning"
)

# The Xiling district fixtures, shared by name.
upload_dir_fixture = test_imports_web.upload_dir_fixture
xiling_fixture = test_imports_web.xiling_fixture


@pytest.fixture
def hours(xiling, dbsession, app):
    """The clean hours sample and the messy roster (a remark starting with `=`) imported."""
    settings, vault = app.registry.settings, app.registry["pii_vault"]
    audit = AuditLog(dbsession, None, SYSTEM_ACTOR)
    ctx = ImportContext(dbsession, SYSTEM_SCOPE, audit, vault, settings, today_local())
    for name, kind in (("hours", "hours"), ("volunteers_messy", "volunteers")):
        assert run_import(ctx, sample(name), kind).committed
    return xiling


def export(testapp, status=200, **fields):
    form = testapp.get("/exports").forms["export"]
    for name, value in fields.items():
        form[name] = value
    return form.submit(status=status)


def rows_of(response) -> tuple[list, list[dict]]:
    sheet = load_workbook(io.BytesIO(response.body)).active
    values = list(sheet.iter_rows(values_only=True))
    return list(values[0]), [dict(zip(values[0], row, strict=True)) for row in values[1:]]


def audits(dbsession, action) -> list[AuditEntry]:
    return list(dbsession.scalars(sa.select(AuditEntry).where(AuditEntry.action == action)))


def test_roster_is_masked_by_default_with_a_chinese_file_name(testapp, hours, dbsession):
    login(testapp, "district")
    response = export(testapp, kind="volunteers")
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith("attachment; ")
    assert f"filename*=UTF-8''{quote('志愿者名册_')}" in disposition
    _, rows = rows_of(response)
    assert len(rows) == len(PEOPLE) + 5
    assert all("*" in r["证件号码"] for r in rows)
    lina = next(r for r in rows if r["姓名"] == "李娜")
    assert lina["手机号"] == "139****0001"
    (entry,) = audits(dbsession, "export")
    assert entry.after["unmasked"] is False


def test_reveal_needs_the_permission_and_is_audited(testapp, hours, dbsession):
    login(testapp, "district")
    assert "导出完整证件号码（需权限，记入审计）" in testapp.get("/exports").text
    _, rows = rows_of(export(testapp, kind="volunteers", reveal=True))
    assert next(r for r in rows if r["姓名"] == "李娜")["证件号码"] == person(0)[1]
    assert len(audits(dbsession, "export.reveal")) == 1
    testapp.reset()
    login(testapp, "xiling")
    assert "导出完整证件号码" not in testapp.get("/exports").text
    token = testapp.cookies["csrf_token"]
    refused = testapp.post(
        "/exports/download", {"csrf_token": token, "kind": "volunteers", "reveal": "1"}, status=403
    )
    assert "没有导出完整证件号码和手机号的权限" in refused.text
    assert len(audits(dbsession, "export.reveal")) == 1


def test_street_staff_export_only_their_street(testapp, hours):
    login(testapp, "xiling")
    _, rows = rows_of(export(testapp, kind="volunteers"))
    assert {r["街道"] for r in rows} == {"西陵街道"}
    outside = hours.areas["学院街道"].id
    token = testapp.cookies["csrf_token"]
    testapp.post(
        "/exports/download",
        {"csrf_token": token, "kind": "volunteers", "area": str(outside)},
        status=400,
    )


def test_formulas_are_neutralised(testapp, hours, dbsession, app):
    vault = app.registry["pii_vault"]
    make_volunteer(dbsession, vault, hours.areas["胜利四路社区"], name="=cmd|' /C calc'!A0")
    login(testapp, "district")
    response = export(testapp, kind="volunteers")
    sheet = load_workbook(io.BytesIO(response.body)).active
    cells = {c.value: c for row in sheet.iter_rows() for c in row if isinstance(c.value, str)}
    assert "'=cmd|' /C calc'!A0" in cells
    assert cells["'=cmd|' /C calc'!A0"].data_type == "s"
    assert "'=1+2 不是公式" in cells
    assert not any(v.startswith("=") for v in cells)


def test_records_filtered_by_organisation_area_and_period(testapp, hours, dbsession):
    login(testapp, "district")
    red_vest = dbsession.scalar(sa.select(Organisation).where(Organisation.name.like("%红马甲%")))
    _, rows = rows_of(export(testapp, kind="hours", organisation=str(red_vest.id)))
    assert [r["活动名称"] for r in rows] == ["垃圾分类宣传"] * 3
    _, rows = rows_of(export(testapp, kind="hours", area=str(hours.areas["云集街道"].id)))
    assert [r["姓名"] for r in rows] == ["吴强"]
    _, rows = rows_of(export(testapp, kind="hours", date_from="2024-04-08", date_to="2024-04-10"))
    assert len(rows) == 6
    assert all("*" in r["证件号码"] for r in rows)


def test_hours_summary_by_volunteer_and_month(testapp, hours, dbsession):
    dbsession.execute(sa.update(ServiceRecord).values(status=RecordStatus.APPROVED))
    login(testapp, "district")
    headers, rows = rows_of(export(testapp, kind="hours-summary", year="2024"))
    assert headers[-1] == "2024年合计(小时)"
    lina = next(r for r in rows if r["姓名"] == "李娜")
    assert float(lina["4月(小时)"]) == 7.5
    assert float(lina["2024年合计(小时)"]) == 7.5
    assert "*" in lina["证件号码"]


@pytest.mark.parametrize(("kind", "rows"), [("volunteers", len(PEOPLE) + 5), ("hours", 22)])
def test_export_then_import_changes_nothing(testapp, hours, kind, rows):
    login(testapp, "district")
    exported = export(testapp, kind=kind).body
    page = upload(testapp, "hours", kind=kind, content=exported)
    assert counts(page) == [str(rows), "0", "0", str(rows), "0"]
