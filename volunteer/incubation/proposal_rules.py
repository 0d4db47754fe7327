"""Venture-philanthropy proposals (公益创投项目申报): workflow, guards and roles.

draft → submitted → eligible | ineligible (first check) → under_review → scored → shortlisted |
rejected → public_notice → approved (upheld objection: rejected) → contracted → in_progress →
completed → closed; suspended and terminated from contracted or in progress. Terminal: ineligible,
rejected, withdrawn, terminated, closed. Funds to recover on termination and tranche gating are in
``tranches``; scoring and ranking in ``scoring``.

Roles: the applicant organisation (``org_staff``) submits and may withdraw until review starts.
Calls are run by the district bureau, so every decision is ``district_staff`` or ``admin``; street
staff take none. A ``reviewer`` (the per-call capability of an appointed expert) scores outside
this table and may close the review step, so that the service can advance the proposal when the
last outstanding score comes in, under that reviewer's name.

Beyond the issue's outline: ``withdrawn`` (the applicant pulls out before review) and ``decline``
(scored but not shortlisted → rejected), so that every proposal of a finished call ends in a
terminal state.
"""

from dataclasses import dataclass, field
from datetime import date, timedelta
from enum import StrEnum

from .roles import APPLICANT, DISTRICT, REVIEWER
from .statemachine import Row, Workflow, make_transitions
from .tranches import Tranche, released_fen, tranche_plan_errors
from .workdays import zh_date


class ProposalState(StrEnum):
    DRAFT = "draft"
    SUBMITTED = "submitted"
    ELIGIBLE = "eligible"
    INELIGIBLE = "ineligible"
    UNDER_REVIEW = "under_review"
    SCORED = "scored"
    SHORTLISTED = "shortlisted"
    PUBLIC_NOTICE = "public_notice"
    REJECTED = "rejected"
    APPROVED = "approved"
    CONTRACTED = "contracted"
    IN_PROGRESS = "in_progress"
    SUSPENDED = "suspended"
    COMPLETED = "completed"
    CLOSED = "closed"
    TERMINATED = "terminated"
    WITHDRAWN = "withdrawn"


PROPOSAL_STATE_LABELS: dict[str, str] = {
    ProposalState.DRAFT: "草稿",
    ProposalState.SUBMITTED: "已提交",
    ProposalState.ELIGIBLE: "资格审查通过",
    ProposalState.INELIGIBLE: "资格审查未通过",
    ProposalState.UNDER_REVIEW: "评审中",
    ProposalState.SCORED: "已评分",
    ProposalState.SHORTLISTED: "已入围",
    ProposalState.PUBLIC_NOTICE: "公示中",
    ProposalState.REJECTED: "未获资助",
    ProposalState.APPROVED: "已立项",
    ProposalState.CONTRACTED: "已签约",
    ProposalState.IN_PROGRESS: "实施中",
    ProposalState.SUSPENDED: "已暂停",
    ProposalState.COMPLETED: "已完成",
    ProposalState.CLOSED: "已结项",
    ProposalState.TERMINATED: "已终止",
    ProposalState.WITHDRAWN: "已撤回",
}


class ProposalAction(StrEnum):
    SUBMIT = "submit"
    WITHDRAW = "withdraw"
    PASS_CHECK = "pass_check"  # noqa: S105 — an action name, not a password
    FAIL_CHECK = "fail_check"
    START_REVIEW = "start_review"
    FINISH_REVIEW = "finish_review"
    SHORTLIST = "shortlist"
    DECLINE = "decline"
    PUBLISH_NOTICE = "publish_notice"
    UPHOLD_OBJECTION = "uphold_objection"
    APPROVE = "approve"
    SIGN_CONTRACT = "sign_contract"
    START = "start"
    SUSPEND = "suspend"
    RESUME = "resume"
    TERMINATE = "terminate"
    COMPLETE = "complete"
    CLOSE = "close"


