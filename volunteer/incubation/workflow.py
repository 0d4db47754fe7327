"""The incubation case workflow (孵化): states, actions, guards and who may take each step.

A case runs draft → applied → screened → approved → incubating, through mid-term evaluations
(pass: back to incubating; fail: rectification with a deadline) to graduation (出壳) or exit.
Withdrawn, rejected, graduated and exited are terminal. ``CASE_WORKFLOW.describe()`` prints the
table; ``CaseFacts`` carries every fact the guards read, including the settings (``CasePolicy``).

Roles: the applicant organisation (``org_staff``) submits, withdraws and submits its
rectification report. Street staff, district staff and admins screen, return for correction,
reject at first check, run mid-term evaluations, accept rectifications and confirm the space is
handed back. Decisions that commit the district's incubation centre — approval, rejection after
screening, move-in, renewal, graduation and starting an exit — are the district's (district staff
and admins). Auditors, volunteers and reviewers take none.

Beyond the issue's outline: ``return_for_correction`` (退回补正, applied → draft) so that a case
whose first-check window has passed is not stuck, and ``rectification_submitted`` (整改待验收) so
that the organisation's rectification is verified by staff before the case resumes.
"""

from dataclasses import dataclass, field
from datetime import date, timedelta
from enum import StrEnum

from .roles import APPLICANT, DISTRICT, STAFF
from .statemachine import Row, Workflow, make_transitions
from .workdays import WorkCalendar, zh_date


class CaseState(StrEnum):
    DRAFT = "draft"
    APPLIED = "applied"
    SCREENED = "screened"
    APPROVED = "approved"
    INCUBATING = "incubating"
    MIDTERM = "midterm"
    RECTIFICATION = "rectification"
    RECTIFICATION_SUBMITTED = "rectification_submitted"
    EXITING = "exiting"
    GRADUATED = "graduated"
    EXITED = "exited"
    WITHDRAWN = "withdrawn"
    REJECTED = "rejected"


CASE_STATE_LABELS: dict[str, str] = {
    CaseState.DRAFT: "草稿",
    CaseState.APPLIED: "已申请",
    CaseState.SCREENED: "已初审",
    CaseState.APPROVED: "已批准入孵",
    CaseState.INCUBATING: "孵化中",
    CaseState.MIDTERM: "中期评估中",
    CaseState.RECTIFICATION: "整改中",
    CaseState.RECTIFICATION_SUBMITTED: "整改待验收",
    CaseState.EXITING: "退出中",
    CaseState.GRADUATED: "已出壳",
    CaseState.EXITED: "已退出",
    CaseState.WITHDRAWN: "已撤回",
    CaseState.REJECTED: "已驳回",
}


class CaseAction(StrEnum):
    SUBMIT = "submit"
    WITHDRAW = "withdraw"
    RETURN_FOR_CORRECTION = "return_for_correction"
    SCREEN = "screen"
    REJECT = "reject"
    APPROVE = "approve"
    START_INCUBATION = "start_incubation"
    RENEW = "renew"
    START_MIDTERM = "start_midterm"
    PASS_MIDTERM = "pass_midterm"  # noqa: S105 — an action name, not a password
    FAIL_MIDTERM = "fail_midterm"
    SUBMIT_RECTIFICATION = "submit_rectification"
    ACCEPT_RECTIFICATION = "accept_rectification"
    REJECT_RECTIFICATION = "reject_rectification"
    BEGIN_EXIT = "begin_exit"
    GRADUATE = "graduate"
    COMPLETE_EXIT = "complete_exit"


