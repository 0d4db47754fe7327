"""Incubation cases: every (state, action, role) against a table written here, and every guard."""

from dataclasses import replace
from datetime import date
from functools import partial

import pytest

from tests.unit.incubation.workflow_expectations import assert_outcome, assert_table
from volunteer.incubation.statemachine import GuardFailed, IllegalTransition, RoleNotAllowed
from volunteer.incubation.workdays import WorkCalendar
from volunteer.incubation.workflow import (
    CASE_WORKFLOW,
    CaseFacts,
    CasePolicy,
    IncubationMode,
    filing_overdue,
    screening_deadline,
)

ROLES = ("admin", "district_staff", "street_staff", "org_staff", "auditor", "volunteer", "reviewer")
STATES = (
    "draft",
    "applied",
    "screened",
    "approved",
    "incubating",
    "midterm",
    "rectification",
    "rectification_submitted",
    "exiting",
    "graduated",
    "exited",
    "withdrawn",
    "rejected",
)
TERMINAL = {"graduated", "exited", "withdrawn", "rejected"}
ACTIONS = (
    "submit",
    "withdraw",
    "return_for_correction",
    "screen",
    "reject",
    "approve",
    "start_incubation",
    "renew",
    "start_midterm",
    "pass_midterm",
    "fail_midterm",
    "submit_rectification",
    "accept_rectification",
    "reject_rectification",
    "begin_exit",
    "graduate",
    "complete_exit",
)
ORG = {"org_staff"}
STAFF = {"street_staff", "district_staff", "admin"}
DISTRICT = {"district_staff", "admin"}

# (state, action) → (target, roles). Written out by hand from the issue, not from the module.
EXPECTED = {
    ("draft", "submit"): ("applied", ORG),
    ("draft", "withdraw"): ("withdrawn", ORG),
    ("applied", "withdraw"): ("withdrawn", ORG),
    ("screened", "withdraw"): ("withdrawn", ORG),
    ("approved", "withdraw"): ("withdrawn", ORG),
    ("applied", "return_for_correction"): ("draft", STAFF),
    ("applied", "screen"): ("screened", STAFF),
    ("applied", "reject"): ("rejected", STAFF),
    ("screened", "reject"): ("rejected", DISTRICT),
    ("screened", "approve"): ("approved", DISTRICT),
    ("approved", "start_incubation"): ("incubating", DISTRICT),
    ("incubating", "renew"): ("incubating", DISTRICT),
    ("incubating", "start_midterm"): ("midterm", STAFF),
    ("midterm", "pass_midterm"): ("incubating", STAFF),
    ("midterm", "fail_midterm"): ("rectification", STAFF),
    ("rectification", "submit_rectification"): ("rectification_submitted", ORG),
    ("rectification_submitted", "accept_rectification"): ("incubating", STAFF),
    ("rectification_submitted", "reject_rectification"): ("exiting", DISTRICT),
    ("incubating", "begin_exit"): ("exiting", DISTRICT),
    ("rectification", "begin_exit"): ("exiting", DISTRICT),
    ("incubating", "graduate"): ("graduated", DISTRICT),
    ("exiting", "complete_exit"): ("exited", STAFF),
}

TODAY = date(2025, 3, 12)  # a Wednesday


def passing_facts(state: str) -> CaseFacts:
    """Facts under which every guard out of ``state`` passes."""
    # Mid-term failure needs a future deadline, exit from rectification a past one.
    deadline = date(2025, 3, 11) if state == "rectification" else date(2025, 4, 30)
    return CaseFacts(
        today=TODAY,
        comment="经研究决定",
        applied_on=TODAY,
        mode=IncubationMode.PHYSICAL,
        agreement_signed=True,
        renewals_used=0,
        rectification_deadline=deadline,
        final_evaluation_passed=True,
        filed_or_registered=True,
        space_handed_back=True,
    )


def test_the_module_table_is_the_expected_table():
    assert_table(CASE_WORKFLOW, EXPECTED, STATES, ACTIONS, TERMINAL, "draft")


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("action", ACTIONS)
@pytest.mark.parametrize("state", STATES)
def test_every_state_action_role(state, action, role):
    assert_outcome(CASE_WORKFLOW, EXPECTED, state, action, role, passing_facts(state))


@pytest.mark.parametrize("state", sorted(TERMINAL))
def test_terminal_states_have_no_exits(state):
    assert CASE_WORKFLOW.is_terminal(state)
    assert CASE_WORKFLOW.transitions_from(state) == []
    for role in ROLES:
        assert CASE_WORKFLOW.allowed(state, role, passing_facts(state)) == []


