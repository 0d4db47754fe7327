"""Disbursements (支出) from a fund, maker-checker: one person requests, another approves;
approval posts the ledger entry and can never spend more than the fund has available."""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import Session

from volunteer.audit import AuditLog, snapshot
from volunteer.authz import Permission, Scope
from volunteer.db import today_local, utcnow
from volunteer.errors import Conflict, NotAllowed, ValidationFailed
from volunteer.funds import ledger_rules
from volunteer.funds.ledger import LedgerService, Posting, balances, lock_chain
from volunteer.funds.ledger_models import EntryKind
from volunteer.funds.ledger_rules import Account
from volunteer.funds.models import (
    Disbursement,
    DisbursementStatus,
    ExpenseClass,
    Fund,
    FundStatus,
    Project,
)
from volunteer.funds.scoping import fund_in_scope
from volunteer.templating import yuan


@dataclass
class DisbursementInput:
    fund_id: int
    amount_fen: int
    expense_class: ExpenseClass
    purpose: str
    project_id: int | None = None
    beneficiary: str | None = None
    voucher_no: str | None = None
    attachment_sha256: str | None = None


def available_fen(dbsession: Session, fund: Fund) -> int:
    """What may still be spent: the money in the bank, and for a restricted fund no more than
    its restricted net position (restricted income not yet released by spending)."""
    totals = balances(dbsession, fund.id)
    cash = totals.get(Account.CASH, 0)
    if not fund.restricted:
        return cash
    restricted = (
        totals.get(Account.DONATION_INCOME_RESTRICTED, 0)
        + totals.get(Account.MATCH_INCOME_RESTRICTED, 0)
        + totals.get(Account.RESTRICTED_NET_ASSETS, 0)
    )
    return min(cash, restricted)


class DisbursementService:
    def __init__(self, dbsession: Session, scope: Scope, audit: AuditLog):
        self.dbsession = dbsession
        self.scope = scope
        self.audit = audit

    def request(self, data: DisbursementInput) -> Disbursement:
        if not self.scope.may(Permission.DISBURSEMENTS_REQUEST):
            raise NotAllowed("没有申请支出的权限")
        fund = self.dbsession.get(Fund, data.fund_id)
        if fund is None or not fund_in_scope(self.scope, fund):
            raise ValidationFailed("基金不存在或不在本辖区")
        if fund.status is not FundStatus.ACTIVE:
            raise Conflict("基金已终止")
        if type(data.amount_fen) is not int or data.amount_fen <= 0:
            raise ValidationFailed("支出金额必须大于 0")
        if not (data.purpose or "").strip():
            raise ValidationFailed("请填写支出用途")
        if data.project_id is not None:
            project = self.dbsession.get(Project, data.project_id)
            if project is None or project.fund_id != fund.id:
                raise ValidationFailed("所选项目不属于该基金")
        elif not (data.beneficiary or "").strip():
            raise ValidationFailed("请选择项目或填写受益人")
        self._check_available(fund, data.amount_fen)
        disbursement = Disbursement(
            fund_id=fund.id,
            project_id=data.project_id,
            beneficiary=(data.beneficiary or "").strip() or None,
            expense_class=data.expense_class,
            purpose=data.purpose.strip(),
            amount_fen=data.amount_fen,
            voucher_no=data.voucher_no,
            attachment_sha256=data.attachment_sha256,
            requested_by=self.audit.actor_id,
        )
        self.dbsession.add(disbursement)
        self.dbsession.flush()
        self.audit.record(
            "disbursement.request",
            "disbursement",
            disbursement.id,
            after=snapshot(disbursement),
            area_path=fund.community.path,
        )
        return disbursement

    def _check_available(self, fund: Fund, amount_fen: int) -> None:
        available = available_fen(self.dbsession, fund)
        if amount_fen > available:
            raise Conflict(f"支出金额超过基金可用余额（可用 {yuan(available)} 元）")

    def _decide(self, disbursement: Disbursement, note: str | None) -> dict:
        if not self.scope.may(Permission.DISBURSEMENTS_APPROVE):
            raise NotAllowed("没有审批支出的权限")
        if disbursement.status is not DisbursementStatus.REQUESTED:
            raise Conflict("该支出申请已处理")
        if disbursement.requested_by == self.audit.actor_id:
            raise Conflict("申请人不能审批自己的支出申请")
        before = snapshot(disbursement)
        disbursement.decided_by = self.audit.actor_id
        disbursement.decided_at = utcnow()
        disbursement.decision_note = (note or "").strip() or None
        return before

    def approve(self, disbursement: Disbursement, note: str | None = None) -> Disbursement:
        before = self._decide(disbursement, note)
        fund = disbursement.fund
        # The chain-head lock makes the balance read and the posting one step: two approvals
        # of the same fund queue up instead of both spending the same money.
        lock_chain(self.dbsession, fund.id)
        self._check_available(fund, disbursement.amount_fen)
        entry = LedgerService(self.dbsession, self.scope, self.audit).post(
            Posting(
                fund_id=fund.id,
                kind=EntryKind.DISBURSEMENT,
                lines=ledger_rules.disbursement(disbursement.amount_fen, fund.restricted),
                posted_on=today_local(),
                memo=f"支出：{disbursement.purpose}",
                voucher_no=disbursement.voucher_no,
                attachment_sha256=disbursement.attachment_sha256,
            )
        )
        disbursement.status = DisbursementStatus.APPROVED
        disbursement.entry_id = entry.id
        self.dbsession.flush()
        self._audit("disbursement.approve", disbursement, before)
        return disbursement

    def reject(self, disbursement: Disbursement, note: str | None = None) -> Disbursement:
        before = self._decide(disbursement, note)
        if not disbursement.decision_note:
            raise ValidationFailed("请填写驳回理由")
        disbursement.status = DisbursementStatus.REJECTED
        self.dbsession.flush()
        self._audit("disbursement.reject", disbursement, before)
        return disbursement

    def _audit(self, action: str, disbursement: Disbursement, before: dict) -> None:
        self.audit.record(
            action,
            "disbursement",
            disbursement.id,
            before=before,
            after=snapshot(disbursement),
            area_path=disbursement.fund.community.path,
        )

    def of_fund(self, fund: Fund) -> list[Disbursement]:
        return list(
            self.dbsession.scalars(
                sa.select(Disbursement)
                .where(Disbursement.fund_id == fund.id)
                .order_by(Disbursement.requested_at.desc())
            )
        )