CASE_ACTION_LABELS: dict[str, str] = {
    CaseAction.SUBMIT: "提交申请",
    CaseAction.WITHDRAW: "撤回申请",
    CaseAction.RETURN_FOR_CORRECTION: "退回补正",
    CaseAction.SCREEN: "初审通过",
    CaseAction.REJECT: "驳回",
    CaseAction.APPROVE: "批准入孵",
    CaseAction.START_INCUBATION: "入孵",
    CaseAction.RENEW: "续期",
    CaseAction.START_MIDTERM: "开始中期评估",
    CaseAction.PASS_MIDTERM: "中期评估通过",
    CaseAction.FAIL_MIDTERM: "中期评估未通过，限期整改",
    CaseAction.SUBMIT_RECTIFICATION: "提交整改报告",
    CaseAction.ACCEPT_RECTIFICATION: "整改验收通过",
    CaseAction.REJECT_RECTIFICATION: "整改验收未通过，启动退出",
    CaseAction.BEGIN_EXIT: "启动退出",
    CaseAction.GRADUATE: "出壳",
    CaseAction.COMPLETE_EXIT: "完成退出",
}


class IncubationMode(StrEnum):
    PHYSICAL = "physical"
    VIRTUAL = "virtual"


INCUBATION_MODE_LABELS: dict[str, str] = {
    IncubationMode.PHYSICAL: "入驻孵化",
    IncubationMode.VIRTUAL: "虚拟孵化",
}


@dataclass(frozen=True)
class CasePolicy:
    """Settings of the incubation centre (from the ini file or a settings table)."""

    screening_working_days: int = 5
    max_renewals: int = 1
    # Calendar days after move-in by which the organisation must be filed or registered.
    filing_days_limit: int = 180
    calendar: WorkCalendar = field(default_factory=WorkCalendar)


@dataclass(frozen=True)
class CaseFacts:
    """What the guards need to know about one case, as of ``today`` (Asia/Shanghai)."""

    today: date
    comment: str = ""
    applied_on: date | None = None
    mode: IncubationMode | None = None
    agreement_signed: bool = False
    renewals_used: int = 0
    rectification_deadline: date | None = None
    final_evaluation_passed: bool = False
    filed_or_registered: bool = False
    space_handed_back: bool = False
    policy: CasePolicy = field(default_factory=CasePolicy)


def screening_deadline(applied_on: date, policy: CasePolicy) -> date:
    """Last day on which the first check is in time (the whole day counts)."""
    return policy.calendar.add_working_days(applied_on, policy.screening_working_days)


def filing_overdue(
    incubation_started_on: date, filed_or_registered: bool, today: date, days_limit: int
) -> bool:
    """True when an incubating organisation is still neither filed nor registered after
    ``days_limit`` calendar days; on day ``days_limit`` itself it is still in time."""
    if days_limit < 0:
        raise ValueError("备案期限天数不能为负数")
    if filed_or_registered:
        return False
    return today > incubation_started_on + timedelta(days=days_limit)


# -- guards: None when the step may go ahead, else a Chinese reason ------------------------------


def reason_given(facts: CaseFacts) -> str | None:
    """须填写理由"""
    # Negative decisions are appealed; the case history must say why.
    return None if facts.comment.strip() else "请填写理由（将记入办理记录）"


def within_screening_window(facts: CaseFacts) -> str | None:
    """申请后规定工作日内完成初审"""
    if facts.applied_on is None:
        return "缺少申请日期"
    if facts.today < facts.applied_on:
        return "初审日期不能早于申请日期"
    deadline = screening_deadline(facts.applied_on, facts.policy)
    if facts.today > deadline:
        days = facts.policy.screening_working_days
        return (
            f"已超过初审时限（申请后 {days} 个工作日，即 {zh_date(deadline)} 前），"
            "请退回补正后重新受理"
        )
    return None


def agreement_signed(facts: CaseFacts) -> str | None:
    """已确定孵化方式并签订入孵协议"""
    if facts.mode is None:
        return "尚未确定孵化方式（入驻孵化或虚拟孵化）"
    if not facts.agreement_signed:
        return "尚未签订入孵协议"
    return None


def renewal_available(facts: CaseFacts) -> str | None:
    """续期次数未达上限"""
    limit = facts.policy.max_renewals
    if facts.renewals_used >= limit:
        return f"续期次数已达上限（{limit} 次）"
    return None


def rectification_deadline_set(facts: CaseFacts) -> str | None:
    """已设定晚于今天的整改期限"""
    deadline = facts.rectification_deadline
    if deadline is None:
        return "请设定整改期限"
    if deadline <= facts.today:
        return "整改期限须晚于今天"
    return None


