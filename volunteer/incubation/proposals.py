"""Venture-philanthropy proposal use cases: apply to a call, move a proposal through
`PROPOSAL_WORKFLOW` with facts read from the rows (history + audit on every step), objections
during the public notice, the tranche plan, acceptance of requirements and gated release."""

from __future__ import annotations

import dataclasses
import datetime as dt

import sqlalchemy as sa

from volunteer.areas.models import Organisation
from volunteer.audit import snapshot
from volunteer.authz import Permission
from volunteer.errors import Conflict, ValidationFailed
from volunteer.incubation import proposal_rules as pr
from volunteer.incubation import tranches as tr
from volunteer.incubation.base import IncubationService
from volunteer.incubation.models import Proposal, ProposalEvent, Tranche, VentureCall
from volunteer.incubation.proposal_rules import PROPOSAL_WORKFLOW, ProposalAction, ProposalState
from volunteer.incubation.roles import REVIEWER
from volunteer.incubation.scoping import call_in_scope, organisation_in_scope, proposal_in_scope

FORM_GUARDS = frozenset({pr.reason_given})
RELEASABLE = frozenset({ProposalState.IN_PROGRESS, ProposalState.COMPLETED})
PLANNABLE = frozenset({ProposalState.APPROVED, ProposalState.CONTRACTED})
S = ProposalState


def pure_tranches(proposal: Proposal) -> tuple[tr.Tranche, ...]:
    return tuple(
        tr.Tranche(
            t.seq, t.amount_fen, t.requirement, t.requirement_accepted, t.released_at is not None
        )
        for t in proposal.tranches
    )