@pytest.mark.parametrize("role", ["auditor", "volunteer", "reviewer"])
def test_readers_take_no_step_anywhere(role):
    for state in STATES:
        assert CASE_WORKFLOW.options(state, role, passing_facts(state)) == []


def test_illegal_transition_message_names_the_open_actions():
    with pytest.raises(IllegalTransition) as info:
        CASE_WORKFLOW.apply("applied", "approve", "district_staff", passing_facts("applied"))
    assert info.value.allowed_actions == ["return_for_correction", "screen", "reject"]
    assert info.value.message == (
        "「已申请」状态下不能执行「批准入孵」。当前可执行的操作：「退回补正」、「初审通过」、「驳回」。"
    )


def test_street_staff_may_reject_at_first_check_but_not_after_screening():
    facts = passing_facts("applied")
    assert CASE_WORKFLOW.apply("applied", "reject", "street_staff", facts) == "rejected"
    with pytest.raises(RoleNotAllowed, match="已初审"):
        CASE_WORKFLOW.apply("screened", "reject", "street_staff", facts)


def test_a_user_with_two_roles():
    facts = passing_facts("screened")
    assert CASE_WORKFLOW.apply("screened", "approve", {"org_staff", "district_staff"}, facts)


# -- guards --------------------------------------------------------------------------------------


def guard_reason(state, action, role, facts):
    """None if the step goes through, else the guard's reason."""
    try:
        CASE_WORKFLOW.apply(state, action, role, facts)
    except GuardFailed as exc:
        return exc.reason
    return None


NATIONAL_DAY_2024 = WorkCalendar(
    holidays=frozenset(date(2024, 10, d) for d in range(1, 8)),
    makeup_workdays=frozenset({date(2024, 9, 29), date(2024, 10, 12)}),
)


def test_screening_within_working_days_plain_calendar():
    # Applied Friday 27 Sep 2024, 5 working days, no holidays: Mon 30, Tue 1, Wed 2, Thu 3,
    # Fri 4 Oct → the deadline is Friday 4 October.
    base = replace(passing_facts("applied"), applied_on=date(2024, 9, 27))
    assert screening_deadline(date(2024, 9, 27), base.policy) == date(2024, 10, 4)
    for today, ok in [
        (date(2024, 9, 27), True),
        (date(2024, 10, 4), True),
        (date(2024, 10, 5), False),
        (date(2024, 10, 7), False),
    ]:
        reason = guard_reason("applied", "screen", "street_staff", replace(base, today=today))
        assert (reason is None) == ok, today


def test_screening_window_stretches_over_national_day():
    # With the holiday calendar: Sun 29 Sep (make-up), Mon 30 Sep, then 1–7 Oct off,
    # Tue 8, Wed 9, Thu 10 Oct → the deadline is Thursday 10 October.
    policy = CasePolicy(screening_working_days=5, calendar=NATIONAL_DAY_2024)
    base = replace(passing_facts("applied"), applied_on=date(2024, 9, 27), policy=policy)
    assert (
        guard_reason("applied", "screen", "admin", replace(base, today=date(2024, 10, 10))) is None
    )
    reason = guard_reason("applied", "screen", "admin", replace(base, today=date(2024, 10, 11)))
    assert (
        reason == "已超过初审时限（申请后 5 个工作日，即 2024年10月10日 前），请退回补正后重新受理"
    )


def test_screening_window_is_configurable():
    policy = CasePolicy(screening_working_days=1)
    facts = replace(
        passing_facts("applied"), applied_on=date(2025, 1, 3), today=date(2025, 1, 7), policy=policy
    )
    # One working day after Friday 3 January is Monday 6 January; Tuesday 7 is late.
    assert guard_reason("applied", "screen", "admin", facts) is not None
    assert (
        guard_reason("applied", "screen", "admin", replace(facts, today=date(2025, 1, 6))) is None
    )


def test_screening_needs_a_sane_application_date():
    facts = passing_facts("applied")
    assert (
        guard_reason("applied", "screen", "admin", replace(facts, applied_on=None))
        == "缺少申请日期"
    )
    early = replace(facts, applied_on=date(2025, 3, 13))
    assert guard_reason("applied", "screen", "admin", early) == "初审日期不能早于申请日期"


@pytest.mark.parametrize(
    ("state", "action"),
    [
        ("applied", "return_for_correction"),
        ("applied", "reject"),
        ("screened", "reject"),
        ("rectification_submitted", "reject_rectification"),
        ("incubating", "begin_exit"),
    ],
)
def test_negative_decisions_need_a_reason(state, action):
    facts = passing_facts(state)
    for blank in ("", "   "):
        reason = guard_reason(state, action, "admin", replace(facts, comment=blank))
        assert reason == "请填写理由（将记入办理记录）"
    assert guard_reason(state, action, "admin", facts) is None


