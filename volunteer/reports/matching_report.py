"""The `matching` report: one programme's matches, as stored.

JSON contract (`volunteer-report INI matching --programme CODE`):
`{"programme", "total_matched_fen", "pool_remaining_fen", "projects": [{"project",
"donations_fen", "matched_fen"}], "matches": [{"receipt_no", "matched_fen", "limit",
"status"}]}`.

* matches come in processing order, (received_at, receipt_no); every stored match appears,
  including 0-fen ones (stored when a cap or the pool, not the ratio, left a qualifying
  donation with nothing) and clawed-back ones (status `clawed_back`, not counted in totals);
* `donations_fen` is a project's effective (not refunded) public donations inside the
  programme's window and scope; projects appear when they have such donations or a match;
* street staff see the projects and matches of their street; the totals are the programme's.
The xlsx holds the same content: a summary sheet, the projects, the matches."""

from __future__ import annotations

import datetime as dt
from functools import partial

import sqlalchemy as sa

from volunteer.authz import Permission
from volunteer.db import SHANGHAI
from volunteer.errors import NotFound
from volunteer.funds.models import Donation, Project
from volunteer.funds.programme_models import (
    LIMIT_LABELS,
    MATCH_STATUS_LABELS,
    SPONSOR_LEVEL_LABELS,
    Match,
    MatchingProgramme,
    MatchStatus,
)
from volunteer.funds.scoping import programme_in_scope, projects_clause
from volunteer.reports.registry import ReportParams, ReportResult, register_report
from volunteer.spreadsheets.numbers import fen_to_yuan
from volunteer.spreadsheets.writer import Sheet
from volunteer.spreadsheets.xlsx_stream import write_xlsx

STREAM_ROWS = 20_000


def _scope_clause(programme: MatchingProgramme):
    """Donations in the programme's window and scope (projects and/or areas)."""
    clauses = [
        Donation.received_at >= programme.starts_at,
        Donation.received_at < programme.ends_at,
        Donation.refunded_at.is_(None),
    ]
    if programme.projects:
        clauses.append(Donation.project_id.in_([p.id for p in programme.projects]))
    if programme.areas:
        from volunteer.areas.models import Area

        inside = sa.or_(*(Area.path.startswith(a.path, autoescape=True) for a in programme.areas))
        communities = sa.select(Area.id).where(inside)
        clauses.append(
            Donation.project_id.in_(
                sa.select(Project.id).where(Project.community_id.in_(communities))
            )
        )
    return clauses


def programme_projects(dbsession, scope, programme) -> list[dict]:
    donations = dict(
        dbsession.execute(
            sa.select(Donation.project_id, sa.func.sum(Donation.amount_fen))
            .where(*_scope_clause(programme))
            .group_by(Donation.project_id)
        ).all()
    )
    matched = dict(
        dbsession.execute(
            sa.select(Match.project_id, sa.func.sum(Match.amount_fen))
            .where(Match.programme_id == programme.id, Match.status != MatchStatus.CLAWED_BACK)
            .group_by(Match.project_id)
        ).all()
    )
    ids = set(donations) | set(matched)
    projects = dbsession.execute(
        sa.select(Project.id, Project.code)
        .where(Project.id.in_(ids or {-1}), projects_clause(scope))
        .order_by(Project.code)
    )
    return [
        {
            "project": code,
            "donations_fen": int(donations.get(pid) or 0),
            "matched_fen": int(matched.get(pid) or 0),
        }
        for pid, code in projects
    ]


def _match_rows(dbsession, scope, programme):
    query = (
        sa.select(
            Donation.receipt_no,
            Match.amount_fen,
            Match.binding_limit,
            Match.status,
            Donation.received_at,
            Donation.amount_fen,
            Project.code,
        )
        .join(Donation, Donation.id == Match.donation_id)
        .join(Project, Project.id == Match.project_id)
        .where(Match.programme_id == programme.id)
        .order_by(Donation.received_at, Donation.receipt_no)
        .execution_options(yield_per=STREAM_ROWS)
    )
    if scope.area_path is not None:
        query = query.where(projects_clause(scope))
    return dbsession.execute(query)


@register_report("matching", "配捐计划报告", Permission.REPORTS_VIEW)
def matching_report(params: ReportParams) -> ReportResult:
    code = params.need("programme", "--programme")
    dbsession, scope = params.dbsession, params.scope
    programme = dbsession.scalar(sa.select(MatchingProgramme).where(MatchingProgramme.code == code))
    if programme is None or not programme_in_scope(scope, programme):
        raise NotFound(f"配捐计划「{code}」不存在或不在您的管辖范围内")
    total = dbsession.scalar(
        sa.select(sa.func.coalesce(sa.func.sum(Match.amount_fen), 0)).where(
            Match.programme_id == programme.id, Match.status != MatchStatus.CLAWED_BACK
        )
    )
    rows = list(_match_rows(dbsession, scope, programme))  # for the JSON and the workbook
    data = {
        "programme": programme.code,
        "total_matched_fen": int(total),
        "pool_remaining_fen": programme.pool_fen - int(total),
        "projects": programme_projects(dbsession, scope, programme),
        "matches": [
            {"receipt_no": r, "matched_fen": int(a), "limit": str(lim), "status": str(s)}
            for r, a, lim, s, *_ in rows
        ],
    }
    # The workbook's timestamp is the programme's own (settlement, else creation): fixed.
    moment = programme.settled_at or programme.created_at or dt.datetime(2000, 1, 1, tzinfo=dt.UTC)
    return ReportResult(
        data,
        partial(_sheets, programme, data, rows),
        partial(write_xlsx, as_of=moment, creator=params.actor_name, title=code),
    )


def _sheets(programme, data, rows) -> list[Sheet]:
    summary = [
        ("计划编号", programme.code),
        ("计划名称", programme.name),
        ("资助方", programme.sponsor),
        ("级别", SPONSOR_LEVEL_LABELS[programme.level]),
        ("配捐比例", programme.ratio),
        (
            "配捐窗口",
            f"{programme.starts_at.astimezone(SHANGHAI):%Y-%m-%d %H:%M} 至 "
            f"{programme.ends_at.astimezone(SHANGHAI):%Y-%m-%d %H:%M}（北京时间，不含结束时刻）",
        ),
        ("资金池(元)", fen_to_yuan(programme.pool_fen)),
        ("已配捐(元)", fen_to_yuan(data["total_matched_fen"])),
        ("资金池余额(元)", fen_to_yuan(data["pool_remaining_fen"])),
    ]
    projects = [
        (p["project"], fen_to_yuan(p["donations_fen"]), fen_to_yuan(p["matched_fen"]))
        for p in data["projects"]
    ]
    matches = (
        (receipt, at, project, fen_to_yuan(donated), fen_to_yuan(amount), LIMIT_LABELS[limit],
         MATCH_STATUS_LABELS[status])
        for receipt, amount, limit, status, at, donated, project in rows
    )  # fmt: skip
    return [
        Sheet("概况", ["项目", "内容"], summary),
        Sheet("按项目", ["项目编号", "公众捐赠(元)", "配捐(元)"], projects),
        Sheet(
            "配捐明细",
            ["收据编号", "捐赠时间", "项目编号", "捐赠金额(元)", "配捐(元)", "约束条件", "状态"],
            matches,
        ),
    ]