PROPOSAL_ACTION_LABELS: dict[str, str] = {
    ProposalAction.SUBMIT: "提交申报",
    ProposalAction.WITHDRAW: "撤回申报",
    ProposalAction.PASS_CHECK: "资格审查通过",
    ProposalAction.FAIL_CHECK: "资格审查不通过",
    ProposalAction.START_REVIEW: "进入评审",
    ProposalAction.FINISH_REVIEW: "评审完成",
    ProposalAction.SHORTLIST: "入围",
    ProposalAction.DECLINE: "未入围",
    ProposalAction.PUBLISH_NOTICE: "公示",
    ProposalAction.UPHOLD_OBJECTION: "异议成立，不予立项",
    ProposalAction.APPROVE: "批准立项",
    ProposalAction.SIGN_CONTRACT: "签约",
    ProposalAction.START: "启动实施",
    ProposalAction.SUSPEND: "暂停",
    ProposalAction.RESUME: "恢复实施",
    ProposalAction.TERMINATE: "终止",
    ProposalAction.COMPLETE: "完成验收",
    ProposalAction.CLOSE: "结项",
}


@dataclass(frozen=True)
class ProposalPolicy:
    """Settings of one call."""

    # Calendar days the shortlist stays on public notice before approval.
    notice_days: int = 7


@dataclass(frozen=True)
class ProposalFacts:
    """What the guards need to know about one proposal and its call, as of ``today``."""

    today: date
    comment: str = ""
    submission_closes_on: date | None = None
    reviewers_assigned: int = 0
    reviews_pending: int = 0
    notice_started_on: date | None = None
    objections_pending: int = 0
    requested_fen: int | None = None
    approved_fen: int | None = None
    # The call's budget less what other proposals of the call have been approved for.
    remaining_budget_fen: int = 0
    contract_signed: bool = False
    tranches: tuple[Tranche, ...] = ()
    final_report_accepted: bool = False
    policy: ProposalPolicy = field(default_factory=ProposalPolicy)


def notice_ends_on(started_on: date, policy: ProposalPolicy) -> date:
    """Last day of the notice: a notice started on day s for N days runs s … s + N - 1."""
    return started_on + timedelta(days=policy.notice_days - 1)


# -- guards --------------------------------------------------------------------------------------


def reason_given(facts: ProposalFacts) -> str | None:
    """须填写理由"""
    return None if facts.comment.strip() else "请填写理由（将记入办理记录）"


def submission_open(facts: ProposalFacts) -> str | None:
    """在申报截止日前提交"""
    closes = facts.submission_closes_on
    if closes is not None and facts.today > closes:
        return f"申报已于 {zh_date(closes)} 截止"
    return None


def reviewers_assigned(facts: ProposalFacts) -> str | None:
    """已分配评审专家"""
    return None if facts.reviewers_assigned > 0 else "尚未分配评审专家"


def all_reviews_in(facts: ProposalFacts) -> str | None:
    """未回避的评审专家均已评分"""
    if facts.reviews_pending > 0:
        return f"还有 {facts.reviews_pending} 位评审专家未提交评分"
    return None


def ready_to_approve(facts: ProposalFacts) -> str | None:
    """公示期满、无待处理异议、金额不超过申请额和剩余预算"""
    if facts.notice_started_on is None:
        return "尚未公示"
    ends = notice_ends_on(facts.notice_started_on, facts.policy)
    if facts.today <= ends:
        return f"公示期至 {zh_date(ends)}，期满后方可立项"
    if facts.objections_pending > 0:
        return f"还有 {facts.objections_pending} 件异议未处理"
    amount = facts.approved_fen
    if amount is None or amount <= 0:
        return "请填写批准金额"
    if facts.requested_fen is not None and amount > facts.requested_fen:
        return "批准金额不能超过申请金额"
    if amount > facts.remaining_budget_fen:
        return "批准金额超过本期创投剩余预算"
    return None


def contract_signed(facts: ProposalFacts) -> str | None:
    """已签订项目协议"""
    return None if facts.contract_signed else "尚未签订项目协议"


def tranche_plan_sound(facts: ProposalFacts) -> str | None:
    """分期拨付计划与批准金额一致"""
    if facts.approved_fen is None:
        return "缺少批准金额"
    errors = tranche_plan_errors(facts.tranches, facts.approved_fen)
    return "；".join(errors) or None