def test_start_incubation_needs_mode_and_agreement():
    facts = passing_facts("approved")
    run = partial(guard_reason, "approved", "start_incubation", "district_staff")
    assert run(facts) is None
    assert run(replace(facts, mode=IncubationMode.VIRTUAL)) is None
    assert run(replace(facts, mode=None)) == "尚未确定孵化方式（入驻孵化或虚拟孵化）"
    assert run(replace(facts, agreement_signed=False)) == "尚未签订入孵协议"


def test_renewal_limit():
    facts = passing_facts("incubating")
    run = partial(guard_reason, "incubating", "renew", "admin")
    assert run(facts) is None  # 0 of 1 used
    assert run(replace(facts, renewals_used=1)) == "续期次数已达上限（1 次）"
    three = replace(facts, policy=CasePolicy(max_renewals=3))
    assert run(replace(three, renewals_used=2)) is None
    assert run(replace(three, renewals_used=3)) == "续期次数已达上限（3 次）"
    assert run(replace(facts, policy=CasePolicy(max_renewals=0))) is not None


def test_failed_midterm_needs_a_future_deadline():
    facts = passing_facts("midterm")
    run = partial(guard_reason, "midterm", "fail_midterm", "street_staff")
    assert run(facts) is None
    assert run(replace(facts, rectification_deadline=None)) == "请设定整改期限"
    assert run(replace(facts, rectification_deadline=TODAY)) == "整改期限须晚于今天"
    assert run(replace(facts, rectification_deadline=date(2025, 3, 13))) is None


def test_exit_from_rectification_only_after_the_deadline():
    facts = passing_facts("rectification")
    run = partial(guard_reason, "rectification", "begin_exit", "district_staff")
    assert run(facts) is None  # deadline 11 March, today 12 March
    assert run(replace(facts, rectification_deadline=TODAY)) == (
        "整改期限（2025年3月12日）未到，不能启动退出"
    )
    assert run(replace(facts, rectification_deadline=None)) == "未设定整改期限"


def test_graduation_needs_final_evaluation_and_filing():
    facts = passing_facts("incubating")
    run = partial(guard_reason, "incubating", "graduate", "admin")
    assert run(facts) is None
    assert run(replace(facts, final_evaluation_passed=False)) == "尚未通过终期评估"
    assert run(replace(facts, filed_or_registered=False)) == "组织尚未备案或登记"
    both = replace(facts, final_evaluation_passed=False, filed_or_registered=False)
    assert run(both) == "尚未通过终期评估；组织尚未备案或登记"


def test_exit_of_a_physical_tenant_needs_the_space_back():
    facts = replace(passing_facts("exiting"), space_handed_back=False)
    run = partial(guard_reason, "exiting", "complete_exit", "street_staff")
    assert run(facts) == "入驻孵化的组织须先交还场地"
    assert run(replace(facts, space_handed_back=True)) is None
    assert run(replace(facts, mode=IncubationMode.VIRTUAL)) is None


def test_unguarded_steps_go_through_on_bare_facts():
    bare = CaseFacts(today=TODAY)
    assert CASE_WORKFLOW.apply("draft", "submit", "org_staff", bare) == "applied"
    assert CASE_WORKFLOW.apply("screened", "approve", "admin", bare) == "approved"
    assert CASE_WORKFLOW.apply("midterm", "pass_midterm", "street_staff", bare) == "incubating"


def test_options_show_blocked_steps_with_their_reasons():
    facts = replace(passing_facts("incubating"), renewals_used=1, final_evaluation_passed=False)
    options = {t.name: reason for t, reason in CASE_WORKFLOW.options("incubating", "admin", facts)}
    assert options == {
        "renew": "续期次数已达上限（1 次）",
        "start_midterm": None,
        "begin_exit": None,
        "graduate": "尚未通过终期评估",
    }


# -- filing deadline flag ------------------------------------------------------------------------


def test_filing_overdue_boundary():
    # 1 Jan 2025 + 180 days: Jan 30 + Feb 28 + Mar 31 + Apr 30 + May 31 = 150 → 30 June is day 180.
    started = date(2025, 1, 1)
    assert not filing_overdue(started, False, date(2025, 6, 30), 180)
    assert filing_overdue(started, False, date(2025, 7, 1), 180)
    assert not filing_overdue(started, True, date(2026, 1, 1), 180)
    assert not filing_overdue(started, False, started, 0)
    assert filing_overdue(started, False, date(2025, 1, 2), 0)
    with pytest.raises(ValueError, match="不能为负数"):
        filing_overdue(started, False, started, -1)
