"""Venture-philanthropy calls through the pages: reviewers score and recuse, the score is the
trimmed mean (hand-computed below), the ranking and funding line respect the budget, the
public notice and objections gate approval, tranches are released only in order and once
accepted, and auditors read without writing."""

import datetime as dt
import re

import pytest

from tests.factories import login
from tests.unit.incubation.factories import make_call, make_proposal
from volunteer.db import today_local
from volunteer.incubation.proposal_rules import ProposalState

# Criteria are 需求分析 30, 项目设计 30, 执行能力 20, 预算合理性 20.
P1_SCORES = {
    "street1": ["30", "30", "20", "20"],  # 100, then recused: ignored
    "admin": ["28", "27", "18", "17"],  # 90
    "district": ["24", "24", "16", "16"],  # 80
    "street2": ["21", "21", "14", "14"],  # 70
}
# P1: kept 90, 80, 70 → drop highest and lowest → 80, plus bonus 3 → 83.00
P2_SCORES = {
    "admin": ["27", "25", "18", "18"],  # 88
    "district": ["22.5", "24", "15", "15"],  # 76.5
    "street1": ["21", "21", "14", "14"],  # 70
    "street2": ["28", "28", "17", "18"],  # 91
}
# P2: drop 91 and 70 → (88 + 76.5) / 2 = 82.25


@pytest.fixture
def call(district, dbsession):
    users = district["users"]
    reviewers = [users[n] for n in ("admin", "district", "street1", "street2")]
    call = make_call(dbsession, district["district"], reviewers, budget_fen=10_000_000)
    call.p1 = make_proposal(
        dbsession,
        call,
        district["team1"],
        title="助老食堂",
        requested_fen=6_000_000,
        state=ProposalState.UNDER_REVIEW,
    )
    call.p2 = make_proposal(
        dbsession,
        call,
        district["team2"],
        title="环保课堂",
        requested_fen=5_000_000,
        state=ProposalState.UNDER_REVIEW,
    )
    return call


def _score(testapp, proposal, scores):
    form = testapp.get(f"/incubation/proposals/{proposal.id}/review").forms["review"]
    for i, value in enumerate(scores):
        form[f"score-{i}"] = value
    return form.submit(expect_errors=True)


def _post(testapp, path, **fields):
    return testapp.post(
        path, {"csrf_token": testapp.cookies["csrf_token"], **fields}, expect_errors=True
    )


def _review_everything(testapp, call):
    login(testapp, "street1")
    assert _score(testapp, call.p1, P1_SCORES["street1"]).status_int == 303
    conflict = testapp.get(f"/incubation/proposals/{call.p1.id}/review").forms["conflict"]
    conflict["reason"] = "本人担任该组织理事"
    conflict.submit(status=303)
    assert _score(testapp, call.p2, P2_SCORES["street1"]).status_int == 303
    for name in ("admin", "district", "street2"):
        login(testapp, name)
        assert _score(testapp, call.p1, P1_SCORES[name]).status_int == 303
        assert _score(testapp, call.p2, P2_SCORES[name]).status_int == 303
    login(testapp, "district")
    bonus = testapp.get(f"/incubation/proposals/{call.p1.id}").forms["proposal-bonus"]
    bonus["bonus-0"] = "3"
    bonus.submit(status=303)


def test_scores_with_recusal_and_trimming_and_the_funding_line(testapp, call):
    _review_everything(testapp, call)
    # The last outstanding score closed each review step.
    assert call.p1.state is ProposalState.SCORED
    assert call.p2.state is ProposalState.SCORED
    page = testapp.get(f"/incubation/calls/{call.id}")
    ranking = page.html.find(id="ranking").find_all("tr")[1:]
    first, second = ([td.get_text(" ", strip=True) for td in tr.find_all("td")] for tr in ranking)
    assert first[0] == "1"
    assert first[1] == "助老食堂"
    assert first[4].startswith("83.00")
    assert "street1" in first[5]  # recused
    assert "资助（累计 60,000.00）" in first[6]
    assert second[0] == "2"
    assert second[1] == "环保课堂"
    assert second[4] == "82.25"
    assert second[6] == "未进入"  # 60,000 + 50,000 exceeds the 100,000 budget