def rectification_deadline_passed(facts: CaseFacts) -> str | None:
    """整改期限已过仍未提交整改"""
    # Before the deadline the organisation is still entitled to rectify.
    deadline = facts.rectification_deadline
    if deadline is None:
        return "未设定整改期限"
    if facts.today <= deadline:
        return f"整改期限（{zh_date(deadline)}）未到，不能启动退出"
    return None


def ready_to_graduate(facts: CaseFacts) -> str | None:
    """终期评估通过且已备案或登记"""
    missing = []
    if not facts.final_evaluation_passed:
        missing.append("尚未通过终期评估")
    if not facts.filed_or_registered:
        missing.append("组织尚未备案或登记")
    return "；".join(missing) or None


def space_handed_back(facts: CaseFacts) -> str | None:
    """入驻孵化的已交还场地"""
    if facts.mode == IncubationMode.PHYSICAL and not facts.space_handed_back:
        return "入驻孵化的组织须先交还场地"
    return None


S, A = CaseState, CaseAction

# (action, source, target, roles[, guard]) — the one place that says who may move a case where.
CASE_TABLE: tuple[Row, ...] = (
    (A.SUBMIT, S.DRAFT, S.APPLIED, APPLICANT),
    (A.WITHDRAW, S.DRAFT, S.WITHDRAWN, APPLICANT),
    (A.WITHDRAW, S.APPLIED, S.WITHDRAWN, APPLICANT),
    (A.WITHDRAW, S.SCREENED, S.WITHDRAWN, APPLICANT),
    (A.WITHDRAW, S.APPROVED, S.WITHDRAWN, APPLICANT),
    (A.RETURN_FOR_CORRECTION, S.APPLIED, S.DRAFT, STAFF, reason_given),
    (A.SCREEN, S.APPLIED, S.SCREENED, STAFF, within_screening_window),
    (A.REJECT, S.APPLIED, S.REJECTED, STAFF, reason_given),
    (A.REJECT, S.SCREENED, S.REJECTED, DISTRICT, reason_given),
    (A.APPROVE, S.SCREENED, S.APPROVED, DISTRICT),
    (A.START_INCUBATION, S.APPROVED, S.INCUBATING, DISTRICT, agreement_signed),
    (A.RENEW, S.INCUBATING, S.INCUBATING, DISTRICT, renewal_available),
    (A.START_MIDTERM, S.INCUBATING, S.MIDTERM, STAFF),
    (A.PASS_MIDTERM, S.MIDTERM, S.INCUBATING, STAFF),
    (A.FAIL_MIDTERM, S.MIDTERM, S.RECTIFICATION, STAFF, rectification_deadline_set),
    (A.SUBMIT_RECTIFICATION, S.RECTIFICATION, S.RECTIFICATION_SUBMITTED, APPLICANT),
    (A.ACCEPT_RECTIFICATION, S.RECTIFICATION_SUBMITTED, S.INCUBATING, STAFF),
    (A.REJECT_RECTIFICATION, S.RECTIFICATION_SUBMITTED, S.EXITING, DISTRICT, reason_given),
    (A.BEGIN_EXIT, S.INCUBATING, S.EXITING, DISTRICT, reason_given),
    (A.BEGIN_EXIT, S.RECTIFICATION, S.EXITING, DISTRICT, rectification_deadline_passed),
    (A.GRADUATE, S.INCUBATING, S.GRADUATED, DISTRICT, ready_to_graduate),
    (A.COMPLETE_EXIT, S.EXITING, S.EXITED, STAFF, space_handed_back),
)

CASE_WORKFLOW: Workflow[CaseFacts] = Workflow(
    "incubation_case",
    states=CASE_STATE_LABELS,
    initial=S.DRAFT,
    terminal=(S.GRADUATED, S.EXITED, S.WITHDRAWN, S.REJECTED),
    transitions=make_transitions(CASE_ACTION_LABELS, CASE_TABLE),
)
