"""The web import flow through the WSGI app: upload → dry run → preview → confirm, the error
report round trip, refusals, confirm bound to the file and the user, street scoping, and the
batch list with revoke. Jobs run inline here (the test session hook), in the test's
transaction; tests/functional/test_imports_background.py covers the threaded runner."""

from __future__ import annotations

import io
import re
from types import SimpleNamespace

import pytest
import sqlalchemy as sa
import webtest
from openpyxl import load_workbook

from tests.factories import login, make_user
from tests.samples_build import person, sample, seed_xiling
from volunteer.areas.models import Area, Organisation
from volunteer.audit import AuditEntry
from volunteer.authz import Role
from volunteer.spreadsheets.models import BatchStatus, ImportBatch
from volunteer.volunteers.models import ServiceRecord

# WebOb copies request bodies over 10 KB to a temporary file (pyramid_retry makes the body
# seekable) and never closes it; the garbage collector does. Not ours to fix.
pytestmark = pytest.mark.filterwarnings(
    "ignore:Exception ignored in. <_io.FileIO:pytest.PytestUnraisableExceptionWarning"
)


@pytest.fixture(autouse=True, name="upload_dir")
def upload_dir_fixture(app, tmp_path, monkeypatch):
    folder = tmp_path / "uploads"
    monkeypatch.setitem(app.registry.settings, "volunteer.upload_dir", str(folder))
    return folder


@pytest.fixture(name="xiling")
def xiling_fixture(dbsession, app):
    seed_xiling(dbsession, app.registry["pii_vault"], app.registry.settings)
    areas = {a.name: a for a in dbsession.scalars(sa.select(Area))}
    sunshine = dbsession.scalar(sa.select(Organisation).where(Organisation.name.like("%阳光%")))
    users = {
        "district": make_user(dbsession, "district", Role.DISTRICT_STAFF),
        "xiling": make_user(dbsession, "xiling", Role.STREET_STAFF, area_id=areas["西陵街道"].id),
        "xueyuan": make_user(dbsession, "xueyuan", Role.STREET_STAFF, area_id=areas["学院街道"].id),
        "org": make_user(dbsession, "orgstaff", Role.ORG_STAFF, organisation_id=sunshine.id),
    }
    return SimpleNamespace(areas=areas, users=users)


def records(dbsession, *where) -> int:
    query = sa.select(sa.func.count()).select_from(ServiceRecord).where(*where)
    return dbsession.scalar(query)


def upload(testapp, name: str, kind: str = "hours", content: bytes | None = None, status=303):
    form = testapp.get("/imports").forms["upload"]
    form["kind"] = kind
    path = sample(name)
    form["file"] = webtest.Upload(path.name, path.read_bytes() if content is None else content)
    response = form.submit(status=status)
    return response.follow() if status == 303 else response


def counts(page) -> list[str]:
    return [card.text for card in page.html.select("#counts .card .big")]


def errors_table(page) -> list[list[str]]:
    return [[td.text for td in tr.select("td")] for tr in page.html.select("#errors tr")[1:]]


def test_upload_page_offers_kinds_and_their_templates(testapp, xiling):
    login(testapp, "district")
    page = testapp.get("/imports")
    kinds = [o[0] for o in page.forms["upload"]["kind"].options]
    assert {"areas", "organisations", "volunteers", "hours"} <= set(kinds)
    template = page.click(href="/imports/templates/hours.xlsx")
    assert template.content_type.endswith("spreadsheetml.sheet")
    assert "filename*=UTF-8''%E5%BF%97" in template.headers["Content-Disposition"]
    assert load_workbook(io.BytesIO(template.body)).sheetnames[1:] == ["填写说明", "字典"]


def test_dry_run_previews_then_confirm_writes_in_one_go(testapp, xiling, dbsession):
    login(testapp, "district")
    page = upload(testapp, "hours_messy")
    assert counts(page) == ["7", "7", "0", "0", "0"]
    assert "已忽略的列：序号" in page.text
    assert "第 13 行（合计行）" in page.text
    assert records(dbsession) == 0  # the dry run wrote nothing
    done = page.forms["confirm"].submit(status=303).follow()
    assert "已导入，导入批次 #" in done.text
    assert records(dbsession) == 7
    again = upload(testapp, "hours_messy")
    assert counts(again) == ["7", "0", "0", "7", "0"]
    assert "confirm" not in again.forms
    assert "没有需要写入的数据" in again.text


