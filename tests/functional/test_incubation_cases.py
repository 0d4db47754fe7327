"""Incubation cases through the pages: the workflow walked by the roles that own each step,
an illegal step (409 naming the allowed ones), a role refusal (403), guard failures shown on
the page and returned on submit, history with internal comments, area scoping and auditors."""

import datetime as dt

import sqlalchemy as sa

from tests.factories import login
from tests.unit.incubation.factories import make_case
from volunteer.areas.models import RegistrationStatus
from volunteer.audit import AuditEntry, AuditLog
from volunteer.authz import SYSTEM_SCOPE
from volunteer.db import today_local
from volunteer.incubation.cases import CaseService
from volunteer.incubation.models import CaseEvent, IncubationCase
from volunteer.incubation.workflow import CaseState, IncubationMode


def _act(testapp, case, action, **fields):
    return testapp.post(
        f"/incubation/cases/{case.id}/advance",
        {"csrf_token": testapp.cookies["csrf_token"], "action": action, **fields},
        expect_errors=True,
    )


def _click(testapp, case, action, comment=""):
    form = testapp.get(f"/incubation/cases/{case.id}").forms["case-actions"]
    form["comment"] = comment
    return form.submit("action", value=action, expect_errors=True)


def test_case_walks_from_application_to_graduation(testapp, district, dbsession):
    team = district["team1"]
    login(testapp, "org1")
    form = testapp.get("/incubation/cases/new").forms["case-new"]
    form["organisation_id"] = str(team.id)
    form["purpose"] = "社区老人助餐服务"
    page = form.submit(status=303).follow()
    case = dbsession.scalar(sa.select(IncubationCase))
    assert case.state is CaseState.DRAFT
    assert "草稿" in page.text
    assert _click(testapp, case, "submit").status_int == 303
    assert case.applied_on == today_local()

    login(testapp, "street1")
    assert _click(testapp, case, "screen").status_int == 303
    login(testapp, "district")
    assert _click(testapp, case, "approve").status_int == 303
    details = testapp.get(f"/incubation/cases/{case.id}").forms["case-details"]
    details["mode"] = "virtual"
    details["agreement_signed"] = True
    details.submit(status=303)
    assert _click(testapp, case, "start_incubation").status_int == 303
    assert case.state is CaseState.INCUBATING
    assert case.term_end == today_local() + dt.timedelta(days=365)
    assert _click(testapp, case, "renew").status_int == 303
    assert case.renewals_used == 1
    assert case.term_end == today_local() + dt.timedelta(days=545)

    # Graduation needs a passed final evaluation and the organisation filed or registered.
    refused = _act(testapp, case, "graduate")
    assert refused.status_int == 409
    assert "尚未通过终期评估" in refused.text
    assert "组织尚未备案或登记" in refused.text
    team.registration = RegistrationStatus.FILED
    case.final_evaluation_passed = True
    dbsession.flush()
    assert _click(testapp, case, "graduate").status_int == 303
    assert case.state is CaseState.GRADUATED
    assert case.closed_on == today_local()

    actions = [e.action for e in dbsession.scalars(sa.select(CaseEvent).order_by(CaseEvent.id))]
    assert actions == [
        "create",
        "submit",
        "screen",
        "approve",
        "start_incubation",
        "renew",
        "graduate",
    ]
    audited = dbsession.scalars(
        sa.select(AuditEntry.action).where(AuditEntry.entity == "incubation_case")
    ).all()
    assert "incubation.case.graduate" in audited
    assert "incubation.case.details" in audited
    history = testapp.get(f"/incubation/cases/{case.id}").text
    assert "出壳" in history
    assert "district" in history


