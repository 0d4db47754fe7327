"""What the incubation views share: building services from a request, reading uploaded
attachments, the Chinese labels every page shows, and serving a workbook as a download."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from pyramid.response import Response

from volunteer.areas.models import ORGANISATION_KIND_LABELS, REGISTRATION_LABELS
from volunteer.authz import Role
from volunteer.errors import ValidationFailed
from volunteer.incubation.base import attachment_meta
from volunteer.incubation.calls import CallService
from volunteer.incubation.cases import CaseService
from volunteer.incubation.filing_rules import FILING_ACTION_LABELS, FILING_STATE_LABELS
from volunteer.incubation.filings import FilingService
from volunteer.incubation.models import SUPPORT_KIND_LABELS
from volunteer.incubation.proposal_rules import PROPOSAL_ACTION_LABELS, PROPOSAL_STATE_LABELS
from volunteer.incubation.settings import incubation_settings
from volunteer.incubation.tranches import REQUIREMENT_LABELS
from volunteer.incubation.workflow import (
    CASE_ACTION_LABELS,
    CASE_STATE_LABELS,
    INCUBATION_MODE_LABELS,
)
from volunteer.spreadsheets.exporting import content_disposition

TEMPLATES = "volunteer:templates/incubation/"
# Far above any grant, far below BIGINT: a typo, not an amount.
MAX_YUAN = Decimal(10) ** 12
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

# History rows that are not workflow actions still need a Chinese name.
EXTRA_ACTIONS = {
    "create": "创建",
    "declare_conflict": "评审专家声明回避",
    "record_objection": "登记异议",
    "dismiss_objection": "异议不成立",
    "accept_final_report": "结项报告验收通过",
}

LABELS = {
    "case_states": CASE_STATE_LABELS,
    "case_actions": {**CASE_ACTION_LABELS, **EXTRA_ACTIONS},
    "modes": INCUBATION_MODE_LABELS,
    "support_kinds": SUPPORT_KIND_LABELS,
    "registration": REGISTRATION_LABELS,
    "org_kinds": ORGANISATION_KIND_LABELS,
    "filing_states": FILING_STATE_LABELS,
    "filing_actions": {**FILING_ACTION_LABELS, **EXTRA_ACTIONS},
    "proposal_states": PROPOSAL_STATE_LABELS,
    "proposal_actions": {**PROPOSAL_ACTION_LABELS, **EXTRA_ACTIONS},
    "requirements": REQUIREMENT_LABELS,
}


def _args(request) -> tuple:
    return (
        request.dbsession,
        request.scope,
        request.audit,
        incubation_settings(request.registry.settings),
    )


def case_service(request) -> CaseService:
    return CaseService(*_args(request))


def filing_service(request) -> FilingService:
    return FilingService(*_args(request))


def call_service(request) -> CallService:
    return CallService(*_args(request))


def is_staff(request) -> bool:
    """Internal comments are for staff; the applicant organisation sees public ones."""
    return request.scope.role is not Role.ORG_STAFF


def uploaded_attachments(request) -> list[dict]:
    files = []
    for item in request.POST.getall("attachment"):
        if getattr(item, "filename", None):
            files.append((item.filename, item.file.read()))
    return attachment_meta(files)


def reviewer_names(call) -> dict[str, str]:
    """Reviewer key in a score breakdown (the user id as text) → display name."""
    return {str(r.user_id): r.user.display_name for r in call.reviewers}


def page(**values) -> dict:
    return {"labels": LABELS, **values}


def xlsx_response(data: bytes, filename: str) -> Response:
    """A workbook download; the Chinese name travels as RFC 5987 UTF-8."""
    response = Response(body=data, content_type=XLSX)
    response.headers["Content-Disposition"] = content_disposition(filename)
    return response


def yuan_to_fen(params, name: str, label: str, *, optional: bool = False) -> int | None:
    """'1,234.5' yuan → 123450 fen; exact, at most two decimals, never through float."""
    text = (params.get(name) or "").strip().replace(",", "")
    if not text:
        if optional:
            return None
        raise ValidationFailed(f"请填写{label}")
    try:
        amount = Decimal(text)
    except InvalidOperation:
        raise ValidationFailed(f"{label}应为金额，如 50000 或 1234.50") from None
    if not amount.is_finite() or amount.as_tuple().exponent < -2 or amount < 0:
        raise ValidationFailed(f"{label}应为不小于 0 的金额，最多两位小数")
    if amount >= MAX_YUAN:
        raise ValidationFailed(f"{label}超出合理范围")
    return int(amount * 100)