@pytest.mark.parametrize("name", ["hours_messy.xls", "hours_messy.ods"])
def test_wps_xls_and_ods_files_are_read(testapp, xiling, name):
    login(testapp, "district")
    assert counts(upload(testapp, name)) == ["7", "7", "0", "0", "0"]


def test_preview_lists_row_errors_with_excel_row_column_value_reason(testapp, xiling, dbsession):
    login(testapp, "district")
    page = upload(testapp, "hours_errors")
    table = errors_table(page)
    assert ["6", "姓名", "张三", "姓名与名册不一致（名册中为「张秀英」）"] in table
    assert [r[0] for r in table] == ["2", "4", "5", "6", "7", "8", "9", "10"]
    assert "confirm" not in page.forms
    assert records(dbsession) == 0


def test_error_report_can_be_fixed_and_uploaded_again(testapp, xiling, dbsession):
    login(testapp, "district")
    page = upload(testapp, "hours_errors")
    report = page.click(linkid="error-report")
    assert "filename*=UTF-8''hours_errors_" in report.headers["Content-Disposition"]
    workbook = load_workbook(io.BytesIO(report.body))
    sheet = workbook.active
    headers = [c.value for c in sheet[1]]
    assert headers[-1] == "错误原因"
    assert sheet.max_row == 10  # every data row, so the fixed report is the complete file
    column = {h: i for i, h in enumerate(headers)}
    fixes = {
        "证件号码被 Excel": ("证件号码", person(0)[1]),
        "与第 3 行重复": ("服务日期", "2024-04-03"),
        "姓名与名册不一致": ("姓名", "张秀英"),
        "年、月、日的顺序": ("服务日期", "2024-04-08"),
        "日期不存在": ("服务日期", "2024-02-29"),
        "服务时长无法识别": ("服务时长(小时)", 2),
        "晚于今天": ("服务日期", "2024-04-04"),
    }
    for row in list(sheet.iter_rows(min_row=2)):
        reason = row[-1].value or ""
        for marker, (header, value) in fixes.items():
            if marker in reason:
                row[column[header]].value = value
    unknown = next(r for r in sheet.iter_rows(min_row=2) if "未在志愿者名册" in (r[-1].value or ""))
    sheet.delete_rows(unknown[0].row)
    fixed = io.BytesIO()
    workbook.save(fixed)
    again = upload(testapp, "hours_errors", content=fixed.getvalue())
    assert counts(again) == ["8", "8", "0", "0", "0"]
    again.forms["confirm"].submit(status=303)
    assert records(dbsession) == 8


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("not_a_spreadsheet", "这是 PDF 文件，不是 Excel 表格"),
        ("zip_bomb", "疑似“压缩炸弹”"),
    ],
)
def test_refused_files_are_named_for_what_they_are(testapp, xiling, name, message):
    login(testapp, "district")
    assert message in upload(testapp, name, status=400).text


def test_missing_required_column_refuses_the_file_naming_it(testapp, xiling):
    login(testapp, "district")
    page = upload(testapp, "hours_missing_column")
    assert page.html.select_one("#refused").text == "缺少必填列：服务日期"


def test_upload_size_cap_comes_from_settings(testapp, xiling, app, monkeypatch):
    monkeypatch.setitem(app.registry.settings, "volunteer.upload_max_bytes", "4096")
    login(testapp, "district")
    assert "文件过大" in upload(testapp, "hours", status=400).text


def test_confirm_is_bound_to_the_users_own_upload(testapp, xiling, dbsession):
    login(testapp, "district")
    form = upload(testapp, "hours").forms["confirm"]
    sha, token = form["sha256"].value, form["csrf_token"].value
    assert len(sha) == 64
    testapp.reset()
    login(testapp, "xiling")
    token = testapp.cookies["csrf_token"]
    refused = testapp.post(
        "/imports/confirm", {"csrf_token": token, "sha256": sha, "kind": "hours"}, status=400
    )
    assert "找不到您上传的这个文件" in refused.text
    assert records(dbsession) == 0


