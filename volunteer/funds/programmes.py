"""Matching programmes (配捐计划): creating and changing them (each change recomputes the
provisional matches it affects), settling them (their matches are posted to the ledger as
receivables from the sponsor, one entry per fund, and frozen), and their per-project summary."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

import sqlalchemy as sa
from sqlalchemy.orm import Session

from volunteer.areas.models import Area
from volunteer.audit import AuditLog, snapshot
from volunteer.authz import Permission, Scope
from volunteer.db import today_local, utcnow
from volunteer.errors import Conflict, NotAllowed, ValidationFailed
from volunteer.funds import ledger_rules
from volunteer.funds.ledger import LedgerService, Posting
from volunteer.funds.ledger_models import EntryKind
from volunteer.funds.matches import MatchingService
from volunteer.funds.models import Donation, Fund, Project
from volunteer.funds.programme_models import (
    Match,
    MatchingProgramme,
    MatchStatus,
    ProgrammeStatus,
    ProgrammeTally,
    SponsorLevel,
)
from volunteer.funds.scoping import projects_clause


def parse_ratio(text: str) -> str:
    """'0.1' → '0.1': a positive decimal of at most six places, kept as exact text."""
    try:
        ratio = Decimal((text or "").strip())
    except InvalidOperation:
        raise ValidationFailed("配捐比例应为小数，如 0.5") from None
    if not ratio.is_finite() or ratio <= 0 or ratio > 100:
        raise ValidationFailed("配捐比例应大于 0 且不超过 100")
    if ratio.as_tuple().exponent < -6:
        raise ValidationFailed("配捐比例最多保留六位小数")
    return str(ratio)


@dataclass
class ProgrammeInput:
    code: str
    name: str
    sponsor: str
    level: SponsorLevel
    ratio: str
    pool_fen: int
    starts_at: dt.datetime
    ends_at: dt.datetime
    min_donation_fen: int = 0
    per_donation_cap_fen: int | None = None
    per_donor_project_cap_fen: int | None = None
    per_project_cap_fen: int | None = None
    priority: int = 0
    project_ids: list[int] = field(default_factory=list)
    area_ids: list[int] = field(default_factory=list)
    status: ProgrammeStatus = ProgrammeStatus.ACTIVE


_RULE_FIELDS = (
    "name",
    "sponsor",
    "level",
    "ratio",
    "pool_fen",
    "starts_at",
    "ends_at",
    "min_donation_fen",
    "per_donation_cap_fen",
    "per_donor_project_cap_fen",
    "per_project_cap_fen",
    "priority",
)


class ProgrammeService:
    def __init__(self, dbsession: Session, scope: Scope, audit: AuditLog):
        self.dbsession = dbsession
        self.scope = scope
        self.audit = audit
        self.matching = MatchingService(dbsession)

    def _require(self, permission: Permission, what: str) -> None:
        if not self.scope.may(permission):
            raise NotAllowed(f"没有{what}的权限")

    def _apply(self, programme: MatchingProgramme, data: ProgrammeInput) -> None:
        data.ratio = parse_ratio(data.ratio)
        if not (data.name or "").strip() or not (data.sponsor or "").strip():
            raise ValidationFailed("请填写计划名称和资助方")
        if data.starts_at >= data.ends_at:
            raise ValidationFailed("配捐开始时间必须早于结束时间")
        money = [data.pool_fen, data.min_donation_fen]
        caps = [data.per_donation_cap_fen, data.per_donor_project_cap_fen, data.per_project_cap_fen]
        if any(v is not None and v < 0 for v in money + caps):
            raise ValidationFailed("金额不能为负数")
        for name in _RULE_FIELDS:
            setattr(programme, name, getattr(data, name))
        projects = list(
            self.dbsession.scalars(sa.select(Project).where(Project.id.in_(data.project_ids)))
        )
        if len(projects) != len(set(data.project_ids)):
            raise ValidationFailed("适用项目中有不存在的项目")
        programme.projects = projects
        areas = list(self.dbsession.scalars(sa.select(Area).where(Area.id.in_(data.area_ids))))
        if len(areas) != len(set(data.area_ids)):
            raise ValidationFailed("适用区域中有不存在的区域")
        programme.areas = areas

    def create(self, data: ProgrammeInput, batch_id: int | None = None) -> MatchingProgramme:
        self._require(Permission.MATCHING_MANAGE, "管理配捐计划")
        code = (data.code or "").strip()
        if not code:
            raise ValidationFailed("请填写计划编号")
        if self.dbsession.scalar(
            sa.select(MatchingProgramme.id).where(MatchingProgramme.code == code)
        ):
            raise Conflict(f"计划编号 {code} 已存在")
        if data.status is ProgrammeStatus.SETTLED:
            raise ValidationFailed("新计划不能直接为已结算")
        programme = MatchingProgramme(code=code, status=data.status, batch_id=batch_id)
        self._apply(programme, data)
        self.dbsession.add(programme)
        self.dbsession.flush()
        self.dbsession.add(ProgrammeTally(programme_id=programme.id, matched_fen=0))
        self.dbsession.flush()
        self.matching.recompute([programme])
        self.audit.record(
            "programme.create", "matching_programme", programme.id, after=_snapshot(programme)
        )
        return programme

    def update(
        self, programme: MatchingProgramme, data: ProgrammeInput, version: int | None = None
    ) -> MatchingProgramme:
        """Change the rule (or activate a draft) and recompute the programme's matches."""
        self._require(Permission.MATCHING_MANAGE, "管理配捐计划")
        if version is not None and version != programme.version:
            raise Conflict("该计划已被他人修改，请刷新后重试")
        if programme.status is ProgrammeStatus.SETTLED:
            raise Conflict("已结算的计划不能修改")
        if data.status is ProgrammeStatus.SETTLED:
            raise ValidationFailed("请使用「结算」操作")
        self.matching.lock([programme.id])
        before = _snapshot(programme)
        self._apply(programme, data)
        programme.status = data.status
        self.dbsession.flush()
        self.matching.recompute([programme])
        self.audit.record(
            "programme.update",
            "matching_programme",
            programme.id,
            before=before,
            after=_snapshot(programme),
        )
        return programme

    def settle(self, programme: MatchingProgramme) -> list[int]:
        """Post the programme's matches to the ledger (one receivable per fund, from the
        sponsor) and freeze them; returns the entry ids."""
        self._require(Permission.MATCHING_SETTLE, "结算配捐")
        self.matching.lock([programme.id])
        self.dbsession.refresh(programme)
        if programme.status is not ProgrammeStatus.ACTIVE:
            raise Conflict("只有配捐中的计划可以结算")
        per_fund = self.dbsession.execute(
            sa.select(Fund.id, Fund.restricted, sa.func.sum(Match.amount_fen))
            .join(Project, Project.fund_id == Fund.id)
            .join(Match, Match.project_id == Project.id)
            .where(Match.programme_id == programme.id, Match.status == MatchStatus.PROVISIONAL)
            .group_by(Fund.id, Fund.restricted)
            .having(sa.func.sum(Match.amount_fen) > 0)
            .order_by(Fund.id)
        ).all()
        postings = [
            Posting(
                fund_id=fund_id,
                kind=EntryKind.MATCH_RECEIVABLE,
                lines=ledger_rules.match_receivable(int(total), restricted, programme.sponsor),
                posted_on=today_local(),
                memo=f"配捐计划 {programme.code}（{programme.sponsor}）结算",
                programme_id=programme.id,
            )
            for fund_id, restricted, total in per_fund
        ]
        entry_ids = LedgerService(self.dbsession, self.scope, self.audit).post_many(postings)
        for (fund_id, _, _), entry_id in zip(per_fund, entry_ids, strict=True):
            self.dbsession.execute(
                sa.update(Match)
                .where(
                    Match.programme_id == programme.id,
                    Match.project_id.in_(sa.select(Project.id).where(Project.fund_id == fund_id)),
                )
                .values(status=MatchStatus.SETTLED, entry_id=entry_id),
                execution_options={"synchronize_session": False},
            )
        # Zero matches (a qualifying donation a cap left at nothing) are frozen as well.
        self.dbsession.execute(
            sa.update(Match)
            .where(Match.programme_id == programme.id, Match.status == MatchStatus.PROVISIONAL)
            .values(status=MatchStatus.SETTLED),
            execution_options={"synchronize_session": False},
        )
        before = _snapshot(programme)
        programme.status = ProgrammeStatus.SETTLED
        programme.settled_at = utcnow()
        programme.settled_by = self.audit.actor_id
        self.dbsession.flush()
        self.audit.record(
            "programme.settle",
            "matching_programme",
            programme.id,
            before=before,
            after={**_snapshot(programme), "entries": entry_ids},
        )
        return entry_ids

    # --- reading ---------------------------------------------------------------------------

    def programmes(self) -> list[tuple[MatchingProgramme, int]]:
        rows = self.dbsession.execute(
            sa.select(MatchingProgramme, ProgrammeTally.matched_fen)
            .outerjoin(ProgrammeTally, ProgrammeTally.programme_id == MatchingProgramme.id)
            .order_by(MatchingProgramme.priority, MatchingProgramme.id)
        )
        return [(p, int(m or 0)) for p, m in rows]

    def totals(self, programme: MatchingProgramme) -> dict:
        matched = self.dbsession.scalar(
            sa.select(sa.func.coalesce(sa.func.sum(Match.amount_fen), 0)).where(
                Match.programme_id == programme.id, Match.status != MatchStatus.CLAWED_BACK
            )
        )
        return {
            "matched_fen": int(matched),
            "pool_remaining_fen": programme.pool_fen - int(matched),
        }

    def by_project(self, programme: MatchingProgramme) -> list[tuple[Project, int, int]]:
        """(project, public donations that were matched, matched) for projects in scope."""
        rows = self.dbsession.execute(
            sa.select(Project, sa.func.sum(Donation.amount_fen), sa.func.sum(Match.amount_fen))
            .join(Match, Match.project_id == Project.id)
            .join(Donation, Donation.id == Match.donation_id)
            .where(
                Match.programme_id == programme.id,
                Match.status != MatchStatus.CLAWED_BACK,
                projects_clause(self.scope),
            )
            .group_by(Project.id)
            .order_by(Project.code)
        )
        return [(p, int(d or 0), int(m or 0)) for p, d, m in rows]


def _snapshot(programme: MatchingProgramme) -> dict:
    return {
        **snapshot(programme),
        "project_ids": [p.id for p in programme.projects],
        "area_ids": [a.id for a in programme.areas],
    }