def test_recused_reviewer_cannot_score(testapp, call):
    login(testapp, "street1")
    conflict = testapp.get(f"/incubation/proposals/{call.p1.id}/review").forms["conflict"]
    conflict["reason"] = "亲属任职"
    conflict.submit(status=303)
    response = _post(
        testapp,
        f"/incubation/proposals/{call.p1.id}/review",
        **{f"score-{i}": v for i, v in enumerate(P1_SCORES["admin"])},
    )
    assert response.status_int == 409
    assert "已声明回避" in response.text


def test_scores_out_of_range_and_floats_are_refused(testapp, call):
    login(testapp, "admin")
    too_high = _score(testapp, call.p1, ["31", "30", "20", "20"])
    assert too_high.status_int == 400
    assert "须在 0 到 30 之间" in too_high.text
    assert _score(testapp, call.p1, ["abc", "30", "20", "20"]).status_int == 400


def test_shortlist_notice_objection_and_approval(testapp, call, dbsession):
    _review_everything(testapp, call)
    _post(testapp, f"/incubation/calls/{call.id}/shortlist")
    assert call.p1.state is ProposalState.SHORTLISTED
    assert call.p2.state is ProposalState.REJECTED
    _post(testapp, f"/incubation/calls/{call.id}/notice")
    assert call.p1.state is ProposalState.PUBLIC_NOTICE
    path = f"/incubation/proposals/{call.p1.id}/advance"
    early = _post(testapp, path, action="approve", approved_yuan="60000")
    assert early.status_int == 409
    assert "期满后方可立项" in early.text

    call.p1.notice_started_on = today_local() - dt.timedelta(days=8)
    dbsession.flush()
    _post(testapp, f"/incubation/proposals/{call.p1.id}/objection", text="群众反映场地不足")
    pending = _post(testapp, path, action="approve", approved_yuan="60000")
    assert "还有 1 件异议未处理" in pending.text
    _post(
        testapp, f"/incubation/proposals/{call.p1.id}/objection", text="经核实场地充足", dismiss="1"
    )
    over = _post(testapp, path, action="approve", approved_yuan="60000.01")
    assert "批准金额不能超过申请金额" in over.text
    assert _post(testapp, path, action="approve", approved_yuan="60000").status_int == 303
    assert call.p1.state is ProposalState.APPROVED
    assert call.p1.approved_fen == 6_000_000
    awards = testapp.get(f"/incubation/calls/{call.id}").html.find(id="awards").get_text()
    assert "助老食堂" in awards
    assert "60,000.00" in awards


def test_tranches_are_released_in_order_and_only_once_accepted(testapp, district, dbsession):
    call = make_call(dbsession, district["district"], [district["users"]["district"]])
    proposal = make_proposal(
        dbsession,
        call,
        district["team1"],
        requested_fen=6_000_000,
        approved_fen=6_000_000,
        state=ProposalState.CONTRACTED,
        contract_signed_on=today_local(),
    )
    base = f"/incubation/proposals/{proposal.id}"
    login(testapp, "district")
    wrong = testapp.post(
        base + "/tranches",
        {
            "csrf_token": testapp.cookies["csrf_token"],
            "amount_yuan": ["30000", "20000"],
            "requirement": ["report", "evaluation"],
        },
        expect_errors=True,
    )
    assert wrong.status_int == 400
    assert "与批准金额 60,000.00 元不符" in wrong.text
    testapp.post(
        base + "/tranches",
        {
            "csrf_token": testapp.cookies["csrf_token"],
            "amount_yuan": ["30000", "30000"],
            "requirement": ["report", "evaluation"],
        },
        status=303,
    )
    assert _post(testapp, base + "/advance", action="start").status_int == 303
    out_of_order = _post(testapp, base + "/tranches/release", seq="2")
    assert out_of_order.status_int == 409
    assert "第 1 期尚未拨付" in out_of_order.text
    not_accepted = _post(testapp, base + "/tranches/release", seq="1")
    assert not_accepted.status_int == 409
    assert "拨付条件（项目报告）尚未通过验收" in not_accepted.text
    assert _post(testapp, base + "/tranches/accept", seq="1").status_int == 303
    assert _post(testapp, base + "/tranches/release", seq="1").status_int == 303
    assert "已拨付" in _post(testapp, base + "/tranches/release", seq="1").text
    assert _post(testapp, base + "/final_report").status_int == 303
    assert _post(testapp, base + "/advance", action="complete").status_int == 303
    early_close = _post(testapp, base + "/advance", action="close")
    assert "尚有未拨付的资金" in early_close.text
    _post(testapp, base + "/tranches/accept", seq="2")
    assert _post(testapp, base + "/tranches/release", seq="2").status_int == 303
    assert _post(testapp, base + "/advance", action="close").status_int == 303
    assert proposal.state is ProposalState.CLOSED
    assert [t.released_at is not None for t in proposal.tranches] == [True, True]


