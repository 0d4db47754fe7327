"""Funds and projects: creating them (web, import, demo) and the read-side summaries the pages
and the API show (balances, donations and matches per project)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import Session

from volunteer.areas.models import Area, AreaLevel
from volunteer.audit import AuditLog, snapshot
from volunteer.authz import Permission, Scope
from volunteer.errors import Conflict, NotAllowed, ValidationFailed
from volunteer.funds.ledger import balances, open_chain
from volunteer.funds.ledger_models import LedgerEntry
from volunteer.funds.ledger_rules import Account
from volunteer.funds.models import Donation, Fund, Project
from volunteer.funds.programme_models import Match, MatchingProgramme, MatchStatus
from volunteer.funds.scoping import funds_clause, projects_clause

HOST_CHARITY = "宜昌市西陵区慈善会"


def fund_name(host: str, community: str) -> str:
    """The agreed form: "<host full name> + <community> 社区慈善基金"."""
    community = community.removesuffix("社区")
    return f"{host}{community}社区慈善基金"


@dataclass
class FundInput:
    code: str
    community_id: int
    host: str = HOST_CHARITY
    name: str | None = None
    agreement_no: str | None = None
    agreement_date: dt.date | None = None
    purpose: str | None = None
    restricted: bool = True
    committee: str | None = None
    supervisor: str | None = None


@dataclass
class ProjectInput:
    code: str
    name: str
    fund_id: int
    target_fen: int = 0
    starts_on: dt.date | None = None
    ends_on: dt.date | None = None
    community_id: int | None = None


class FundService:
    def __init__(self, dbsession: Session, scope: Scope, audit: AuditLog):
        self.dbsession = dbsession
        self.scope = scope
        self.audit = audit

    def _require_edit(self) -> None:
        if not self.scope.may(Permission.FUNDS_EDIT):
            raise NotAllowed("没有维护基金和项目的权限")

    def create_fund(self, data: FundInput, batch_id: int | None = None) -> Fund:
        self._require_edit()
        community = self.dbsession.get(Area, data.community_id)
        if community is None or community.level is not AreaLevel.COMMUNITY:
            raise ValidationFailed("请选择基金所属社区")
        if not self.scope.covers_path(community.path):
            raise ValidationFailed("该社区不在本辖区")
        code = (data.code or "").strip()
        if not code:
            raise ValidationFailed("请填写基金编号")
        if self.dbsession.scalar(sa.select(Fund.id).where(Fund.code == code)):
            raise Conflict(f"基金编号 {code} 已存在")
        name = (data.name or "").strip() or fund_name(data.host, community.name)
        if self.dbsession.scalar(sa.select(Fund.id).where(Fund.name == name)):
            raise Conflict(f"基金「{name}」已存在")
        fund = Fund(
            code=code,
            name=name,
            host=data.host,
            community_id=community.id,
            agreement_no=data.agreement_no,
            agreement_date=data.agreement_date,
            purpose=data.purpose,
            restricted=data.restricted,
            committee=data.committee,
            supervisor=data.supervisor,
            batch_id=batch_id,
        )
        self.dbsession.add(fund)
        self.dbsession.flush()
        open_chain(self.dbsession, fund.id)
        self.audit.record(
            "fund.create", "fund", fund.id, after=snapshot(fund), area_path=community.path
        )
        return fund

    def create_project(self, data: ProjectInput, batch_id: int | None = None) -> Project:
        self._require_edit()
        fund = self.dbsession.get(Fund, data.fund_id)
        if fund is None or not self.scope.covers_path(fund.community.path):
            raise ValidationFailed("基金不存在或不在本辖区")
        code = (data.code or "").strip()
        if not code or not (data.name or "").strip():
            raise ValidationFailed("请填写项目编号和名称")
        if self.dbsession.scalar(sa.select(Project.id).where(Project.code == code)):
            raise Conflict(f"项目编号 {code} 已存在")
        if data.target_fen < 0:
            raise ValidationFailed("目标金额不能为负数")
        if data.starts_on and data.ends_on and data.starts_on > data.ends_on:
            raise ValidationFailed("项目开始日期不能晚于结束日期")
        project = Project(
            code=code,
            name=data.name.strip(),
            fund_id=fund.id,
            community_id=data.community_id or fund.community_id,
            target_fen=data.target_fen,
            starts_on=data.starts_on,
            ends_on=data.ends_on,
            batch_id=batch_id,
        )
        self.dbsession.add(project)
        self.dbsession.flush()
        self.audit.record(
            "project.create",
            "project",
            project.id,
            after=snapshot(project),
            area_path=fund.community.path,
        )
        return project

    # --- reading ---------------------------------------------------------------------------

    def funds(self) -> list[tuple[Fund, int, int]]:
        """Funds in scope with (donations received, number of projects)."""
        raised = (
            sa.select(sa.func.coalesce(sa.func.sum(Donation.amount_fen), 0))
            .where(Donation.fund_id == Fund.id, Donation.refunded_at.is_(None))
            .scalar_subquery()
        )
        count = sa.select(sa.func.count(Project.id)).where(Project.fund_id == Fund.id)
        query = (
            sa.select(Fund, raised, count.scalar_subquery())
            .where(funds_clause(self.scope))
            .order_by(Fund.code)
        )
        return [(f, int(r), int(c)) for f, r, c in self.dbsession.execute(query)]

    def fund_summary(self, fund: Fund) -> dict:
        totals = balances(self.dbsession, fund.id)
        return {
            "balances": totals,
            "cash_fen": totals.get(Account.CASH, 0),
            "receivable_fen": totals.get(Account.MATCH_RECEIVABLE, 0),
            "projects": self.projects(fund_id=fund.id),
        }

    def entries(self, fund: Fund, limit: int = 100) -> list[LedgerEntry]:
        return list(
            self.dbsession.scalars(
                sa.select(LedgerEntry)
                .where(LedgerEntry.fund_id == fund.id)
                .order_by(LedgerEntry.seq.desc())
                .limit(limit)
            )
        )

    def projects(self, fund_id: int | None = None) -> list[tuple[Project, int, int]]:
        """Projects in scope with (public donations, matched so far) in fen."""
        raised = (
            sa.select(sa.func.coalesce(sa.func.sum(Donation.amount_fen), 0))
            .where(Donation.project_id == Project.id, Donation.refunded_at.is_(None))
            .scalar_subquery()
        )
        matched = (
            sa.select(sa.func.coalesce(sa.func.sum(Match.amount_fen), 0))
            .where(Match.project_id == Project.id, Match.status != MatchStatus.CLAWED_BACK)
            .scalar_subquery()
        )
        query = sa.select(Project, raised, matched).where(projects_clause(self.scope))
        if fund_id is not None:
            query = query.where(Project.fund_id == fund_id)
        rows = self.dbsession.execute(query.order_by(Project.code))
        return [(p, int(r), int(m)) for p, r, m in rows]

    def project_donations(self, project: Project) -> list[Donation]:
        return list(
            self.dbsession.scalars(
                sa.select(Donation)
                .where(Donation.project_id == project.id)
                .order_by(Donation.received_at.desc(), Donation.receipt_no.desc())
                .limit(500)
            )
        )

    def project_matches(self, project: Project) -> list[tuple[Match, MatchingProgramme, Donation]]:
        return list(
            self.dbsession.execute(
                sa.select(Match, MatchingProgramme, Donation)
                .join(MatchingProgramme, MatchingProgramme.id == Match.programme_id)
                .join(Donation, Donation.id == Match.donation_id)
                .where(Match.project_id == project.id)
                .order_by(Donation.received_at, Donation.receipt_no, MatchingProgramme.priority)
                .limit(1000)
            )
        )

    def matches_of(self, donation: Donation) -> list[tuple[Match, MatchingProgramme]]:
        return list(
            self.dbsession.execute(
                sa.select(Match, MatchingProgramme)
                .join(MatchingProgramme, MatchingProgramme.id == Match.programme_id)
                .where(Match.donation_id == donation.id)
                .order_by(MatchingProgramme.priority, MatchingProgramme.id)
            )
        )
