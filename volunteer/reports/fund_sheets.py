"""The auditor's fund report as workbook sheets, one per section: header, statement with its
check row, receipts by type and by sponsor, donor detail, matching schedule per project,
disbursements with their approval chain, restricted net assets roll-forward, pass-through
items. Amounts are exact Decimal yuan (fen / 100); detail rows stream from the database in a
fixed order, so the same data always gives the same rows."""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.orm import aliased

from volunteer.accounts.models import User
from volunteer.funds.ledger_models import ENTRY_KIND_LABELS, EntryKind, LedgerEntry, LedgerLine
from volunteer.funds.models import (
    DISBURSEMENT_STATUS_LABELS,
    EXPENSE_CLASS_LABELS,
    Disbursement,
    Donation,
    Fund,
    Project,
)
from volunteer.funds.programme_models import (
    LIMIT_LABELS,
    MATCH_STATUS_LABELS,
    SPONSOR_LEVEL_LABELS,
    MatchingProgramme,
)
from volunteer.reports import fund_queries as q
from volunteer.reports.fund_donor_sheet import donor_sheet
from volunteer.spreadsheets.numbers import fen_to_yuan
from volunteer.spreadsheets.writer import Sheet

AMOUNT = "金额(元)"
# fmt: off
DISBURSEMENT_HEADERS = ("编号", "项目编号", "受益人", "支出类别", "用途", AMOUNT, "状态", "申请人",
                        "申请时间", "审批人", "审批时间", "审批意见", "凭证号", "附件SHA-256",
                        "分录序号")
# fmt: on


def level_label(level: str) -> str:
    return next((v for k, v in SPONSOR_LEVEL_LABELS.items() if str(k) == level), level)


def auditor_sheets(dbsession, fund: Fund, data: dict) -> list[Sheet]:
    date_from, date_to = dt.date.fromisoformat(data["from"]), dt.date.fromisoformat(data["to"])
    return [
        _header(fund, data),
        _statement(data),
        _receipts(data),
        _sponsors(data),
        donor_sheet(dbsession, fund, date_from, date_to),
        _schedule(dbsession, fund, data, date_from, date_to),
        Sheet(
            "支出明细",
            DISBURSEMENT_HEADERS,
            _disbursement_rows(dbsession, fund, date_from, date_to),
        ),
        _restricted(data),
        Sheet(
            "受托代理",
            ["记账日期", "类型", "摘要", AMOUNT, "凭证号", "分录序号"],
            _pass_through_rows(dbsession, fund, data, date_from, date_to),
        ),
    ]


def _header(fund: Fund, data: dict) -> Sheet:
    ledger = data["ledger"]
    rows = [
        ("基金编号", fund.code),
        ("基金名称", fund.name),
        ("托管机构", fund.host),
        ("所属社区", fund.community.name),
        ("协议编号", fund.agreement_no),
        ("协议日期", fund.agreement_date),
        ("基金性质", "限定性" if fund.restricted else "非限定性"),
        ("报告期间", f"{data['from']} 至 {data['to']}"),
        ("数据截至（生成时间）", ledger["as_of"].replace("T", " ")[:19]),
        ("生成人", data["generated_by"]),
        ("计算依据分录ID", ledger["entry_id"]),
        ("计算依据分录序号", ledger["seq"]),
        ("计算依据分录哈希", ledger["hash"]),
    ]
    return Sheet("报告信息", ["项目", "内容"], rows)