def test_termination_records_funds_to_recover(testapp, district, dbsession):
    call = make_call(dbsession, district["district"])
    proposal = make_proposal(
        dbsession,
        call,
        district["team1"],
        approved_fen=6_000_000,
        state=ProposalState.IN_PROGRESS,
    )
    login(testapp, "district")
    testapp.post(
        f"/incubation/proposals/{proposal.id}/tranches",
        {
            "csrf_token": testapp.cookies["csrf_token"],
            "amount_yuan": ["60000"],
            "requirement": ["report"],
        },
        expect_errors=True,
    )
    response = _post(
        testapp,
        f"/incubation/proposals/{proposal.id}/advance",
        action="terminate",
        comment="项目负责人失联",
        spent_yuan="0",
    )
    assert response.status_int == 303
    assert proposal.state is ProposalState.TERMINATED
    assert proposal.recover_fen == 0  # nothing was released, so nothing to recover


def test_org_applies_and_submits(testapp, district, dbsession):
    call = make_call(dbsession, district["district"])
    login(testapp, "org1")
    form = testapp.get(f"/incubation/calls/{call.id}").forms["call-apply"]
    form["title"] = "四点半课堂"
    form["requested_yuan"] = "12,345.60"
    page = form.submit(status=303).follow()
    proposal = call.proposals[0]
    assert proposal.requested_fen == 1_234_560
    assert "四点半课堂" in page.text
    submit = page.forms["proposal-actions"].submit("action", value="submit", status=303)
    assert proposal.state is ProposalState.SUBMITTED
    assert submit.follow().status_int == 200


def test_street_call_is_out_of_sight_of_other_streets(testapp, district, dbsession):
    own = make_call(dbsession, district["street1"], name="一街道微创投")
    other = make_call(dbsession, district["street2"], name="二街道微创投")
    login(testapp, "street1")
    listing = testapp.get("/incubation/calls").text
    assert "一街道微创投" in listing
    assert "二街道微创投" not in listing
    testapp.get(f"/incubation/calls/{own.id}", status=200)
    testapp.get(f"/incubation/calls/{other.id}", status=404)


def test_auditor_reads_calls_but_cannot_write(testapp, call):
    login(testapp, "auditor")
    testapp.get(f"/incubation/calls/{call.id}", status=200)
    testapp.get(f"/incubation/proposals/{call.p1.id}", status=200)
    assert _post(testapp, f"/incubation/calls/{call.id}/shortlist").status_int == 403
    assert _post(testapp, f"/incubation/calls/{call.id}/notice").status_int == 403
    assert _post(testapp, f"/incubation/proposals/{call.p1.id}/review").status_int == 403
    refused = _post(testapp, f"/incubation/proposals/{call.p1.id}/advance", action="finish_review")
    assert refused.status_int == 403
    assert call.p1.state is ProposalState.UNDER_REVIEW


def test_call_created_through_the_page(testapp, district):
    login(testapp, "district")
    form = testapp.get("/incubation/calls/new").forms["call-new"]
    form["name"] = "2025 年度公益创投"
    form["budget_yuan"] = "500000"
    form["opens_on"] = today_local().isoformat()
    form["closes_on"] = (today_local() + dt.timedelta(days=30)).isoformat()
    page = form.submit(status=303).follow()
    assert "500,000.00" in page.text
    form = testapp.get("/incubation/calls/new").forms["call-new"]
    form["name"] = "权重不对"
    form["budget_yuan"] = "1"
    form["opens_on"] = form["closes_on"] = today_local().isoformat()
    form["criteria"] = "需求分析:30\n项目设计:30"
    refused = form.submit(expect_errors=True)
    assert refused.status_int == 400
    assert re.search("权重合计须为 100，现为 60", refused.text)