class ProposalService(IncubationService):
    def create(
        self, call: VentureCall, organisation_id: int, title: str, requested_fen: int, summary=None
    ) -> Proposal:
        self.require(Permission.INCUBATION_EDIT)
        self.require_in_scope(call_in_scope(self.scope, call), "创投活动")
        org = self.dbsession.get(Organisation, organisation_id)
        if org is None or not organisation_in_scope(self.scope, org):
            raise ValidationFailed("请选择本辖区内的组织")
        if not org.area.path.startswith(call.area.path):
            raise ValidationFailed(f"「{org.name}」不在本期创投的服务范围（{call.area.name}）内")
        if requested_fen <= 0:
            raise ValidationFailed("申请金额必须大于 0")
        proposal = Proposal(
            call=call, organisation=org, title=title, summary=summary, requested_fen=requested_fen
        )
        self.dbsession.add(proposal)
        self.dbsession.flush()
        self._event(proposal, "create", None, "", True)
        self._audit(proposal, "create", None)
        return proposal

    # -- the workflow --------------------------------------------------------------------------

    def roles(self, proposal: Proposal) -> frozenset[str]:
        roles = {self.scope.role}
        recused = {c.reviewer.user_id for c in proposal.conflicts}
        if any(r.user_id == self.scope.user_id for r in proposal.call.reviewers) and (
            self.scope.user_id not in recused
        ):
            roles.add(REVIEWER)
        return frozenset(roles)

    def reviews_pending(self, proposal: Proposal) -> int:
        recused = {c.reviewer_id for c in proposal.conflicts}
        reviewed = {r.reviewer_id for r in proposal.reviews}
        return sum(
            1 for r in proposal.call.reviewers if r.id not in recused and r.user_id not in reviewed
        )

    def remaining_budget(self, proposal: Proposal) -> int:
        committed = self.dbsession.scalar(
            sa.select(sa.func.coalesce(sa.func.sum(Proposal.approved_fen), 0)).where(
                Proposal.call_id == proposal.call_id,
                Proposal.id != proposal.id,
                Proposal.approved_fen.is_not(None),
            )
        )
        return proposal.call.budget_fen - int(committed)

    def facts(self, proposal: Proposal, **overrides) -> pr.ProposalFacts:
        call = proposal.call
        facts = pr.ProposalFacts(
            today=self.today,
            submission_closes_on=call.closes_on,
            reviewers_assigned=len(call.reviewers),
            reviews_pending=self.reviews_pending(proposal),
            notice_started_on=proposal.notice_started_on,
            objections_pending=proposal.objections_pending,
            requested_fen=proposal.requested_fen,
            approved_fen=proposal.approved_fen,
            remaining_budget_fen=self.remaining_budget(proposal),
            contract_signed=proposal.contract_signed_on is not None,
            tranches=pure_tranches(proposal),
            final_report_accepted=proposal.final_report_accepted,
            policy=pr.ProposalPolicy(notice_days=call.notice_days),
        )
        return dataclasses.replace(facts, **overrides)

    def options(self, proposal: Proposal, facts: pr.ProposalFacts | None = None):
        """The actions offered on the page; `facts` when the caller has them already."""
        if not self.scope.may(Permission.INCUBATION_EDIT):
            return []
        # The approval form proposes the requested amount; judge the button by that.
        approved = proposal.approved_fen or proposal.requested_fen
        if facts is None:
            facts = self.facts(proposal)
        facts = dataclasses.replace(facts, approved_fen=approved)
        return [
            (t, None if t.guard in FORM_GUARDS else reason)
            for t, reason in PROPOSAL_WORKFLOW.options(proposal.state, self.roles(proposal), facts)
        ]

    def transition(
        self,
        proposal: Proposal,
        action: str,
        comment: str = "",
        *,
        public: bool = True,
        approved_fen: int | None = None,
        contract_signed_on: dt.date | None = None,
        spent_fen: int | None = None,
        extra_roles: frozenset[str] | set[str] = frozenset(),
    ) -> ProposalEvent:
        self.require(Permission.INCUBATION_EDIT)
        self.require_in_scope(proposal_in_scope(self.scope, proposal), "项目")
        overrides: dict = {"comment": comment or ""}
        if action == ProposalAction.APPROVE:
            overrides["approved_fen"] = approved_fen or proposal.requested_fen
        if action == ProposalAction.SIGN_CONTRACT and contract_signed_on is not None:
            overrides["contract_signed"] = True
        facts = self.facts(proposal, **overrides)
        before = snapshot(proposal)
        source = proposal.state
        roles = self.roles(proposal) | frozenset(extra_roles)
        target = PROPOSAL_WORKFLOW.apply(source, action, roles, facts)
        if action == ProposalAction.SUBMIT:
            proposal.submitted_on = self.today
        elif action == ProposalAction.PUBLISH_NOTICE:
            proposal.notice_started_on = self.today
        elif action == ProposalAction.UPHOLD_OBJECTION:
            proposal.objection_upheld, proposal.objections_pending = True, 0
        elif action == ProposalAction.APPROVE:
            proposal.approved_fen = facts.approved_fen
        elif action == ProposalAction.SIGN_CONTRACT:
            proposal.contract_signed_on = contract_signed_on or proposal.contract_signed_on
        elif action == ProposalAction.TERMINATE:
            proposal.recover_fen = tr.amount_to_recover(
                proposal.approved_fen or 0, tr.released_fen(facts.tranches), spent_fen or 0
            )
        proposal.state = ProposalState(target)
        event = self._event(proposal, action, source, comment, public)
        self._audit(proposal, action, before, comment)
        return event

    # -- objections during the public notice ---------------------------------------------------

    def record_objection(self, proposal: Proposal, text: str, *, dismiss: bool = False) -> None:
        self.require(Permission.CALLS_MANAGE)
        if proposal.state != S.PUBLIC_NOTICE:
            raise Conflict("只有公示中的项目可以登记或处理异议")
        if not text.strip():
            raise ValidationFailed("请填写异议内容或处理意见")
        if dismiss and proposal.objections_pending <= 0:
            raise Conflict("没有待处理的异议")
        before = snapshot(proposal)
        proposal.objections_pending += -1 if dismiss else 1
        action = "dismiss_objection" if dismiss else "record_objection"
        self._event(proposal, action, proposal.state, text, False)
        self._audit(proposal, action, before, text)

    # -- tranches ------------------------------------------------------------------------------

    def plan_tranches(self, proposal: Proposal, plan: list[tuple[int, str]]) -> list[Tranche]:
        self.require(Permission.CALLS_MANAGE)
        if proposal.state not in PLANNABLE or proposal.approved_fen is None:
            raise Conflict("只有已立项、尚未实施的项目可以设置分期拨付计划")
        if any(t.released_at for t in proposal.tranches):
            raise Conflict("已有拨付，不能修改拨付计划")
        pure = [tr.Tranche(i, amount, req) for i, (amount, req) in enumerate(plan, start=1)]
        errors = tr.tranche_plan_errors(pure, proposal.approved_fen)
        if errors:
            raise ValidationFailed("拨付计划有误", details=errors)
        before = [snapshot(t) for t in proposal.tranches]
        for old in proposal.tranches:
            self.dbsession.delete(old)
        # Flush the deletes first: (proposal_id, seq) is unique and the new plan reuses seqs.
        self.dbsession.flush()
        self.dbsession.add_all(
            Tranche(
                proposal_id=proposal.id,
                seq=t.seq,
                amount_fen=t.amount_fen,
                requirement=tr.Requirement(t.requirement),
            )
            for t in pure
        )
        self.dbsession.flush()
        self.dbsession.expire(proposal, ["tranches"])
        self._audit_tranche(proposal, "plan", before, [snapshot(t) for t in proposal.tranches])
        return list(proposal.tranches)

    def accept_requirement(self, proposal: Proposal, seq: int) -> Tranche:
        self.require(Permission.CALLS_MANAGE)
        tranche = self._tranche(proposal, seq)
        if proposal.state not in RELEASABLE | {S.CONTRACTED}:
            raise Conflict("项目未在实施中，不能验收拨付条件")
        if tranche.requirement_accepted:
            raise Conflict(f"第 {seq} 期的拨付条件已通过验收")
        before = snapshot(tranche)
        tranche.requirement_accepted, tranche.accepted_on = True, self.today
        self._audit_tranche(proposal, "accept", before, snapshot(tranche))
        return tranche

    def release(self, proposal: Proposal, seq: int) -> Tranche:
        """Record a tranche as released; the ledger payment comes with the funds domain."""
        self.require(Permission.CALLS_MANAGE)
        tranche = self._tranche(proposal, seq)
        if proposal.state not in RELEASABLE:
            raise Conflict("只有实施中或已完成验收的项目可以拨付")
        reason = tr.can_release(pure_tranches(proposal), seq)
        if reason is not None:
            raise Conflict(reason)
        before = snapshot(tranche)
        tranche.released_at, tranche.released_by = self.now, self.audit.actor_id
        self._audit_tranche(proposal, "release", before, snapshot(tranche))
        return tranche

    def accept_final_report(self, proposal: Proposal) -> None:
        self.require(Permission.CALLS_MANAGE)
        if proposal.state != S.IN_PROGRESS or proposal.final_report_accepted:
            raise Conflict("只有实施中、结项报告尚未验收的项目可以验收结项报告")
        before = snapshot(proposal)
        proposal.final_report_accepted = True
        self._event(proposal, "accept_final_report", proposal.state, "结项报告通过验收", True)
        self._audit(proposal, "accept_final_report", before)

    def _tranche(self, proposal: Proposal, seq: int) -> Tranche:
        for tranche in proposal.tranches:
            if tranche.seq == seq:
                return tranche
        raise ValidationFailed(f"没有第 {seq} 期拨付")

    # -- history and audit ---------------------------------------------------------------------

    def _event(self, proposal, action, source, comment, public) -> ProposalEvent:
        event = ProposalEvent(
            proposal_id=proposal.id,
            action=action,
            from_state=source,
            to_state=proposal.state,
            actor_id=self.audit.actor_id,
            actor_name=self.audit.actor_name,
            at=self.now,
            comment=comment or None,
            comment_public=public,
        )
        self.dbsession.add(event)
        proposal.events.append(event)
        return event

    def _audit(self, proposal: Proposal, action: str, before, note: str | None = None) -> None:
        self.dbsession.flush()
        self.audit.record(
            f"incubation.proposal.{action}",
            "proposal",
            proposal.id,
            before=before,
            after=snapshot(proposal),
            area_path=proposal.organisation.area.path,
            note=note or None,
        )

    def _audit_tranche(self, proposal: Proposal, action: str, before, after) -> None:
        self.dbsession.flush()
        self.audit.record(
            f"incubation.tranche.{action}",
            "proposal",
            proposal.id,
            before={"tranches": before} if isinstance(before, list) else before,
            after={"tranches": after} if isinstance(after, list) else after,
            area_path=proposal.organisation.area.path,
        )
