"""Community social-organisation filing (社区社会组织备案): workflow and annual-report dates.

drafted → submitted → street_reviewed → filed, with a return-for-correction path back to drafted
from the two review steps. A change filing (变更备案) is recorded while the filing stays filed.
A filed organisation ends either cancelled (注销, asked for by the organisation or recorded by
staff) or revoked (撤销, a sanction only the district decides).

Roles: the organisation (``org_staff``) drafts and submits; street staff may submit on its behalf
(many community groups have no account of their own) and carry out the street review; the district
files, returns after street review and revokes; changes are recorded by staff after checking the
documents. Admins may act wherever street or district staff may.

Annual reports: the report for year Y is due on a configurable day of year Y + 1 (31 May by
default); ``overdue_reports`` lists the filed organisations that have missed one.
"""

from collections.abc import Hashable, Iterable
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from .roles import APPLICANT, DISTRICT, STAFF, STREET
from .statemachine import Row, Workflow, make_transitions


class FilingState(StrEnum):
    DRAFTED = "drafted"
    SUBMITTED = "submitted"
    STREET_REVIEWED = "street_reviewed"
    FILED = "filed"
    CANCELLED = "cancelled"
    REVOKED = "revoked"


FILING_STATE_LABELS: dict[str, str] = {
    FilingState.DRAFTED: "草稿",
    FilingState.SUBMITTED: "已提交",
    FilingState.STREET_REVIEWED: "街道已审核",
    FilingState.FILED: "已备案",
    FilingState.CANCELLED: "已注销",
    FilingState.REVOKED: "已撤销",
}


class FilingAction(StrEnum):
    SUBMIT = "submit"
    RETURN_FOR_CORRECTION = "return_for_correction"
    STREET_APPROVE = "street_approve"
    FILE = "file"
    RECORD_CHANGE = "record_change"
    CANCEL = "cancel"
    REVOKE = "revoke"


FILING_ACTION_LABELS: dict[str, str] = {
    FilingAction.SUBMIT: "提交备案",
    FilingAction.RETURN_FOR_CORRECTION: "退回补正",
    FilingAction.STREET_APPROVE: "街道审核通过",
    FilingAction.FILE: "准予备案",
    FilingAction.RECORD_CHANGE: "变更备案",
    FilingAction.CANCEL: "注销备案",
    FilingAction.REVOKE: "撤销备案",
}


@dataclass(frozen=True)
class FilingFacts:
    comment: str = ""


def reason_given(facts: FilingFacts) -> str | None:
    """须填写理由"""
    return None if facts.comment.strip() else "请填写理由（将记入办理记录）"


def change_described(facts: FilingFacts) -> str | None:
    """须写明变更事项"""
    return None if facts.comment.strip() else "请写明变更事项"


S, A = FilingState, FilingAction

# (action, source, target, roles[, guard])
FILING_TABLE: tuple[Row, ...] = (
    (A.SUBMIT, S.DRAFTED, S.SUBMITTED, APPLICANT | STREET),
    (A.RETURN_FOR_CORRECTION, S.SUBMITTED, S.DRAFTED, STREET, reason_given),
    (A.RETURN_FOR_CORRECTION, S.STREET_REVIEWED, S.DRAFTED, DISTRICT, reason_given),
    (A.STREET_APPROVE, S.SUBMITTED, S.STREET_REVIEWED, STREET),
    (A.FILE, S.STREET_REVIEWED, S.FILED, DISTRICT),
    (A.RECORD_CHANGE, S.FILED, S.FILED, STAFF, change_described),
    (A.CANCEL, S.FILED, S.CANCELLED, APPLICANT | STAFF, reason_given),
    (A.REVOKE, S.FILED, S.REVOKED, DISTRICT, reason_given),
)

FILING_WORKFLOW: Workflow[FilingFacts] = Workflow(
    "community_filing",
    states=FILING_STATE_LABELS,
    initial=S.DRAFTED,
    terminal=(S.CANCELLED, S.REVOKED),
    transitions=make_transitions(FILING_ACTION_LABELS, FILING_TABLE),
)


# -- annual reports ------------------------------------------------------------------------------


@dataclass(frozen=True)
class AnnualReportRule:
    """When the report for a year is due, and whether the filing year itself needs one."""

    due_month: int = 5
    due_day: int = 31
    report_filing_year: bool = True

    def __post_init__(self) -> None:
        # 2001 is not a leap year: a rule must give a due date that exists every year.
        try:
            date(2001, self.due_month, self.due_day)
        except ValueError:
            raise ValueError("年报截止日期无效（须为每年都存在的日期）") from None


DEFAULT_REPORT_RULE = AnnualReportRule()


def first_report_year(filed_on: date, rule: AnnualReportRule = DEFAULT_REPORT_RULE) -> int:
    return filed_on.year if rule.report_filing_year else filed_on.year + 1


def annual_report_due(
    filed_on: date, year: int, rule: AnnualReportRule = DEFAULT_REPORT_RULE
) -> date:
    """The due date of the report for ``year`` of an organisation filed on ``filed_on``."""
    if year < first_report_year(filed_on, rule):
        raise ValueError(f"{year} 年度无需报送年报（{filed_on.year} 年备案）")
    return date(year + 1, rule.due_month, rule.due_day)


@dataclass(frozen=True)
class FilingReports:
    """One filing's report status, as the service reads it from the database."""

    filing_id: Hashable
    filed_on: date
    reported_years: frozenset[int] = frozenset()
    state: str = FilingState.FILED


@dataclass(frozen=True)
class OverdueReport:
    filing_id: Hashable
    year: int
    due_on: date
    days_overdue: int


def overdue_reports(
    filings: Iterable[FilingReports], today: date, rule: AnnualReportRule = DEFAULT_REPORT_RULE
) -> list[OverdueReport]:
    """Missing annual reports past their due date, oldest due first (input order within a day).

    Only filings still filed are listed: a cancelled or revoked organisation owes no reports,
    and the due day itself is still in time.
    """
    overdue = []
    for filing in filings:
        if filing.state != FilingState.FILED:
            continue
        year = first_report_year(filing.filed_on, rule)
        while (due := annual_report_due(filing.filed_on, year, rule)) < today:
            if year not in filing.reported_years:
                overdue.append(OverdueReport(filing.filing_id, year, due, (today - due).days))
            year += 1
    return sorted(overdue, key=lambda r: r.due_on)
