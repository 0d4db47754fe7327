"""Parsing the funds pages' form fields and API bodies: amounts in yuan to integer fen (the
spreadsheet engine's rules: `1,000.00`, `¥50`, at most two decimals), Shanghai wall-clock
times to aware UTC, and the programme and donation inputs built from them."""

from __future__ import annotations

import datetime as dt

from volunteer import forms
from volunteer.db import SHANGHAI
from volunteer.errors import ValidationFailed
from volunteer.funds.donations import DonationInput
from volunteer.funds.models import ExpenseClass
from volunteer.funds.programme_models import ProgrammeStatus, SponsorLevel
from volunteer.funds.programmes import ProgrammeInput
from volunteer.spreadsheets.dates import coerce_datetime
from volunteer.spreadsheets.errors import CellError
from volunteer.spreadsheets.numbers import coerce_yuan


def fen(params, name: str, label: str, *, optional: bool = False) -> int | None:
    value = params.get(name)
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    if value is not None and not isinstance(value, str):
        raise ValidationFailed(f"{label}应为金额（元），如 1,000.00")
    try:
        amount = coerce_yuan(value)
    except CellError as error:
        raise ValidationFailed(f"{label}：{error.message}") from None
    if amount is None and not optional:
        raise ValidationFailed(f"请填写{label}")
    return amount


def local_time(params, name: str, label: str) -> dt.datetime:
    """'2024-04-08 10:00' (Asia/Shanghai, as staff type it) → an aware UTC datetime."""
    value = params.get(name)
    if isinstance(value, str):
        value = value.replace("T", " ")
    try:
        naive = coerce_datetime(value)
    except CellError as error:
        raise ValidationFailed(f"{label}：{error.message}") from None
    if naive is None:
        raise ValidationFailed(f"请填写{label}")
    return naive.replace(tzinfo=SHANGHAI).astimezone(dt.UTC)


def flag(params, name: str) -> bool:
    return str(params.get(name) or "").strip().lower() in ("1", "on", "true", "yes", "是")


def donation_input(params, project_id: int) -> DonationInput:
    return DonationInput(
        receipt_no=forms.required(params, "receipt_no", "收据编号"),
        donor_name=forms.required(params, "donor_name", "捐赠人"),
        donor_key=forms.text(params, "donor_key"),
        anonymous=flag(params, "anonymous"),
        amount_fen=fen(params, "amount", "捐赠金额"),
        received_at=local_time(params, "received_at", "捐赠时间"),
        project_id=project_id,
        channel=forms.text(params, "channel"),
        remark=forms.text(params, "remark"),
        related_party=flag(params, "related_party"),
    )


def _choice(enum_cls, value, label):
    try:
        return enum_cls(value)
    except ValueError:
        raise ValidationFailed(f"请选择{label}") from None


def _ids(params, name: str) -> list[int]:
    values = params.getall(name) if hasattr(params, "getall") else params.get(name) or []
    try:
        return [int(v) for v in values if str(v).strip()]
    except ValueError:
        raise ValidationFailed("所选项目或区域编号有误") from None


def programme_input(params) -> ProgrammeInput:
    return ProgrammeInput(
        code=forms.required(params, "code", "计划编号"),
        name=forms.required(params, "name", "计划名称"),
        sponsor=forms.required(params, "sponsor", "资助方"),
        level=_choice(SponsorLevel, params.get("level"), "资助方级别"),
        ratio=forms.required(params, "ratio", "配捐比例"),
        pool_fen=fen(params, "pool", "资金池"),
        starts_at=local_time(params, "starts_at", "开始时间"),
        ends_at=local_time(params, "ends_at", "结束时间"),
        min_donation_fen=fen(params, "min_donation", "最低捐赠额", optional=True) or 0,
        per_donation_cap_fen=fen(params, "per_donation_cap", "单笔配捐上限", optional=True),
        per_donor_project_cap_fen=fen(
            params, "per_donor_project_cap", "单人单项目上限", optional=True
        ),
        per_project_cap_fen=fen(params, "per_project_cap", "单项目上限", optional=True),
        priority=forms.integer(params, "priority", "优先级", optional=True) or 0,
        project_ids=_ids(params, "project_id"),
        area_ids=_ids(params, "area_id"),
        status=_choice(ProgrammeStatus, params.get("status") or "active", "状态"),
    )


def expense_class(params) -> ExpenseClass:
    return _choice(ExpenseClass, params.get("expense_class"), "支出类别")
