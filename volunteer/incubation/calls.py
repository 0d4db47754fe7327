"""Venture-philanthropy call use cases: open a call with its rubric, appoint reviewers, take
declared conflicts (recusal) and scores, work out each proposal's score (`score_breakdown`),
rank and fund within the budget (`rank_and_fund`), shortlist by the ranking and publish the
public notice. Per-proposal steps are `ProposalService`'s."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

import sqlalchemy as sa

from volunteer.accounts.models import User
from volunteer.areas.models import Area
from volunteer.audit import snapshot
from volunteer.authz import Permission, permissions_for
from volunteer.errors import Conflict, NotAllowed, ValidationFailed
from volunteer.incubation import scoring as sc
from volunteer.incubation.models import (
    CallReviewer,
    Proposal,
    ProposalReview,
    ReviewerConflict,
    VentureCall,
)
from volunteer.incubation.proposal_rules import ProposalAction, ProposalState
from volunteer.incubation.proposals import ProposalService
from volunteer.incubation.roles import REVIEWER
from volunteer.incubation.scoping import calls_clause

S = ProposalState
# Proposals that have been through review and are not out of the competition.
NOT_RANKED = frozenset(
    {S.DRAFT, S.SUBMITTED, S.ELIGIBLE, S.INELIGIBLE, S.UNDER_REVIEW, S.WITHDRAWN}
)


@dataclass(frozen=True)
class CallInput:
    name: str
    area_id: int
    budget_fen: int
    opens_on: dt.date
    closes_on: dt.date
    criteria: list[dict]
    bonus: list[dict]
    review_ends_on: dt.date | None = None
    drop_extremes: bool = True
    notice_days: int = 7


@dataclass(frozen=True)
class RankingRow:
    proposal: Proposal
    breakdown: sc.ScoreBreakdown
    ranked: sc.RankedProposal | None


def rubric_of(call: VentureCall) -> sc.Rubric:
    try:
        return sc.Rubric(
            tuple(sc.Criterion(c["name"], int(c["weight"])) for c in call.criteria),
            tuple(sc.Bonus(b["name"], int(b["max_points"])) for b in call.bonus or ()),
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise ValidationFailed(f"评分细则有误：{exc}") from None


def exact_points(values: dict[str, str]) -> dict[str, Decimal]:
    """Form text → exact decimals; floats never enter a score."""
    points = {}
    for name, text in values.items():
        try:
            points[name] = Decimal(str(text).strip())
        except InvalidOperation:
            raise ValidationFailed(f"「{name}」的分数应为数字，如 27 或 27.5") from None
    return points


class CallService(ProposalService):
    def create_call(self, data: CallInput) -> VentureCall:
        self.require(Permission.CALLS_MANAGE)
        area = self.dbsession.get(Area, data.area_id)
        if area is None or not self.scope.covers_path(area.path):
            raise ValidationFailed("请选择本辖区内的区域")
        if data.budget_fen <= 0 or data.closes_on < data.opens_on or data.notice_days < 1:
            raise ValidationFailed("预算须大于 0，截止日期不能早于开始日期，公示天数至少 1 天")
        call = VentureCall(area=area, **{k: v for k, v in vars(data).items() if k != "area_id"})
        try:
            rubric_of(call)
        except sc.ScoringError as exc:
            raise ValidationFailed(str(exc)) from None
        self.dbsession.add(call)
        self.dbsession.flush()
        self.audit.record(
            "incubation.call.create",
            "venture_call",
            call.id,
            after=snapshot(call),
            area_path=area.path,
        )
        return call

    def appoint_reviewer(self, call: VentureCall, user_id: int) -> CallReviewer:
        self.require(Permission.CALLS_MANAGE)
        user = self.dbsession.get(User, user_id)
        if (
            user is None
            or not user.is_active
            or (Permission.CALLS_REVIEW not in permissions_for(user.role))
        ):
            raise ValidationFailed("评审专家须为有评审权限的在用账号")
        if any(r.user_id == user.id for r in call.reviewers):
            raise Conflict(f"{user.display_name} 已是本期评审专家")
        reviewer = CallReviewer(call=call, user=user)
        self.dbsession.add(reviewer)
        self.dbsession.flush()
        self.audit.record(
            "incubation.call.reviewer",
            "venture_call",
            call.id,
            after={"reviewer": user.username},
            area_path=call.area.path,
        )
        return reviewer

    def _my_reviewer(self, proposal: Proposal) -> CallReviewer:
        self.require(Permission.CALLS_REVIEW)
        for reviewer in proposal.call.reviewers:
            if reviewer.user_id == self.scope.user_id:
                return reviewer
        raise NotAllowed("您不是本期创投的评审专家")

    def declare_conflict(self, proposal: Proposal, reason: str) -> ReviewerConflict:
        reviewer = self._my_reviewer(proposal)
        if not reason.strip():
            raise ValidationFailed("请说明利益冲突的情况")
        if any(c.reviewer_id == reviewer.id for c in proposal.conflicts):
            raise Conflict("已声明回避")
        conflict = ReviewerConflict(reviewer=reviewer, proposal_id=proposal.id, reason=reason)
        self.dbsession.add(conflict)
        proposal.conflicts.append(conflict)
        self._event(proposal, "declare_conflict", proposal.state, f"评审专家回避：{reason}", False)
        self._audit(proposal, "declare_conflict", None, reason)
        self._finish_if_complete(proposal)
        return conflict

    def score(self, proposal: Proposal, scores: dict[str, str], comment: str | None = None):
        reviewer = self._my_reviewer(proposal)
        if any(c.reviewer_id == reviewer.id for c in proposal.conflicts):
            raise Conflict("您已声明回避，不能为该项目评分")
        if proposal.state != S.UNDER_REVIEW:
            raise Conflict("项目不在评审阶段")
        points = exact_points(scores)
        try:
            rubric_of(proposal.call).review_total(points)
        except sc.ScoringError as exc:
            raise ValidationFailed(str(exc)) from None
        stored = {name: str(value) for name, value in points.items()}
        review = next((r for r in proposal.reviews if r.reviewer_id == self.scope.user_id), None)
        before = None if review is None else dict(review.scores)
        if review is None:
            review = ProposalReview(
                proposal_id=proposal.id, reviewer_id=self.scope.user_id, scores=stored
            )
            self.dbsession.add(review)
            proposal.reviews.append(review)
        review.scores, review.comment, review.submitted_at = stored, comment, self.now
        self.dbsession.flush()
        self.audit.record(
            "incubation.proposal.score",
            "proposal",
            proposal.id,
            before=before,
            after=stored,
            area_path=proposal.organisation.area.path,
        )
        self._finish_if_complete(proposal)
        return review

    def _finish_if_complete(self, proposal: Proposal) -> None:
        # The last outstanding score closes the review step, in that reviewer's name.
        if (
            proposal.state == S.UNDER_REVIEW
            and self.reviews_pending(proposal) == 0
            and proposal.reviews
        ):
            self.transition(
                proposal,
                ProposalAction.FINISH_REVIEW,
                "全部评审专家已评分或回避",
                public=False,
                extra_roles={REVIEWER},
            )

    def set_bonus(self, proposal: Proposal, values: dict[str, str]) -> None:
        self.require(Permission.CALLS_MANAGE)
        points = {k: v for k, v in exact_points(values).items() if v != 0}
        try:
            rubric_of(proposal.call).bonus_total(points)
        except sc.ScoringError as exc:
            raise ValidationFailed(str(exc)) from None
        before = snapshot(proposal)
        proposal.bonus_points = {k: str(v) for k, v in points.items()}
        self._audit(proposal, "bonus", before)

    # -- scores and ranking --------------------------------------------------------------------

    def breakdown(self, proposal: Proposal) -> sc.ScoreBreakdown:
        call = proposal.call
        reviews = [sc.Review(str(r.reviewer_id), exact_points(r.scores)) for r in proposal.reviews]
        conflicts = [str(c.reviewer.user_id) for c in proposal.conflicts]
        return sc.score_breakdown(
            rubric_of(call),
            reviews,
            conflicts,
            drop_extremes=call.drop_extremes,
            bonus_points=exact_points(proposal.bonus_points or {}),
        )

    def ranking(self, call: VentureCall) -> list[RankingRow]:
        """Every reviewed proposal still in the competition, ranked, with the funding line."""
        rows = {
            p.id: (p, self.breakdown(p))
            for p in call.proposals
            if p.state not in NOT_RANKED and not p.objection_upheld
        }
        scored = [
            (pid, b.score, p.requested_fen) for pid, (p, b) in rows.items() if b.score is not None
        ]
        ranked = {r.id: r for r in sc.rank_and_fund(scored, call.budget_fen)}
        ordered = sorted(
            rows.values(), key=lambda pb: ranked[pb[0].id].rank if pb[0].id in ranked else 10**9
        )
        return [RankingRow(p, b, ranked.get(p.id)) for p, b in ordered]

    def shortlist_by_ranking(self, call: VentureCall) -> tuple[int, int]:
        """Scored proposals above the funding line are shortlisted, the rest declined."""
        self.require(Permission.CALLS_MANAGE)
        waiting = [p for p in call.proposals if p.state in (S.ELIGIBLE, S.UNDER_REVIEW)]
        if waiting:
            raise Conflict(f"还有 {len(waiting)} 个项目未完成评审，不能确定入围名单")
        shortlisted = declined = 0
        for row in self.ranking(call):
            if row.proposal.state != S.SCORED:
                continue
            if row.ranked is not None and row.ranked.funded:
                self.transition(row.proposal, ProposalAction.SHORTLIST, "按评审排名入围")
                shortlisted += 1
            else:
                self.transition(row.proposal, ProposalAction.DECLINE, "评审排名未进入资助范围")
                declined += 1
        return shortlisted, declined

    def publish_notice(self, call: VentureCall) -> int:
        self.require(Permission.CALLS_MANAGE)
        shortlisted = [p for p in call.proposals if p.state == S.SHORTLISTED]
        if not shortlisted:
            raise Conflict("没有待公示的入围项目")
        for proposal in shortlisted:
            self.transition(proposal, ProposalAction.PUBLISH_NOTICE, f"公示 {call.notice_days} 天")
        return len(shortlisted)

    def calls(self) -> list[VentureCall]:
        query = (
            sa.select(VentureCall).where(calls_clause(self.scope)).order_by(VentureCall.id.desc())
        )
        return list(self.dbsession.scalars(query))