def _statement(data: dict) -> Sheet:
    r, check = data["receipts"], data["check"]
    rows = [
        ("期初余额", fen_to_yuan(data["opening_fen"])),
        ("加：本期收入", fen_to_yuan(data["receipts_fen"])),
        ("  其中：捐赠收入", fen_to_yuan(r["donations_fen"])),
        ("  减：捐赠退款及更正", fen_to_yuan(r["refunds_fen"])),
        ("  配捐收入", fen_to_yuan(r["matches_fen"])),
        ("减：本期支出", fen_to_yuan(data["disbursements_fen"])),
        ("加减：净资产重分类（净额）", fen_to_yuan(data["reclassifications_fen"])),
        ("  其中：限定性转为非限定性", fen_to_yuan(data["reclassifications"][0]["amount_fen"])),
        ("期末余额（按上式计算）", fen_to_yuan(check["computed_closing_fen"])),
        ("期末余额（账簿）", fen_to_yuan(check["ledger_closing_fen"])),
        ("核对差额", fen_to_yuan(check["difference_fen"])),
        ("核对结果", "一致" if check["ok"] else "不一致"),
    ]
    return Sheet("收支表", ["项目", AMOUNT], rows)


def _receipts(data: dict) -> Sheet:
    rows = [
        (ENTRY_KIND_LABELS[EntryKind(kind)], count, fen_to_yuan(amount))
        for kind, (count, amount) in sorted(data["_kinds"].items())
    ]
    return Sheet("收入分类", ["分录类型", "笔数", "发生额(元)"], rows)


def _sponsors(data: dict) -> Sheet:
    rows = [
        (
            s["sponsor"],
            level_label(s["level"]),
            fen_to_yuan(s["matched_fen"]),
            fen_to_yuan(s["settled_fen"]),
            fen_to_yuan(s["posted_fen"]),
        )
        for s in data["matches_by_sponsor"]
    ]
    headers = ["资助方", "级别", "本期捐赠配捐(元)", "其中已结算(元)", "本期入账配捐收入(元)"]
    return Sheet("按资助方", headers, rows)


def _schedule(dbsession, fund, data, date_from, date_to) -> Sheet:
    projects = {
        p.id: p for p in dbsession.scalars(sa.select(Project).where(Project.fund_id == fund.id))
    }
    # Only the fund's projects are shown; naming them lets PostgreSQL sum their donations
    # through the (project, received_at) index rather than scan every fund's.
    where = (
        *q.donations_in(fund.id, date_from, date_to),
        Donation.project_id.in_(list(projects)),
        Donation.refunded_at.is_(None),
    )
    raised = dict(
        dbsession.execute(
            sa.select(Donation.project_id, sa.func.sum(Donation.amount_fen))
            .where(*where)
            .group_by(Donation.project_id)
        ).all()
    )
    cells: dict = defaultdict(lambda: {"fen": 0, "limits": Counter(), "status": Counter()})
    for project_id, programme_id, limit, status, live, count, amount in data["_cells"]:
        if not live:
            continue
        cell = cells[(project_id, programme_id)]
        cell["fen"] += int(amount or 0)
        cell["limits"][limit] += count
        cell["status"][status] += count
    programmes = {
        p.id: p
        for p in dbsession.scalars(
            sa.select(MatchingProgramme).where(
                MatchingProgramme.id.in_({k[1] for k in cells} or {-1})
            )
        )
    }
    rows = []
    for project in sorted(projects.values(), key=lambda p: p.code):
        public = int(raised.get(project.id, 0))
        mine = sorted(
            (programmes[k[1]] for k in cells if k[0] == project.id),
            key=lambda p: (p.priority, p.id),
        )
        if not mine and public:
            rows.append((project.code, project.name, fen_to_yuan(public), *[None] * 7))
        for programme in mine:
            cell = cells[(project.id, programme.id)]
            ratio = (Decimal(cell["fen"]) / public).quantize(Decimal("0.0001")) if public else None
            rows.append((
                project.code, project.name, fen_to_yuan(public), programme.code, programme.sponsor,
                level_label(str(programme.level)), fen_to_yuan(cell["fen"]),
                None if ratio is None else f"{ratio:f}",
                _counts(cell["limits"], LIMIT_LABELS), _counts(cell["status"], MATCH_STATUS_LABELS),
            ))  # fmt: skip
    headers = ["项目编号", "项目名称", "公众捐赠(元)", "配捐计划", "资助方", "级别", "配捐(元)",
               "实际配比", "约束条件(笔数)", "状态(笔数)"]  # fmt: skip
    return Sheet("配捐明细表", headers, rows)


