"""Incubation case use cases: open a case, move it through `CASE_WORKFLOW` with facts read
from the row (each step recorded as a `CaseEvent` and in the audit log), keep its details,
mentors, services and milestones, and flag organisations not filed in time."""

from __future__ import annotations

import dataclasses
import datetime as dt

import sqlalchemy as sa

from volunteer.areas.models import Organisation, RegistrationStatus
from volunteer.audit import snapshot
from volunteer.authz import Permission
from volunteer.errors import Conflict, NotAllowed, ValidationFailed
from volunteer.incubation import workflow as wf
from volunteer.incubation.base import IncubationService
from volunteer.incubation.models import (
    CaseEvent,
    CaseMentor,
    CaseMilestone,
    CaseServiceRecord,
    IncubationCase,
    SupportKind,
)
from volunteer.incubation.roles import STAFF
from volunteer.incubation.scoping import case_in_scope, organisation_in_scope, organisations_clause
from volunteer.incubation.workflow import CASE_WORKFLOW, CaseAction, CaseState

# Guards satisfied by what the user types into the action's own form (a reason, a deadline):
# the page cannot know in advance, so these never disable a button.
FORM_GUARDS = frozenset({wf.reason_given, wf.rectification_deadline_set})
OPEN_STATES = frozenset(CaseState) - CASE_WORKFLOW.terminal
DETAIL_FIELDS = (
    "mode",
    "agreement_signed",
    "space",
    "final_evaluation_passed",
    "space_handed_back",
)


@dataclasses.dataclass
class CaseDetails:
    mode: wf.IncubationMode | None = None
    agreement_signed: bool = False
    space: str | None = None
    final_evaluation_passed: bool = False
    space_handed_back: bool = False


