"""Workbook exports of the incubation domain: the organisation register (status and
incubation history), the case list, and a call's ranking and award tables. Registered with
the shared export engine (`volunteer-export --kind ...`); the pages call the sheet builders
directly so that the list's own filters apply. Text is neutralised by the shared writer."""

from __future__ import annotations

import io

import sqlalchemy as sa
from sqlalchemy.orm import Session

from volunteer.areas.models import ORGANISATION_KIND_LABELS, REGISTRATION_LABELS, Organisation
from volunteer.audit import AuditLog
from volunteer.authz import Permission, Scope
from volunteer.errors import NotFound, ValidationFailed
from volunteer.incubation.calls import CallService
from volunteer.incubation.cases import CaseService
from volunteer.incubation.filing_rules import FILING_STATE_LABELS
from volunteer.incubation.models import Filing, IncubationCase, VentureCall
from volunteer.incubation.proposal_rules import PROPOSAL_STATE_LABELS
from volunteer.incubation.scoping import call_in_scope, organisations_clause
from volunteer.incubation.workflow import CASE_STATE_LABELS, INCUBATION_MODE_LABELS
from volunteer.spreadsheets.exporting import ExportFilters, register_export
from volunteer.spreadsheets.numbers import fen_to_yuan
from volunteer.spreadsheets.writer import Sheet, write_workbook


def register_sheet(dbsession: Session, scope: Scope) -> Sheet:
    orgs = dbsession.scalars(
        sa.select(Organisation).where(organisations_clause(scope)).order_by(Organisation.name)
    ).all()
    ids = [o.id for o in orgs]
    filings, cases = {}, {}
    if ids:
        for f in dbsession.scalars(
            sa.select(Filing).where(Filing.organisation_id.in_(ids)).order_by(Filing.id)
        ):
            filings[f.organisation_id] = f
        for c in dbsession.scalars(
            sa.select(IncubationCase)
            .where(IncubationCase.organisation_id.in_(ids))
            .order_by(IncubationCase.id)
        ):
            cases.setdefault(c.organisation_id, []).append(c)

    def rows():
        for o in orgs:
            f = filings.get(o.id)
            history = "；".join(
                f"{CASE_STATE_LABELS[c.state]}（{c.applied_on or c.created_at.date()}）"
                for c in cases.get(o.id, [])
            )
            yield (
                o.name,
                ORGANISATION_KIND_LABELS.get(o.kind, o.kind),
                o.area.name,
                REGISTRATION_LABELS.get(o.registration, o.registration),
                FILING_STATE_LABELS.get(f.state) if f else None,
                f.filed_on if f else None,
                history or None,
            )

    headers = ["组织名称", "类型", "所在区域", "状态", "备案进度", "备案日期", "孵化经历"]
    return Sheet("社会组织名录", headers, rows())


def case_sheet(service: CaseService, state: str | None = None, overdue: bool = False) -> Sheet:
    def rows():
        for c, flagged in service.search(state, overdue, limit=100_000):
            yield (
                c.id,
                c.organisation.name,
                c.organisation.area.name,
                CASE_STATE_LABELS[c.state],
                INCUBATION_MODE_LABELS.get(c.mode) if c.mode else None,
                c.applied_on,
                c.term_start,
                c.term_end,
                c.renewals_used,
                REGISTRATION_LABELS.get(c.organisation.registration),
                "是" if flagged else "否",
            )

    headers = [
        "编号",
        "组织",
        "区域",
        "状态",
        "孵化方式",
        "申请日期",
        "孵化开始",
        "孵化结束",
        "续期次数",
        "登记备案状态",
        "逾期未备案",
    ]
    return Sheet("孵化申请", headers, rows())


def call_sheets(service: CallService, call: VentureCall) -> list[Sheet]:
    ranking = service.ranking(call)
    ranking_rows = [
        (
            r.ranked.rank if r.ranked else None,
            r.proposal.title,
            r.proposal.organisation.name,
            fen_to_yuan(r.proposal.requested_fen),
            r.breakdown.score,
            r.breakdown.bonus,
            len(r.breakdown.counted),
            len(r.breakdown.recused),
            "是" if r.ranked and r.ranked.funded else "否",
            fen_to_yuan(r.ranked.cumulative_fen) if r.ranked else None,
            PROPOSAL_STATE_LABELS[r.proposal.state],
        )
        for r in ranking
    ]
    award_rows = [
        (
            p.title,
            p.organisation.name,
            fen_to_yuan(p.approved_fen),
            fen_to_yuan(sum(t.amount_fen for t in p.tranches if t.released_at)),
            len(p.tranches),
            PROPOSAL_STATE_LABELS[p.state],
        )
        for p in call.proposals
        if p.approved_fen
    ]
    return [
        Sheet(
            "评审排名",
            [
                "排名",
                "项目名称",
                "申报组织",
                "申请金额（元）",
                "得分",
                "加分",
                "计分专家数",
                "回避专家数",
                "进入资助",
                "累计资助（元）",
                "状态",
            ],
            ranking_rows,
        ),
        Sheet(
            "资助项目",
            ["项目名称", "申报组织", "批准金额（元）", "已拨付（元）", "分期数", "状态"],
            award_rows,
        ),
    ]


def workbook_bytes(sheets: list[Sheet]) -> bytes:
    buffer = io.BytesIO()
    write_workbook(buffer, sheets)
    return buffer.getvalue()


def audit_export(audit: AuditLog, scope: Scope, kind: str, **after) -> None:
    audit.record("export", "export", kind, after={"kind": kind, **after}, area_path=scope.area_path)


# -- the shared export engine (console) ----------------------------------------------------------


@register_export("organisation_register", "社会组织名录", Permission.INCUBATION_VIEW)
def _register(ctx, filters: ExportFilters) -> list[Sheet]:
    dbsession, scope, _vault, _reveal = ctx
    return [register_sheet(dbsession, scope)]


@register_export("incubation_cases", "孵化申请", Permission.INCUBATION_VIEW)
def _cases(ctx, filters: ExportFilters) -> list[Sheet]:
    dbsession, scope, _vault, _reveal = ctx
    return [case_sheet(CaseService(dbsession, scope, AuditLog(dbsession, None, "export")))]


@register_export("call_ranking", "公益创投排名及资助表", Permission.INCUBATION_VIEW)
def _call(ctx, filters: ExportFilters) -> list[Sheet]:
    dbsession, scope, _vault, _reveal = ctx
    if not filters.code or not filters.code.isdigit():
        raise ValidationFailed("请用 --code 指定创投活动编号")
    call = dbsession.get(VentureCall, int(filters.code))
    if call is None or not call_in_scope(scope, call):
        raise NotFound("创投活动不存在或不在本辖区")
    return call_sheets(CallService(dbsession, scope, AuditLog(dbsession, None, "export")), call)