def _counts(counter: Counter, labels: dict) -> str:
    return "；".join(
        f"{labels.get(key, key)} {count}"
        for key, count in sorted(counter.items(), key=lambda kv: str(kv[0]))
    )


def _disbursement_rows(dbsession, fund, date_from, date_to):
    start, end = q.local_bounds(date_from, date_to)
    requester, approver = aliased(User), aliased(User)
    # The entry's sequence number by its id, rather than a scan of the fund's entries.
    entry = sa.and_(
        LedgerEntry.id == Disbursement.entry_id,
        LedgerEntry.fund_id == fund.id,
        LedgerEntry.kind == EntryKind.DISBURSEMENT,
    )
    query = (
        sa.select(
            Disbursement,
            Project.code,
            requester.display_name,
            approver.display_name,
            LedgerEntry.seq,
        )
        .outerjoin(Project, Project.id == Disbursement.project_id)
        .outerjoin(requester, requester.id == Disbursement.requested_by)
        .outerjoin(approver, approver.id == Disbursement.decided_by)
        .outerjoin(LedgerEntry, entry)
        .where(
            Disbursement.fund_id == fund.id,
            sa.or_(
                Disbursement.requested_at.between(start, end),
                Disbursement.decided_at.between(start, end),
            ),
        )
        .order_by(Disbursement.requested_at, Disbursement.id)
    )
    for d, project, requested_by, decided_by, seq in dbsession.execute(query):
        yield (
            d.id, project, d.beneficiary, EXPENSE_CLASS_LABELS[d.expense_class], d.purpose,
            fen_to_yuan(d.amount_fen), DISBURSEMENT_STATUS_LABELS[d.status], requested_by,
            d.requested_at, decided_by, d.decided_at, d.decision_note, d.voucher_no,
            d.attachment_sha256, seq,
        )  # fmt: skip


def _restricted(data: dict) -> Sheet:
    r = data["restricted"]
    rows = [
        ("期初限定性净资产", fen_to_yuan(r["opening_fen"])),
        ("加：本期限定性收入（扣除退款）", fen_to_yuan(r["income_fen"])),
        ("减：本期解除限定", fen_to_yuan(r["released_fen"])),
        ("期末限定性净资产", fen_to_yuan(r["closing_fen"])),
    ]
    return Sheet("限定性净资产变动", ["项目", AMOUNT], rows)


def _pass_through_rows(dbsession, fund, data, date_from, date_to):
    pt = data["pass_through"]
    yield (None, "期初余额", None, fen_to_yuan(pt["opening_fen"]), None, None)
    kinds = (EntryKind.PASS_THROUGH_IN, EntryKind.PASS_THROUGH_OUT)
    # The period's entries by kind are known already: without any of these, skip the scan.
    if any(str(kind) in data["_kinds"] for kind in kinds):
        yield from _pass_through_entries(dbsession, fund, kinds, date_from, date_to)
    yield (None, "期末余额", None, fen_to_yuan(pt["closing_fen"]), None, None)


def _pass_through_entries(dbsession, fund, kinds, date_from, date_to):
    amount = sa.func.sum(LedgerLine.debit_fen)
    query = (
        sa.select(
            LedgerEntry.posted_on,
            LedgerEntry.kind,
            LedgerEntry.memo,
            amount,
            LedgerEntry.voucher_no,
            LedgerEntry.seq,
        )
        .join(LedgerLine, LedgerLine.entry_id == LedgerEntry.id)
        .where(
            LedgerEntry.fund_id == fund.id,
            LedgerEntry.kind.in_(kinds),
            LedgerEntry.posted_on.between(date_from, date_to),
        )
        .group_by(LedgerEntry.id)
        .order_by(LedgerEntry.seq)
    )
    for posted_on, kind, memo, fen, voucher, seq in dbsession.execute(query):
        yield (posted_on, ENTRY_KIND_LABELS[EntryKind(kind)], memo, fen_to_yuan(fen), voucher, seq)
