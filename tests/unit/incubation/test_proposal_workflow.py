"""Venture-philanthropy proposals: the full (state, action, role) matrix and every guard."""

from dataclasses import replace
from datetime import date

import pytest

from tests.unit.incubation.workflow_expectations import assert_outcome, assert_table
from volunteer.incubation.proposal_rules import (
    PROPOSAL_WORKFLOW,
    ProposalFacts,
    ProposalPolicy,
    notice_ends_on,
)
from volunteer.incubation.statemachine import GuardFailed
from volunteer.incubation.tranches import Tranche

ROLES = ("admin", "district_staff", "street_staff", "org_staff", "auditor", "volunteer", "reviewer")
STATES = (
    "draft",
    "submitted",
    "eligible",
    "ineligible",
    "under_review",
    "scored",
    "shortlisted",
    "public_notice",
    "rejected",
    "approved",
    "contracted",
    "in_progress",
    "suspended",
    "completed",
    "closed",
    "terminated",
    "withdrawn",
)
TERMINAL = {"ineligible", "rejected", "withdrawn", "terminated", "closed"}
ACTIONS = (
    "submit",
    "withdraw",
    "pass_check",
    "fail_check",
    "start_review",
    "finish_review",
    "shortlist",
    "decline",
    "publish_notice",
    "uphold_objection",
    "approve",
    "sign_contract",
    "start",
    "suspend",
    "resume",
    "terminate",
    "complete",
    "close",
)
ORG = {"org_staff"}
DISTRICT = {"district_staff", "admin"}

# (state, action) → (target, roles), by hand from the issue.
EXPECTED = {
    ("draft", "submit"): ("submitted", ORG),
    ("draft", "withdraw"): ("withdrawn", ORG),
    ("submitted", "withdraw"): ("withdrawn", ORG),
    ("eligible", "withdraw"): ("withdrawn", ORG),
    ("submitted", "pass_check"): ("eligible", DISTRICT),
    ("submitted", "fail_check"): ("ineligible", DISTRICT),
    ("eligible", "start_review"): ("under_review", DISTRICT),
    ("under_review", "finish_review"): ("scored", DISTRICT | {"reviewer"}),
    ("scored", "shortlist"): ("shortlisted", DISTRICT),
    ("scored", "decline"): ("rejected", DISTRICT),
    ("shortlisted", "publish_notice"): ("public_notice", DISTRICT),
    ("public_notice", "uphold_objection"): ("rejected", DISTRICT),
    ("public_notice", "approve"): ("approved", DISTRICT),
    ("approved", "sign_contract"): ("contracted", DISTRICT),
    ("contracted", "start"): ("in_progress", DISTRICT),
    ("contracted", "suspend"): ("suspended", DISTRICT),
    ("in_progress", "suspend"): ("suspended", DISTRICT),
    ("suspended", "resume"): ("in_progress", DISTRICT),
    ("contracted", "terminate"): ("terminated", DISTRICT),
    ("in_progress", "terminate"): ("terminated", DISTRICT),
    ("suspended", "terminate"): ("terminated", DISTRICT),
    ("in_progress", "complete"): ("completed", DISTRICT),
    ("completed", "close"): ("closed", DISTRICT),
}

TODAY = date(2025, 9, 15)
# 100,000.00 yuan in three tranches: 60,000 on the start report, 30,000 on the mid-term
# evaluation, 10,000 on the final evaluation — 6,000,000 + 3,000,000 + 1,000,000 fen.
APPROVED = 10_000_000
ALL_RELEASED = (
    Tranche(1, 6_000_000, "report", True, True),
    Tranche(2, 3_000_000, "evaluation", True, True),
    Tranche(3, 1_000_000, "evaluation", True, True),
)
# Every guard passes with these facts, whatever the state.
PASSING = ProposalFacts(
    today=TODAY,
    comment="经评审委员会研究",
    submission_closes_on=TODAY,
    reviewers_assigned=5,
    reviews_pending=0,
    notice_started_on=date(2025, 9, 8),  # 7 days: 8–14 September
    objections_pending=0,
    requested_fen=12_000_000,
    approved_fen=APPROVED,
    remaining_budget_fen=APPROVED,
    contract_signed=True,
    tranches=ALL_RELEASED,
    final_report_accepted=True,
)


def test_the_module_table_is_the_expected_table():
    assert_table(PROPOSAL_WORKFLOW, EXPECTED, STATES, ACTIONS, TERMINAL, "draft")


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("action", ACTIONS)
@pytest.mark.parametrize("state", STATES)
def test_every_state_action_role(state, action, role):
    assert_outcome(PROPOSAL_WORKFLOW, EXPECTED, state, action, role, PASSING)


@pytest.mark.parametrize("state", sorted(TERMINAL))
def test_terminal_states_have_no_exits(state):
    assert PROPOSAL_WORKFLOW.transitions_from(state) == []
    for role in ROLES:
        assert PROPOSAL_WORKFLOW.allowed(state, role, PASSING) == []


def test_street_staff_auditors_and_volunteers_take_no_step():
    for role in ("street_staff", "auditor", "volunteer"):
        for state in STATES:
            assert PROPOSAL_WORKFLOW.options(state, role, PASSING) == []


def test_a_reviewer_only_closes_the_review():
    reachable = {
        (state, t.name)
        for state in STATES
        for t in PROPOSAL_WORKFLOW.allowed(state, "reviewer", PASSING)
    }
    assert reachable == {("under_review", "finish_review")}


# -- guards --------------------------------------------------------------------------------------