def final_report_accepted(facts: ProposalFacts) -> str | None:
    """结项报告已通过验收"""
    return None if facts.final_report_accepted else "结项报告尚未通过验收"


def fully_released(facts: ProposalFacts) -> str | None:
    """各期资金均已拨付"""
    if not facts.tranches or any(not t.released for t in facts.tranches):
        return "尚有未拨付的资金，不能结项"
    if facts.approved_fen is not None and released_fen(facts.tranches) != facts.approved_fen:
        return "已拨付金额与批准金额不符"
    return None


S, A = ProposalState, ProposalAction
_REVIEW_CLOSERS = DISTRICT | {REVIEWER}

# (action, source, target, roles[, guard])
PROPOSAL_TABLE: tuple[Row, ...] = (
    (A.SUBMIT, S.DRAFT, S.SUBMITTED, APPLICANT, submission_open),
    (A.WITHDRAW, S.DRAFT, S.WITHDRAWN, APPLICANT),
    (A.WITHDRAW, S.SUBMITTED, S.WITHDRAWN, APPLICANT),
    (A.WITHDRAW, S.ELIGIBLE, S.WITHDRAWN, APPLICANT),
    (A.PASS_CHECK, S.SUBMITTED, S.ELIGIBLE, DISTRICT),
    (A.FAIL_CHECK, S.SUBMITTED, S.INELIGIBLE, DISTRICT, reason_given),
    (A.START_REVIEW, S.ELIGIBLE, S.UNDER_REVIEW, DISTRICT, reviewers_assigned),
    (A.FINISH_REVIEW, S.UNDER_REVIEW, S.SCORED, _REVIEW_CLOSERS, all_reviews_in),
    (A.SHORTLIST, S.SCORED, S.SHORTLISTED, DISTRICT),
    (A.DECLINE, S.SCORED, S.REJECTED, DISTRICT),
    (A.PUBLISH_NOTICE, S.SHORTLISTED, S.PUBLIC_NOTICE, DISTRICT),
    (A.UPHOLD_OBJECTION, S.PUBLIC_NOTICE, S.REJECTED, DISTRICT, reason_given),
    (A.APPROVE, S.PUBLIC_NOTICE, S.APPROVED, DISTRICT, ready_to_approve),
    (A.SIGN_CONTRACT, S.APPROVED, S.CONTRACTED, DISTRICT, contract_signed),
    (A.START, S.CONTRACTED, S.IN_PROGRESS, DISTRICT, tranche_plan_sound),
    (A.SUSPEND, S.CONTRACTED, S.SUSPENDED, DISTRICT, reason_given),
    (A.SUSPEND, S.IN_PROGRESS, S.SUSPENDED, DISTRICT, reason_given),
    # Resuming goes to in progress even when suspended before the start, so it checks the
    # same tranche plan as the start does.
    (A.RESUME, S.SUSPENDED, S.IN_PROGRESS, DISTRICT, tranche_plan_sound),
    (A.TERMINATE, S.CONTRACTED, S.TERMINATED, DISTRICT, reason_given),
    (A.TERMINATE, S.IN_PROGRESS, S.TERMINATED, DISTRICT, reason_given),
    (A.TERMINATE, S.SUSPENDED, S.TERMINATED, DISTRICT, reason_given),
    (A.COMPLETE, S.IN_PROGRESS, S.COMPLETED, DISTRICT, final_report_accepted),
    (A.CLOSE, S.COMPLETED, S.CLOSED, DISTRICT, fully_released),
)

PROPOSAL_WORKFLOW: Workflow[ProposalFacts] = Workflow(
    "venture_proposal",
    states=PROPOSAL_STATE_LABELS,
    initial=S.DRAFT,
    terminal=(S.INELIGIBLE, S.REJECTED, S.WITHDRAWN, S.TERMINATED, S.CLOSED),
    transitions=make_transitions(PROPOSAL_ACTION_LABELS, PROPOSAL_TABLE),
)
