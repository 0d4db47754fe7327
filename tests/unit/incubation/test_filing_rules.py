"""Community-organisation filings: the full (state, action, role) matrix, guards, annual reports."""

from datetime import date

import pytest

from tests.unit.incubation.workflow_expectations import assert_outcome, assert_table
from volunteer.incubation.filing_rules import (
    FILING_WORKFLOW,
    AnnualReportRule,
    FilingFacts,
    FilingReports,
    OverdueReport,
    annual_report_due,
    first_report_year,
    overdue_reports,
)
from volunteer.incubation.statemachine import GuardFailed

ROLES = ("admin", "district_staff", "street_staff", "org_staff", "auditor", "volunteer", "reviewer")
STATES = ("drafted", "submitted", "street_reviewed", "filed", "cancelled", "revoked")
TERMINAL = {"cancelled", "revoked"}
ACTIONS = (
    "submit",
    "return_for_correction",
    "street_approve",
    "file",
    "record_change",
    "cancel",
    "revoke",
)

# (state, action) → (target, roles), by hand from the issue.
EXPECTED = {
    ("drafted", "submit"): ("submitted", {"org_staff", "street_staff", "admin"}),
    ("submitted", "return_for_correction"): ("drafted", {"street_staff", "admin"}),
    ("street_reviewed", "return_for_correction"): ("drafted", {"district_staff", "admin"}),
    ("submitted", "street_approve"): ("street_reviewed", {"street_staff", "admin"}),
    ("street_reviewed", "file"): ("filed", {"district_staff", "admin"}),
    ("filed", "record_change"): ("filed", {"street_staff", "district_staff", "admin"}),
    ("filed", "cancel"): ("cancelled", {"org_staff", "street_staff", "district_staff", "admin"}),
    ("filed", "revoke"): ("revoked", {"district_staff", "admin"}),
}

FACTS = FilingFacts(comment="负责人变更")


def test_the_module_table_is_the_expected_table():
    assert_table(FILING_WORKFLOW, EXPECTED, STATES, ACTIONS, TERMINAL, "drafted")


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("action", ACTIONS)
@pytest.mark.parametrize("state", STATES)
def test_every_state_action_role(state, action, role):
    assert_outcome(FILING_WORKFLOW, EXPECTED, state, action, role, FACTS)


@pytest.mark.parametrize("state", sorted(TERMINAL))
def test_terminal_states_have_no_exits(state):
    assert FILING_WORKFLOW.transitions_from(state) == []
    for role in ROLES:
        assert FILING_WORKFLOW.allowed(state, role, FACTS) == []


def test_a_change_filing_keeps_the_filing_filed():
    assert FILING_WORKFLOW.apply("filed", "record_change", "street_staff", FACTS) == "filed"


@pytest.mark.parametrize(
    ("state", "action", "role", "reason"),
    [
        ("submitted", "return_for_correction", "street_staff", "请填写理由（将记入办理记录）"),
        (
            "street_reviewed",
            "return_for_correction",
            "district_staff",
            "请填写理由（将记入办理记录）",
        ),
        ("filed", "cancel", "org_staff", "请填写理由（将记入办理记录）"),
        ("filed", "revoke", "district_staff", "请填写理由（将记入办理记录）"),
        ("filed", "record_change", "street_staff", "请写明变更事项"),
    ],
)
def test_guards_need_a_comment(state, action, role, reason):
    with pytest.raises(GuardFailed) as info:
        FILING_WORKFLOW.apply(state, action, role, FilingFacts(comment=" "))
    assert info.value.reason == reason
    assert FILING_WORKFLOW.apply(state, action, role, FACTS)


def test_unguarded_steps_on_bare_facts():
    bare = FilingFacts()
    assert FILING_WORKFLOW.apply("drafted", "submit", "org_staff", bare) == "submitted"
    assert FILING_WORKFLOW.apply("submitted", "street_approve", "street_staff", bare)
    assert FILING_WORKFLOW.apply("street_reviewed", "file", "district_staff", bare) == "filed"


# -- annual reports ------------------------------------------------------------------------------


def test_annual_report_due_by_31_may_of_the_next_year():
    filed = date(2023, 6, 15)
    assert annual_report_due(filed, 2023) == date(2024, 5, 31)
    assert annual_report_due(filed, 2024) == date(2025, 5, 31)
    with pytest.raises(ValueError, match="2022 年度无需报送年报"):
        annual_report_due(filed, 2022)


def test_annual_report_rule_is_a_parameter():
    march = AnnualReportRule(due_month=3, due_day=31)
    assert annual_report_due(date(2023, 6, 15), 2023, march) == date(2024, 3, 31)
    later = AnnualReportRule(report_filing_year=False)
    assert first_report_year(date(2023, 6, 15), later) == 2024
    with pytest.raises(ValueError, match="无需报送"):
        annual_report_due(date(2023, 6, 15), 2023, later)
    assert annual_report_due(date(2023, 6, 15), 2024, later) == date(2025, 5, 31)


def test_annual_report_rule_needs_a_date_that_exists_every_year():
    assert AnnualReportRule(due_month=2, due_day=28)
    for month, day in [(2, 29), (4, 31), (13, 1)]:
        with pytest.raises(ValueError, match="年报截止日期无效"):
            AnnualReportRule(due_month=month, due_day=day)


def test_overdue_reports():
    today = date(2025, 6, 10)
    filings = [
        # Filed 2022; reported 2022 and 2024. 2023's report (due 31 May 2024) is missing:
        # 31 May 2024 → 31 May 2025 is 365 days, + 10 → 375 days overdue.
        FilingReports("A", date(2022, 3, 1), frozenset({2022, 2024})),
        # Filed December 2024, nothing reported: 2024's report was due 31 May 2025, 10 days ago.
        FilingReports("B", date(2024, 12, 20)),
        # Cancelled: owes nothing however late.
        FilingReports("C", date(2020, 1, 1), state="cancelled"),
        # Filed 2025: first report due 31 May 2026.
        FilingReports("D", date(2025, 1, 5)),
    ]
    assert overdue_reports(filings, today) == [
        OverdueReport("A", 2023, date(2024, 5, 31), 375),
        OverdueReport("B", 2024, date(2025, 5, 31), 10),
    ]


def test_the_due_day_itself_is_in_time():
    filings = [FilingReports("B", date(2024, 12, 20))]
    assert overdue_reports(filings, date(2025, 5, 31)) == []
    assert [r.days_overdue for r in overdue_reports(filings, date(2025, 6, 1))] == [1]


def test_several_missing_years_oldest_first():
    filings = [FilingReports(7, date(2021, 5, 1)), FilingReports(3, date(2022, 5, 1))]
    result = overdue_reports(filings, date(2024, 6, 1))
    # 7 owes 2021 (due 2022-05-31) and 2022 (2023-05-31); 3 owes 2022 (2023-05-31); both owe
    # 2023, due 31 May 2024, the day before today.
    assert [(r.filing_id, r.year, r.due_on) for r in result] == [
        (7, 2021, date(2022, 5, 31)),
        (7, 2022, date(2023, 5, 31)),
        (3, 2022, date(2023, 5, 31)),
        (7, 2023, date(2024, 5, 31)),
        (3, 2023, date(2024, 5, 31)),
    ]