def test_midterm_failure_rectification_and_exit(testapp, district, dbsession):
    case = make_case(dbsession, district["team1"], CaseState.MIDTERM, mode=IncubationMode.PHYSICAL)
    login(testapp, "street1")
    no_deadline = _act(testapp, case, "fail_midterm")
    assert no_deadline.status_int == 409
    assert "请设定整改期限" in no_deadline.text
    deadline = (today_local() + dt.timedelta(days=30)).isoformat()
    assert _act(testapp, case, "fail_midterm", rectification_deadline=deadline).status_int == 303
    assert case.state is CaseState.RECTIFICATION
    assert case.rectification_deadline.isoformat() == deadline

    login(testapp, "district")
    early = _act(testapp, case, "begin_exit")
    assert early.status_int == 409
    assert "未到，不能启动退出" in early.text
    login(testapp, "org1")
    assert _act(testapp, case, "submit_rectification").status_int == 303
    login(testapp, "district")
    no_reason = _act(testapp, case, "reject_rectification")
    assert no_reason.status_int == 409
    assert "请填写理由" in no_reason.text
    assert _act(testapp, case, "reject_rectification", comment="整改不到位").status_int == 303
    # A physical case exits only once the space is handed back: the button says why not.
    page = testapp.get(f"/incubation/cases/{case.id}")
    assert "入驻孵化的组织须先交还场地" in page.text
    assert 'value="complete_exit" disabled' in page.text
    case.space_handed_back = True
    dbsession.flush()
    assert _act(testapp, case, "complete_exit").status_int == 303
    assert case.state is CaseState.EXITED


def test_illegal_transition_is_409_naming_the_allowed_actions(testapp, district, dbsession):
    case = make_case(dbsession, district["team1"], CaseState.APPLIED, applied_on=today_local())
    login(testapp, "district")
    response = _act(testapp, case, "graduate")
    assert response.status_int == 409
    assert "「已申请」状态下不能执行「出壳」" in response.text
    # Named are the steps open right now; those needing a reason count once one is given.
    assert "当前可执行的操作：「初审通过」" in response.text
    assert case.state is CaseState.APPLIED


def test_role_refusal_is_403(testapp, district, dbsession):
    case = make_case(dbsession, district["team1"], CaseState.SCREENED)
    login(testapp, "street1")
    assert _act(testapp, case, "approve").status_int == 403
    login(testapp, "org1")
    assert _act(testapp, case, "screen").status_int == 403
    assert case.state is CaseState.SCREENED


def test_screening_window_guard_disables_the_button(testapp, district, dbsession):
    applied = today_local() - dt.timedelta(days=30)
    case = make_case(dbsession, district["team1"], CaseState.APPLIED, applied_on=applied)
    login(testapp, "street1")
    page = testapp.get(f"/incubation/cases/{case.id}")
    assert 'value="screen" disabled' in page.text
    assert "已超过初审时限" in page.text
    response = _act(testapp, case, "screen")
    assert response.status_int == 409
    assert "请退回补正后重新受理" in response.text


def test_internal_comments_are_hidden_from_the_organisation(testapp, district, dbsession):
    case = make_case(dbsession, district["team1"], CaseState.APPLIED, applied_on=today_local())
    login(testapp, "street1")
    _act(testapp, case, "return_for_correction", comment="内部：材料疑似造假")
    assert "内部：材料疑似造假" in testapp.get(f"/incubation/cases/{case.id}").text
    login(testapp, "org1")
    assert "内部：材料疑似造假" not in testapp.get(f"/incubation/cases/{case.id}").text


def test_attachments_are_recorded_by_name_and_hash(testapp, district, dbsession):
    case = make_case(dbsession, district["team1"])
    login(testapp, "org1")
    testapp.post(
        f"/incubation/cases/{case.id}/advance",
        {"csrf_token": testapp.cookies["csrf_token"], "action": "submit"},
        upload_files=[("attachment", "申请书.pdf", b"%PDF-1.4 test")],
        status=303,
    )
    event = dbsession.scalar(sa.select(CaseEvent).where(CaseEvent.action == "submit"))
    assert event.attachments[0]["name"] == "申请书.pdf"
    assert len(event.attachments[0]["sha256"]) == 64


