"""The funds export kinds: `donations` (in the donations import layout, so an export re-imports
as unchanged) and `matches` (one programme's or every programme's matches). Rows stream in
the matching order; text is neutralised by the writer. Donor identity is personal data: an
anonymous donor's name and every donor key are masked unless the export is revealed."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from volunteer.areas.models import Area
from volunteer.authz import Permission
from volunteer.db import SHANGHAI
from volunteer.funds.models import Donation, Fund, Project
from volunteer.funds.programme_models import (
    LIMIT_LABELS,
    MATCH_STATUS_LABELS,
    Match,
    MatchingProgramme,
)
from volunteer.funds.scoping import donations_clause
from volunteer.funds.sheets import DONATIONS
from volunteer.spreadsheets.exporting import ExportFilters, register_export
from volunteer.spreadsheets.numbers import fen_to_yuan
from volunteer.spreadsheets.writer import Sheet

STREAM_ROWS = 20_000
MATCH_HEADERS = ("计划编号", "资助方", "收据编号", "捐赠时间", "项目编号", "捐赠金额(元)",
                 "配捐(元)", "约束条件", "状态")  # fmt: skip


def _mask_key(key: str | None) -> str | None:
    if not key or len(key) <= 4:
        return key and "*" * len(key)
    return key[:2] + "*" * (len(key) - 4) + key[-2:]


def _filtered(query, filters: ExportFilters, scope):
    query = query.where(donations_clause(scope))
    if filters.code:
        query = query.where(
            Donation.fund_id.in_(sa.select(Fund.id).where(Fund.code == filters.code))
        )
    if filters.area is not None:
        communities = sa.select(Area.id).where(
            Area.path.startswith(filters.area.path, autoescape=True)
        )
        query = query.where(Project.community_id.in_(communities))
    if filters.date_from:
        query = query.where(Donation.received_at >= _start(filters.date_from))
    if filters.date_to:
        query = query.where(Donation.received_at < _start(filters.date_to, 1))
    return query


def _start(day: dt.date, plus: int = 0) -> dt.datetime:
    return dt.datetime.combine(day + dt.timedelta(days=plus), dt.time(0), SHANGHAI)


@register_export("donations", "捐赠记录", Permission.FUNDS_VIEW)
def donations(context, filters: ExportFilters) -> list[Sheet]:
    dbsession, scope, _vault, reveal = context
    query = _filtered(
        sa.select(Donation, Project.code)
        .join(Project, Project.id == Donation.project_id)
        .where(Donation.refunded_at.is_(None))
        .order_by(Donation.received_at, Donation.receipt_no),
        filters,
        scope,
    )

    def rows():
        for d, project in dbsession.execute(query.execution_options(yield_per=STREAM_ROWS)):
            yield [
                d.receipt_no,
                d.donor_name if reveal or not d.anonymous else "匿名",
                d.donor_key if reveal else _mask_key(d.donor_key),
                "是" if d.anonymous else "否",
                fen_to_yuan(d.amount_fen),
                d.received_at,
                project,
                d.channel,
                d.remark,
            ]

    headers = [c.header for c in DONATIONS.columns]
    return [Sheet(DONATIONS.title, headers, rows(), ("收据编号", "捐赠人标识", "项目编号"))]


@register_export("matches", "配捐明细", Permission.FUNDS_VIEW)
def matches(context, filters: ExportFilters) -> list[Sheet]:
    dbsession, scope, _vault, _reveal = context
    query = (
        sa.select(
            MatchingProgramme.code,
            MatchingProgramme.sponsor,
            Donation.receipt_no,
            Donation.received_at,
            Project.code,
            Donation.amount_fen,
            Match.amount_fen,
            Match.binding_limit,
            Match.status,
        )
        .join(Match, Match.programme_id == MatchingProgramme.id)
        .join(Donation, Donation.id == Match.donation_id)
        .join(Project, Project.id == Donation.project_id)
        .order_by(
            Donation.received_at,
            Donation.receipt_no,
            MatchingProgramme.priority,
            MatchingProgramme.id,
        )
    )
    programme = filters.code
    if programme:
        query = query.where(MatchingProgramme.code == programme)
    query = _filtered(query, ExportFilters(area=filters.area, date_from=filters.date_from,
                                           date_to=filters.date_to), scope)  # fmt: skip

    def rows():
        for (
            code,
            sponsor,
            receipt,
            at,
            project,
            donated,
            matched,
            limit,
            status,
        ) in dbsession.execute(query.execution_options(yield_per=STREAM_ROWS)):
            yield [code, sponsor, receipt, at, project, fen_to_yuan(donated), fen_to_yuan(matched),
                   LIMIT_LABELS[limit], MATCH_STATUS_LABELS[status]]  # fmt: skip

    return [Sheet("配捐明细", list(MATCH_HEADERS), rows(), ("收据编号", "项目编号"))]
