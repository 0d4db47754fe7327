"""Every model, imported in one place so that alembic autogenerate, pshell and the tests see
the whole schema; domains import their own models directly."""

from volunteer.accounts.models import User
from volunteer.areas.models import Area, Organisation
from volunteer.audit import AuditEntry
from volunteer.counters import Counter
from volunteer.db import Base
from volunteer.funds.ledger_models import LedgerEntry, LedgerHead, LedgerLine, LockedPeriod
from volunteer.funds.models import Disbursement, Donation, Fund, Project
from volunteer.funds.programme_models import (
    Match,
    MatchingProgramme,
    ProgrammeTally,
    ProjectTally,
)
from volunteer.incubation.models import (
    AnnualReport,
    CallReviewer,
    CaseEvent,
    CaseMentor,
    CaseMilestone,
    CaseServiceRecord,
    Filing,
    FilingEvent,
    IncubationCase,
    Proposal,
    ProposalEvent,
    ProposalReview,
    ReviewerConflict,
    Tranche,
    VentureCall,
)
from volunteer.spreadsheets.models import ImportBatch
from volunteer.volunteers.models import (
    Activity,
    Certificate,
    ServiceRecord,
    StarAward,
    Volunteer,
)

__all__ = [
    "Activity",
    "AnnualReport",
    "Area",
    "AuditEntry",
    "Base",
    "CallReviewer",
    "CaseEvent",
    "CaseMentor",
    "CaseMilestone",
    "CaseServiceRecord",
    "Certificate",
    "Counter",
    "Disbursement",
    "Donation",
    "Filing",
    "FilingEvent",
    "Fund",
    "ImportBatch",
    "IncubationCase",
    "LedgerEntry",
    "LedgerHead",
    "LedgerLine",
    "LockedPeriod",
    "Match",
    "MatchingProgramme",
    "Organisation",
    "ProgrammeTally",
    "Project",
    "ProjectTally",
    "Proposal",
    "ProposalEvent",
    "ProposalReview",
    "ReviewerConflict",
    "ServiceRecord",
    "StarAward",
    "Tranche",
    "User",
    "VentureCall",
    "Volunteer",
]