def test_street_sees_only_its_own_cases_and_overdue_flag(testapp, district, dbsession):
    long_ago = today_local() - dt.timedelta(days=200)
    mine = make_case(
        dbsession, district["team1"], CaseState.INCUBATING, incubation_started_on=long_ago
    )
    theirs = make_case(dbsession, district["team2"], CaseState.DRAFT)
    login(testapp, "street1")
    listing = testapp.get("/incubation/cases")
    assert district["team1"].name in listing.text
    assert district["team2"].name not in listing.text
    assert "逾期未备案" in listing.text
    overdue = testapp.get("/incubation/cases", {"overdue": "1"})
    assert f"/incubation/cases/{mine.id}" in overdue.text
    testapp.get(f"/incubation/cases/{theirs.id}", status=404)
    login(testapp, "street2")
    assert district["team1"].name not in testapp.get("/incubation/cases").text
    filtered = testapp.get("/incubation/cases", {"state": "draft"})
    assert f"/incubation/cases/{theirs.id}" in filtered.text


def test_auditor_reads_but_cannot_write(testapp, district, dbsession):
    case = make_case(dbsession, district["team1"], CaseState.APPLIED, applied_on=today_local())
    login(testapp, "auditor")
    page = testapp.get(f"/incubation/cases/{case.id}")
    assert "case-actions" not in page.text
    assert _act(testapp, case, "screen").status_int == 403
    token = testapp.cookies["csrf_token"]
    testapp.post(f"/incubation/cases/{case.id}/edit", {"csrf_token": token}, status=403)
    testapp.post(
        f"/incubation/cases/{case.id}/mentors", {"csrf_token": token, "name": "王"}, status=403
    )
    testapp.post(
        "/incubation/cases/new",
        {"csrf_token": token, "organisation_id": district["team1"].id},
        status=403,
    )
    assert case.state is CaseState.APPLIED


def test_mentors_services_and_milestones(testapp, district, dbsession):
    case = make_case(dbsession, district["team1"], CaseState.INCUBATING)
    login(testapp, "street1")
    mentor = testapp.get(f"/incubation/cases/{case.id}").forms["case-mentor"]
    mentor["name"] = "周老师"
    mentor["expertise"] = "财务管理"
    mentor.submit(status=303)
    service = testapp.get(f"/incubation/cases/{case.id}").forms["case-service"]
    service["kind"] = "training"
    service["description"] = "项目申报培训"
    service["served_on"] = today_local().isoformat()
    service["hours"] = "2.5"
    service.submit(status=303)
    milestone = testapp.get(f"/incubation/cases/{case.id}").forms["case-milestone"]
    milestone["title"] = "完成备案"
    milestone["due_on"] = (today_local() + dt.timedelta(days=60)).isoformat()
    milestone.submit(status=303)
    page = testapp.get(f"/incubation/cases/{case.id}")
    assert "周老师" in page.text
    assert "项目申报培训" in page.text
    assert "2.5" in page.text
    assert "完成备案" in page.text
    login(testapp, "org1")
    assert "case-mentor" not in testapp.get(f"/incubation/cases/{case.id}").text


def test_overdue_list_is_limited_to_overdue_cases(district, dbsession):
    """An old overdue case is listed even when newer, still-in-time cases fill the limit."""
    today = today_local()
    overdue = make_case(
        dbsession,
        district["team1"],
        CaseState.INCUBATING,
        incubation_started_on=today - dt.timedelta(days=200),
    )
    in_time = make_case(
        dbsession, district["team2"], CaseState.INCUBATING, incubation_started_on=today
    )
    assert in_time.id > overdue.id  # the newest come first
    service = CaseService(dbsession, SYSTEM_SCOPE, AuditLog(dbsession, None, "system"))
    assert service.search(overdue_only=True, limit=1) == [(overdue, True)]
