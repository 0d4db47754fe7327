"""What the funds views share: services built from a request, and the Chinese labels the
templates show."""

from __future__ import annotations

from volunteer.funds.disbursements import DisbursementService
from volunteer.funds.donations import DonationService
from volunteer.funds.funds import FundService
from volunteer.funds.ledger import LedgerService
from volunteer.funds.ledger_models import ENTRY_KIND_LABELS
from volunteer.funds.ledger_rules import ACCOUNT_LABELS
from volunteer.funds.models import (
    DISBURSEMENT_STATUS_LABELS,
    EXPENSE_CLASS_LABELS,
    FUND_STATUS_LABELS,
    PROJECT_STATUS_LABELS,
)
from volunteer.funds.programme_models import (
    LIMIT_LABELS,
    MATCH_STATUS_LABELS,
    PROGRAMME_STATUS_LABELS,
    SPONSOR_LEVEL_LABELS,
)
from volunteer.funds.programmes import ProgrammeService

TEMPLATES = "volunteer:templates/funds/"

LABELS = {
    "accounts": ACCOUNT_LABELS,
    "entry_kinds": ENTRY_KIND_LABELS,
    "fund_status": FUND_STATUS_LABELS,
    "project_status": PROJECT_STATUS_LABELS,
    "disbursement_status": DISBURSEMENT_STATUS_LABELS,
    "expense_classes": EXPENSE_CLASS_LABELS,
    "limits": LIMIT_LABELS,
    "match_status": MATCH_STATUS_LABELS,
    "programme_status": PROGRAMME_STATUS_LABELS,
    "levels": SPONSOR_LEVEL_LABELS,
}


def _args(request) -> tuple:
    return request.dbsession, request.scope, request.audit


def fund_service(request) -> FundService:
    return FundService(*_args(request))


def donation_service(request) -> DonationService:
    return DonationService(*_args(request))


def programme_service(request) -> ProgrammeService:
    return ProgrammeService(*_args(request))


def disbursement_service(request) -> DisbursementService:
    return DisbursementService(*_args(request))


def ledger_service(request) -> LedgerService:
    return LedgerService(*_args(request))
