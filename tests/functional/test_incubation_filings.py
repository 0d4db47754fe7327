"""Filings and the organisation register through the pages: the filing workflow keeps the
organisation's status in step, overdue annual reports are listed, streets see their own, and
the register, case list and call exports open in openpyxl with formulas neutralised."""

import datetime as dt
import io
from urllib.parse import quote

import openpyxl
import sqlalchemy as sa

from tests.factories import login
from tests.unit.incubation.factories import make_call, make_case, make_filing, make_proposal
from volunteer.areas.models import RegistrationStatus
from volunteer.audit import AuditEntry
from volunteer.db import today_local
from volunteer.incubation.filing_rules import FilingState
from volunteer.incubation.models import Filing
from volunteer.incubation.proposal_rules import ProposalState
from volunteer.incubation.workflow import CaseState


def _act(testapp, filing, action, comment=""):
    return testapp.post(
        f"/incubation/filings/{filing.id}/advance",
        {"csrf_token": testapp.cookies["csrf_token"], "action": action, "comment": comment},
        expect_errors=True,
    )


def test_filing_workflow_updates_the_register(testapp, district, dbsession):
    team = district["team1"]
    login(testapp, "org1")
    form = testapp.get("/incubation/filings").forms["filing-new"]
    form["organisation_id"] = str(team.id)
    form.submit(status=303)
    filing = dbsession.scalar(sa.select(Filing))
    assert _act(testapp, filing, "submit").status_int == 303
    assert _act(testapp, filing, "street_approve").status_int == 403
    login(testapp, "street1")
    assert _act(testapp, filing, "street_approve").status_int == 303
    assert _act(testapp, filing, "file").status_int == 403
    login(testapp, "district")
    assert _act(testapp, filing, "file").status_int == 303
    assert filing.state is FilingState.FILED
    assert team.registration is RegistrationStatus.FILED
    change = _act(testapp, filing, "record_change")
    assert change.status_int == 409
    assert "请写明变更事项" in change.text
    assert _act(testapp, filing, "record_change", "负责人变更为王五").status_int == 303
    register = testapp.get(f"/incubation/organisations/{team.id}")
    assert "已备案" in register.text
    assert _act(testapp, filing, "revoke", "连续两年未报送年报").status_int == 303
    assert team.registration is RegistrationStatus.UNFILED
    page = testapp.get(f"/incubation/filings/{filing.id}")
    assert "负责人变更为王五" in page.text
    assert "已撤销" in page.text
    audited = dbsession.scalars(sa.select(AuditEntry.action)).all()
    assert "incubation.filing.file" in audited
    assert "organisation.registration" in audited


def test_overdue_annual_reports(testapp, district, dbsession):
    filed_on = dt.date(today_local().year - 2, 3, 1)
    filing = make_filing(dbsession, district["team1"], state=FilingState.FILED, filed_on=filed_on)
    make_filing(dbsession, district["team2"], state=FilingState.FILED, filed_on=filed_on)
    login(testapp, "street1")
    overdue = testapp.get("/incubation/filings").html.find(id="overdue-reports").get_text()
    assert str(filed_on.year) in overdue
    assert district["team1"].name in overdue
    assert district["team2"].name not in overdue  # another street's
    form = testapp.get(f"/incubation/filings/{filing.id}").forms["filing-report"]
    form["year"] = str(filed_on.year)
    form["submitted_on"] = dt.date(filed_on.year + 1, 4, 30).isoformat()
    form.submit(status=303)
    rows = testapp.get("/incubation/filings").html.find(id="overdue-reports").find_all("tr")
    years = [tr.find_all("td")[1].get_text() for tr in rows[1:] if len(tr.find_all("td")) == 4]
    assert str(filed_on.year) not in years


def test_register_and_registration_by_district(testapp, district, dbsession):
    make_case(dbsession, district["team1"], CaseState.GRADUATED)
    login(testapp, "street1")
    register = testapp.get("/incubation/organisations")
    assert "已出壳" in register.text
    assert district["team2"].name not in register.text
    path = f"/incubation/organisations/{district['team1'].id}/register"
    token = testapp.cookies["csrf_token"]
    assert testapp.post(path, {"csrf_token": token}, expect_errors=True).status_int == 403
    login(testapp, "district")
    testapp.post(path, {"csrf_token": testapp.cookies["csrf_token"]}, status=303)
    assert district["team1"].registration is RegistrationStatus.REGISTERED
    login(testapp, "auditor")
    testapp.get("/incubation/organisations", status=200)
    testapp.post(path, {"csrf_token": testapp.cookies["csrf_token"]}, status=403)


def _workbook(response):
    assert response.content_type.endswith("spreadsheetml.sheet")
    return openpyxl.load_workbook(io.BytesIO(response.body))


def test_exports_open_and_neutralise_formulas(testapp, district, dbsession):
    district["team1"].name = '=HYPERLINK("http://evil.example","点我")'
    make_case(dbsession, district["team1"], CaseState.INCUBATING)
    call = make_call(dbsession, district["district"], name="=1+1 创投")
    make_proposal(
        dbsession,
        call,
        district["team1"],
        title="@SUM(A1)",
        state=ProposalState.APPROVED,
        approved_fen=100_000,
    )
    dbsession.flush()
    login(testapp, "auditor")
    register = testapp.get("/incubation/organisations/export.xlsx")
    assert f"filename*=UTF-8''{quote('社会组织名录')}" in register.headers["Content-Disposition"]
    names = [row[0] for row in _workbook(register).active.iter_rows(min_row=2, values_only=True)]
    assert '\'=HYPERLINK("http://evil.example","点我")' in names
    cases = _workbook(testapp.get("/incubation/cases/export.xlsx")).active
    assert cases.cell(2, 2).value.startswith("'=")
    ranking = testapp.get(f"/incubation/calls/{call.id}/export")
    assert "attachment;" in ranking.headers["Content-Disposition"]
    book = _workbook(ranking)
    assert book.sheetnames == ["评审排名", "资助项目"]
    awards = list(book["资助项目"].iter_rows(min_row=2, values_only=True))
    assert awards[0][0] == "'@SUM(A1)"
    assert float(awards[0][2]) == 1000.0
    exports = dbsession.scalars(
        sa.select(AuditEntry.entity_id).where(AuditEntry.action == "export")
    )
    assert set(exports) >= {"organisation_register", "incubation_cases", "call_ranking"}