def reason(state, action, facts, role="district_staff"):
    try:
        PROPOSAL_WORKFLOW.apply(state, action, role, facts)
    except GuardFailed as exc:
        return exc.reason
    return None


def test_submission_window():
    assert (
        reason("draft", "submit", replace(PASSING, submission_closes_on=None), "org_staff") is None
    )
    assert reason("draft", "submit", PASSING, "org_staff") is None  # closing day itself
    late = replace(PASSING, submission_closes_on=date(2025, 9, 14))
    assert reason("draft", "submit", late, "org_staff") == "申报已于 2025年9月14日 截止"


def test_review_needs_reviewers_and_all_their_scores():
    assert reason("eligible", "start_review", replace(PASSING, reviewers_assigned=0)) == (
        "尚未分配评审专家"
    )
    pending = replace(PASSING, reviews_pending=2)
    assert reason("under_review", "finish_review", pending, "reviewer") == (
        "还有 2 位评审专家未提交评分"
    )
    assert reason("under_review", "finish_review", PASSING, "reviewer") is None


@pytest.mark.parametrize(
    ("state", "action"),
    [
        ("submitted", "fail_check"),
        ("public_notice", "uphold_objection"),
        ("contracted", "suspend"),
        ("in_progress", "suspend"),
        ("contracted", "terminate"),
        ("in_progress", "terminate"),
        ("suspended", "terminate"),
    ],
)
def test_negative_decisions_need_a_reason(state, action):
    assert reason(state, action, replace(PASSING, comment="")) == "请填写理由（将记入办理记录）"
    assert reason(state, action, PASSING) is None


def test_an_upheld_objection_ends_the_proposal():
    assert (
        PROPOSAL_WORKFLOW.apply("public_notice", "uphold_objection", "admin", PASSING) == "rejected"
    )
    assert PROPOSAL_WORKFLOW.is_terminal("rejected")


def test_notice_period():
    # Started 8 September for 7 days: 8, 9, …, 14 September; approval from the 15th.
    assert notice_ends_on(date(2025, 9, 8), ProposalPolicy()) == date(2025, 9, 14)
    assert reason("public_notice", "approve", PASSING) is None
    on_last_day = replace(PASSING, today=date(2025, 9, 14))
    assert (
        reason("public_notice", "approve", on_last_day) == "公示期至 2025年9月14日，期满后方可立项"
    )
    longer = replace(PASSING, policy=ProposalPolicy(notice_days=10))  # 8–17 September
    assert reason("public_notice", "approve", longer) == "公示期至 2025年9月17日，期满后方可立项"
    assert (
        reason("public_notice", "approve", replace(PASSING, notice_started_on=None)) == "尚未公示"
    )


def test_approval_waits_for_pending_objections():
    facts = replace(PASSING, objections_pending=1)
    assert reason("public_notice", "approve", facts) == "还有 1 件异议未处理"


def test_approved_amount_within_request_and_remaining_budget():
    def run(**changes):
        return reason("public_notice", "approve", replace(PASSING, **changes))

    assert run(approved_fen=None) == "请填写批准金额"
    assert run(approved_fen=0) == "请填写批准金额"
    assert (
        run(approved_fen=12_000_001, remaining_budget_fen=50_000_000) == "批准金额不能超过申请金额"
    )
    assert run(approved_fen=12_000_000, remaining_budget_fen=50_000_000) is None
    assert run(requested_fen=None, approved_fen=12_000_001, remaining_budget_fen=50_000_000) is None
    # Exactly the remaining budget is fine; one fen more is not.
    assert run(approved_fen=APPROVED, remaining_budget_fen=APPROVED) is None
    assert (
        run(approved_fen=APPROVED + 1, remaining_budget_fen=APPROVED)
        == "批准金额超过本期创投剩余预算"
    )


def test_contract_must_be_signed():
    facts = replace(PASSING, contract_signed=False)
    assert reason("approved", "sign_contract", facts) == "尚未签订项目协议"


@pytest.mark.parametrize(("state", "action"), [("contracted", "start"), ("suspended", "resume")])
def test_start_and_resume_need_a_sound_tranche_plan(state, action):
    fresh = tuple(replace(t, requirement_accepted=False, released=False) for t in ALL_RELEASED)
    assert reason(state, action, replace(PASSING, tranches=fresh)) is None
    short = replace(PASSING, tranches=fresh[:2])
    assert reason(state, action, short) == "各期金额合计 90,000.00 元，与批准金额 100,000.00 元不符"
    assert reason(state, action, replace(PASSING, approved_fen=None)) == "缺少批准金额"
    assert reason(state, action, replace(PASSING, tranches=())) == "请至少设置一期拨付"


def test_completion_needs_the_final_report():
    facts = replace(PASSING, final_report_accepted=False)
    assert reason("in_progress", "complete", facts) == "结项报告尚未通过验收"


def test_closing_needs_every_tranche_released():
    last_held = (*ALL_RELEASED[:2], replace(ALL_RELEASED[2], released=False))
    assert reason("completed", "close", replace(PASSING, tranches=last_held)) == (
        "尚有未拨付的资金，不能结项"
    )
    assert (
        reason("completed", "close", replace(PASSING, tranches=())) == "尚有未拨付的资金，不能结项"
    )
    mismatch = replace(PASSING, approved_fen=APPROVED + 100)
    assert reason("completed", "close", mismatch) == "已拨付金额与批准金额不符"
    assert reason("completed", "close", replace(PASSING, approved_fen=None)) is None