def test_confirm_refuses_a_file_changed_after_the_dry_run(testapp, xiling, dbsession, upload_dir):
    login(testapp, "district")
    form = upload(testapp, "hours").forms["confirm"]
    (stored,) = upload_dir.glob(f"*/{form['sha256'].value}.xlsx")
    stored.write_bytes(sample("hours_streets").read_bytes())
    assert "文件在校验后被改动过" in form.submit(status=400).text
    assert records(dbsession) == 0


def test_street_staff_rows_for_another_street_are_row_errors(testapp, xiling, dbsession):
    login(testapp, "xiling")
    page = upload(testapp, "hours_streets")
    table = errors_table(page)
    assert [r[0] for r in table] == ["4", "5"]
    assert all(r[1] == "所属组织" and "不在您的管辖范围内" in r[3] for r in table)
    testapp.reset()
    login(testapp, "district")
    assert counts(upload(testapp, "hours_streets")) == ["4", "4", "0", "0", "0"]


def test_progress_endpoint_and_jobs_belong_to_their_user(testapp, xiling):
    login(testapp, "district")
    page = upload(testapp, "hours")
    job_url = page.request.path
    assert testapp.get(job_url + "/progress").json == {"state": "done", "rows": 22, "message": ""}
    testapp.reset()
    login(testapp, "xiling")
    testapp.get(job_url, status=404)
    testapp.get(job_url + "/progress", status=404)


def _import(testapp, name: str) -> int:
    done = upload(testapp, name).forms["confirm"].submit(status=303).follow()
    return int(re.search(r"导入批次 #(\d+)", done.text)[1])


def test_batch_revoke_voids_the_batch_records_and_is_audited(testapp, xiling, dbsession):
    login(testapp, "district")
    batch_id = _import(testapp, "hours")
    page = testapp.get("/imports/batches")
    row = page.html.select("#batches tr")[1].text
    assert f"#{batch_id}" in row
    assert "hours.xlsx" in row
    assert "district" in row
    form = page.forms[f"revoke-{batch_id}"]
    form["reason"] = ""
    assert "请填写撤销原因" in form.submit(status=400).text
    form["reason"] = "整批录入重复"
    form.submit(status=303)
    batch = dbsession.get(ImportBatch, batch_id)
    assert batch.status is BatchStatus.REVOKED
    assert batch.revoke_reason == "整批录入重复"
    assert records(dbsession, ServiceRecord.batch_id == batch_id) == 22
    assert records(dbsession, ServiceRecord.voided_at.is_(None)) == 0
    entry = dbsession.scalar(sa.select(AuditEntry).where(AuditEntry.action == "import.revoke"))
    assert entry.entity_id == str(batch_id)
    assert entry.after["voided"] == 22
    assert "已撤销" in testapp.get("/imports/batches").text


def test_batches_are_listed_and_revoked_within_the_street(testapp, xiling, dbsession):
    login(testapp, "district")
    district_batch = _import(testapp, "hours_streets")
    testapp.reset()
    login(testapp, "xiling")
    street_batch = _import(testapp, "hours_messy")
    listed = testapp.get("/imports/batches").text
    assert f"#{street_batch}" in listed
    assert f"#{district_batch}" not in listed
    token = testapp.cookies["csrf_token"]
    testapp.post(
        f"/imports/batches/{district_batch}/revoke",
        {"csrf_token": token, "reason": "x"},
        status=404,
    )
    testapp.reset()
    login(testapp, "xueyuan")
    assert f"#{street_batch}" not in testapp.get("/imports/batches").text
    token = testapp.cookies["csrf_token"]
    testapp.post(
        f"/imports/batches/{street_batch}/revoke", {"csrf_token": token, "reason": "x"}, status=404
    )
    testapp.reset()
    login(testapp, "district")
    listed = testapp.get("/imports/batches").text
    assert f"#{street_batch}" in listed
    assert f"#{district_batch}" in listed


def test_org_staff_may_import_but_not_revoke(testapp, xiling, app):
    login(testapp, "orgstaff")
    page = upload(testapp, "hours_messy")
    assert counts(page) == ["7", "7", "0", "0", "0"]
    assert "revoke" not in testapp.get("/imports/batches").text
