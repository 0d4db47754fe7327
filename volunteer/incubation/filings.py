"""Community social-organisation filing use cases: draft a filing, move it through
`FILING_WORKFLOW` (keeping the organisation's registration status in step), record change
filings and annual reports, list overdue reports, and mark an organisation registered."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from volunteer.areas.models import Organisation, RegistrationStatus
from volunteer.audit import snapshot
from volunteer.authz import Permission
from volunteer.errors import Conflict, NotAllowed, ValidationFailed
from volunteer.incubation import filing_rules as fr
from volunteer.incubation.base import IncubationService
from volunteer.incubation.filing_rules import FILING_WORKFLOW, FilingAction, FilingState
from volunteer.incubation.models import AnnualReport, Filing, FilingEvent
from volunteer.incubation.roles import DISTRICT
from volunteer.incubation.scoping import (
    filing_in_scope,
    organisation_in_scope,
    organisations_clause,
)

FORM_GUARDS = frozenset({fr.reason_given, fr.change_described})
ENDED = frozenset({FilingState.CANCELLED, FilingState.REVOKED})


class FilingService(IncubationService):
    def create(self, organisation_id: int, purpose: str | None = None) -> Filing:
        self.require(Permission.INCUBATION_EDIT)
        org = self.dbsession.get(Organisation, organisation_id)
        if org is None or not organisation_in_scope(self.scope, org):
            raise ValidationFailed("请选择本辖区内的组织")
        existing = self.dbsession.scalar(
            sa.select(Filing.id).where(Filing.organisation_id == org.id, Filing.state.not_in(ENDED))
        )
        if existing is not None:
            raise Conflict(f"「{org.name}」已有备案记录（编号 {existing}）")
        filing = Filing(organisation_id=org.id, organisation=org, purpose=purpose)
        self.dbsession.add(filing)
        self.dbsession.flush()
        self._event(filing, "create", None, None)
        self.audit.record(
            "incubation.filing.create",
            "filing",
            filing.id,
            after=snapshot(filing),
            area_path=org.area.path,
        )
        return filing

    def options(self, filing: Filing):
        if not self.scope.may(Permission.INCUBATION_EDIT):
            return []
        facts = fr.FilingFacts()
        return [
            (t, None if t.guard in FORM_GUARDS else reason)
            for t, reason in FILING_WORKFLOW.options(filing.state, self.scope.role, facts)
        ]

    def transition(self, filing: Filing, action: str, comment: str = "") -> FilingEvent:
        self.require(Permission.INCUBATION_EDIT)
        self.require_in_scope(filing_in_scope(self.scope, filing), "备案")
        source = filing.state
        before = snapshot(filing)
        target = FILING_WORKFLOW.apply(
            source, action, self.scope.role, fr.FilingFacts(comment=comment or "")
        )
        filing.state = FilingState(target)
        org = filing.organisation
        org_before = org.registration
        if action == FilingAction.SUBMIT:
            filing.submitted_on = self.today
        elif action == FilingAction.FILE:
            filing.filed_on = self.today
            if org.registration == RegistrationStatus.UNFILED:
                org.registration = RegistrationStatus.FILED
        elif filing.state in ENDED:
            filing.ended_on = self.today
            if org.registration == RegistrationStatus.FILED:
                org.registration = RegistrationStatus.UNFILED
        event = self._event(filing, action, source, comment)
        self.dbsession.flush()
        self.audit.record(
            f"incubation.filing.{action}",
            "filing",
            filing.id,
            before=before,
            after=snapshot(filing),
            area_path=org.area.path,
            note=comment or None,
        )
        if org.registration != org_before:
            self._audit_registration(org, org_before)
        return event

    def record_report(self, filing: Filing, year: int, submitted_on: dt.date) -> AnnualReport:
        self.require(Permission.INCUBATION_EDIT)
        self.require_in_scope(filing_in_scope(self.scope, filing), "备案")
        if filing.state != FilingState.FILED or filing.filed_on is None:
            raise Conflict("只有已备案的组织报送年报")
        first = fr.first_report_year(filing.filed_on)
        if not first <= year < self.today.year + 1 or submitted_on > self.today:
            raise ValidationFailed(
                f"年报年度应在 {first} 至 {self.today.year} 之间，报送日期不能晚于今天"
            )
        if any(r.year == year for r in filing.reports):
            raise Conflict(f"{year} 年度年报已登记")
        report = AnnualReport(
            filing_id=filing.id,
            year=year,
            submitted_on=submitted_on,
            recorded_by=self.audit.actor_id,
        )
        self.dbsession.add(report)
        filing.reports.append(report)
        self.dbsession.flush()
        self.audit.record(
            "incubation.filing.annual_report",
            "filing",
            filing.id,
            after=snapshot(report),
            area_path=filing.organisation.area.path,
        )
        return report

    def mark_registered(self, org: Organisation) -> None:
        """登记: the organisation registered as a legal person; the district records it."""
        self.require(Permission.FILINGS_REVIEW)
        if self.scope.role not in DISTRICT:
            raise NotAllowed("社会组织登记由区民政局办理")
        self.require_in_scope(organisation_in_scope(self.scope, org), "组织")
        if org.registration == RegistrationStatus.REGISTERED:
            raise Conflict(f"「{org.name}」已登记")
        before = org.registration
        org.registration = RegistrationStatus.REGISTERED
        self.dbsession.flush()
        self._audit_registration(org, before)

    def _audit_registration(self, org: Organisation, before) -> None:
        self.audit.record(
            "organisation.registration",
            "organisation",
            org.id,
            before={"registration": before},
            after={"registration": org.registration},
            area_path=org.area.path,
        )

    def _event(self, filing: Filing, action, source, comment) -> FilingEvent:
        event = FilingEvent(
            filing_id=filing.id,
            action=action,
            from_state=source,
            to_state=filing.state,
            actor_id=self.audit.actor_id,
            actor_name=self.audit.actor_name,
            at=self.now,
            comment=comment or None,
        )
        filing.events.append(event)
        return event

    # -- lists ---------------------------------------------------------------------------------

    def search(self, state: str | None = None, limit: int = 500) -> list[Filing]:
        query = (
            sa.select(Filing)
            .where(organisations_clause(self.scope, Filing.organisation_id))
            .order_by(Filing.id.desc())
        )
        if state:
            query = query.where(Filing.state == state)
        return list(self.dbsession.scalars(query.limit(limit)))

    def overdue_reports(self) -> list[tuple[Filing, fr.OverdueReport]]:
        """Filed organisations in scope with an annual report past its due date."""
        filings = {
            f.id: f
            for f in self.dbsession.scalars(
                sa.select(Filing).where(
                    Filing.state == FilingState.FILED,
                    organisations_clause(self.scope, Filing.organisation_id),
                )
            )
        }
        reported: dict[int, set[int]] = {}
        if filings:
            for filing_id, year in self.dbsession.execute(
                sa.select(AnnualReport.filing_id, AnnualReport.year).where(
                    AnnualReport.filing_id.in_(list(filings))
                )
            ):
                reported.setdefault(filing_id, set()).add(year)
        facts = [
            fr.FilingReports(f.id, f.filed_on, frozenset(reported.get(f.id, ())))
            for f in filings.values()
            if f.filed_on is not None
        ]
        return [(filings[o.filing_id], o) for o in fr.overdue_reports(facts, self.today)]