class CaseService(IncubationService):
    def create(self, organisation_id: int, purpose: str | None = None) -> IncubationCase:
        self.require(Permission.INCUBATION_EDIT)
        org = self.dbsession.get(Organisation, organisation_id)
        if org is None or not organisation_in_scope(self.scope, org):
            raise ValidationFailed("请选择本辖区内的组织")
        open_case = self.dbsession.scalar(
            sa.select(IncubationCase.id).where(
                IncubationCase.organisation_id == org.id, IncubationCase.state.in_(OPEN_STATES)
            )
        )
        if open_case is not None:
            raise Conflict(f"「{org.name}」已有办理中的孵化申请（编号 {open_case}）")
        case = IncubationCase(organisation_id=org.id, organisation=org, purpose=purpose)
        self.dbsession.add(case)
        self.dbsession.flush()
        self._event(case, "create", None, "", False, [])
        self.audit.record(
            "incubation.case.create",
            "incubation_case",
            case.id,
            after=snapshot(case),
            area_path=org.area.path,
        )
        return case

    # -- the workflow --------------------------------------------------------------------------

    def facts(self, case: IncubationCase, **overrides) -> wf.CaseFacts:
        facts = wf.CaseFacts(
            today=self.today,
            applied_on=case.applied_on,
            mode=case.mode,
            agreement_signed=case.agreement_signed,
            renewals_used=case.renewals_used,
            rectification_deadline=case.rectification_deadline,
            final_evaluation_passed=case.final_evaluation_passed,
            filed_or_registered=case.organisation.registration != RegistrationStatus.UNFILED,
            space_handed_back=case.space_handed_back,
            policy=self.settings.policy,
        )
        return dataclasses.replace(facts, **overrides)

    def options(self, case: IncubationCase) -> list[tuple[object, str | None]]:
        """The actions this user may take now, each with the reason it is blocked or None."""
        if not self.scope.may(Permission.INCUBATION_EDIT):
            return []
        facts = self.facts(case)
        return [
            (t, None if t.guard in FORM_GUARDS else reason)
            for t, reason in CASE_WORKFLOW.options(case.state, self.scope.role, facts)
        ]

    def transition(
        self,
        case: IncubationCase,
        action: str,
        comment: str = "",
        *,
        public: bool = False,
        attachments: list[dict] | None = None,
        rectification_deadline: dt.date | None = None,
    ) -> CaseEvent:
        self.require(Permission.INCUBATION_EDIT)
        self.require_in_scope(case_in_scope(self.scope, case), "孵化申请")
        overrides: dict = {"comment": comment or ""}
        if action == CaseAction.FAIL_MIDTERM:
            overrides["rectification_deadline"] = rectification_deadline
        facts = self.facts(case, **overrides)
        before = snapshot(case)
        source = case.state
        target = CASE_WORKFLOW.apply(source, action, self.scope.role, facts)
        self._apply_effects(case, action, facts)
        case.state = CaseState(target)
        if case.state in CASE_WORKFLOW.terminal:
            case.closed_on = self.today
        event = self._event(case, action, source, comment, public, attachments or [])
        self.dbsession.flush()
        self.audit.record(
            f"incubation.case.{action}",
            "incubation_case",
            case.id,
            before=before,
            after=snapshot(case),
            area_path=case.organisation.area.path,
            note=comment or None,
        )
        return event

    def _apply_effects(self, case: IncubationCase, action: str, facts: wf.CaseFacts) -> None:
        if action == CaseAction.SUBMIT:
            case.applied_on = self.today
        elif action == CaseAction.RETURN_FOR_CORRECTION:
            case.applied_on = None
        elif action == CaseAction.START_INCUBATION:
            case.incubation_started_on = case.term_start = self.today
            case.term_end = self.today + dt.timedelta(days=self.settings.term_days)
        elif action == CaseAction.RENEW:
            case.renewals_used += 1
            base = case.term_end or self.today
            case.term_end = base + dt.timedelta(days=self.settings.renewal_days)
        elif action == CaseAction.FAIL_MIDTERM:
            case.rectification_deadline = facts.rectification_deadline
        elif action == CaseAction.ACCEPT_RECTIFICATION:
            case.rectification_deadline = None

    def _event(self, case, action, source, comment, public, attachments) -> CaseEvent:
        event = CaseEvent(
            case=case,
            action=action,
            from_state=source,
            to_state=case.state,
            actor_id=self.audit.actor_id,
            actor_name=self.audit.actor_name,
            at=self.now,
            comment=comment or None,
            comment_public=public,
            attachments=attachments or None,
        )
        self.dbsession.add(event)
        return event

    def filing_overdue(self, case: IncubationCase) -> bool:
        if case.incubation_started_on is None or case.state in CASE_WORKFLOW.terminal:
            return False
        return wf.filing_overdue(
            case.incubation_started_on,
            case.organisation.registration != RegistrationStatus.UNFILED,
            self.today,
            self.settings.policy.filing_days_limit,
        )

    def screening_deadline(self, case: IncubationCase) -> dt.date | None:
        if case.applied_on is None or case.state != CaseState.APPLIED:
            return None
        return wf.screening_deadline(case.applied_on, self.settings.policy)

    # -- details, mentors, services, milestones ------------------------------------------------

    def update_details(self, case: IncubationCase, details: CaseDetails) -> None:
        self._edit_check(case)
        before = snapshot(case, DETAIL_FIELDS)
        for name in DETAIL_FIELDS:
            setattr(case, name, getattr(details, name))
        self.dbsession.flush()
        self._audit_edit(case, "details", before, snapshot(case, DETAIL_FIELDS))

    def add_mentor(self, case, name: str, expertise: str | None) -> CaseMentor:
        row = CaseMentor(name=name, expertise=expertise, assigned_on=self.today)
        return self._add(case, "mentors", row)

    def add_service(self, case, kind: str, description: str, served_on, minutes: int):
        try:
            kind = SupportKind(kind)
        except ValueError:
            raise ValidationFailed("服务类型应为培训、场地或咨询辅导") from None
        if minutes <= 0:
            raise ValidationFailed("服务时长必须大于 0")
        row = CaseServiceRecord(
            kind=kind, description=description, served_on=served_on, minutes=minutes
        )
        return self._add(case, "services", row)

    def add_milestone(self, case, title: str, due_on: dt.date) -> CaseMilestone:
        return self._add(case, "milestones", CaseMilestone(title=title, due_on=due_on))

    def achieve_milestone(self, case, milestone_id: int) -> CaseMilestone:
        self._edit_check(case)
        milestone = self.dbsession.get(CaseMilestone, milestone_id)
        if milestone is None or milestone.case_id != case.id:
            raise ValidationFailed("里程碑不存在")
        milestone.achieved_on = self.today
        self._audit_edit(case, "milestone.achieve", None, snapshot(milestone))
        return milestone

    def _add(self, case, collection: str, row):
        self._edit_check(case)
        getattr(case, collection).append(row)
        self.dbsession.flush()
        self._audit_edit(case, collection, None, snapshot(row))
        return row

    def _edit_check(self, case: IncubationCase) -> None:
        # The centre keeps these records; the applicant organisation only reads them.
        self.require(Permission.INCUBATION_EDIT)
        if self.scope.role not in STAFF:
            raise NotAllowed("孵化档案由孵化园工作人员维护")
        self.require_in_scope(case_in_scope(self.scope, case), "孵化申请")

    def _audit_edit(self, case, what: str, before, after) -> None:
        self.audit.record(
            f"incubation.case.{what}",
            "incubation_case",
            case.id,
            before=before,
            after=after,
            area_path=case.organisation.area.path,
        )

    # -- lists ---------------------------------------------------------------------------------

    def search(self, state: str | None = None, overdue_only: bool = False, limit: int = 500):
        """Cases in scope, newest first, each with its overdue-filing flag."""
        query = (
            sa.select(IncubationCase)
            .where(organisations_clause(self.scope, IncubationCase.organisation_id))
            .order_by(IncubationCase.id.desc())
        )
        if state:
            query = query.where(IncubationCase.state == state)
        if overdue_only:
            # The rule of `filing_overdue`, in SQL, so that the limit counts overdue cases only.
            cutoff = self.today - dt.timedelta(days=self.settings.policy.filing_days_limit)
            query = query.where(
                IncubationCase.incubation_started_on < cutoff,
                IncubationCase.state.not_in(CASE_WORKFLOW.terminal),
                IncubationCase.organisation.has(
                    Organisation.registration == RegistrationStatus.UNFILED
                ),
            )
        return [(c, self.filing_overdue(c)) for c in self.dbsession.scalars(query.limit(limit))]

    def history(self, organisation_id: int) -> list[IncubationCase]:
        return list(
            self.dbsession.scalars(
                sa.select(IncubationCase)
                .where(IncubationCase.organisation_id == organisation_id)
                .order_by(IncubationCase.id)
            )
        )
