"""`ledger-verify`: recompute every fund's hash chain and list the entries that no longer match
what was posted (tampering shows here). Exit status stays 0; `intact` says the verdict."""

from __future__ import annotations

import sqlalchemy as sa

from volunteer.authz import Permission
from volunteer.errors import NotFound
from volunteer.funds.ledger_models import LedgerEntry
from volunteer.funds.ledger_verify import verify_ledger
from volunteer.funds.models import Fund
from volunteer.reports.registry import ReportParams, ReportResult, register_report
from volunteer.spreadsheets.writer import Sheet


@register_report("ledger-verify", "账簿哈希链核验", Permission.FUNDS_VIEW)
def ledger_verify(params: ReportParams) -> ReportResult:
    dbsession = params.dbsession
    fund_id = None
    if params.fund:
        fund_id = dbsession.scalar(sa.select(Fund.id).where(Fund.code == params.fund))
        if fund_id is None:
            raise NotFound(f"基金不存在：{params.fund}")
    broken = verify_ledger(dbsession, fund_id)
    codes = {fid: code for fid, code in dbsession.execute(sa.select(Fund.id, Fund.code))}
    entries = dbsession.scalar(
        sa.select(sa.func.count(LedgerEntry.id)).where(
            sa.true() if fund_id is None else LedgerEntry.fund_id == fund_id
        )
    )
    data = {
        "intact": not broken,
        "entries_checked": entries,
        "broken": [
            {"fund": codes.get(b.fund_id), "entry_id": b.entry_id, "seq": b.seq, "reason": b.reason}
            for b in broken
        ],
    }

    def sheets():
        rows = [[b["fund"], b["entry_id"], b["seq"], b["reason"]] for b in data["broken"]]
        summary = [["核验结果", "完好" if data["intact"] else "发现异常"], ["核验分录数", entries]]
        return [
            Sheet("核验结果", ["项目", "值"], summary),
            Sheet("异常分录", ["基金编号", "分录编号", "序号", "原因"], rows),
        ]

    return ReportResult(data, sheets)
