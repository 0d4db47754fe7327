"""The `fund-statement` report: a fund's statement for a period, reconciled to its ledger.

JSON (`volunteer-report INI fund-statement --fund CODE --from DATE --to DATE`) is the summary:
opening + receipts − disbursements ± reclassifications = closing, the receipts by kind, the
per-sponsor match totals, the restricted roll-forward, the pass-through items and a `check`
that the computed closing equals the balance the ledger gives independently. The xlsx is the
auditor's full fund report (`fund_sheets`), written reproducibly: its "generated at" is the
creation time of the last ledger entry it includes (数据截至), its author the user who ran it,
so the same period gives the same bytes however often it is generated.

`--to` is inclusive and defaults to today; `--from` defaults to 1 January of `--to`'s year."""

from __future__ import annotations

import datetime as dt
from functools import partial

import sqlalchemy as sa

from volunteer.authz import Permission
from volunteer.db import SHANGHAI, today_local
from volunteer.errors import NotFound, ValidationFailed
from volunteer.funds.models import Fund
from volunteer.funds.scoping import fund_in_scope
from volunteer.reports import fund_queries as q
from volunteer.reports.fund_snapshot import meanwhile
from volunteer.reports.registry import ReportParams, ReportResult, register_report
from volunteer.spreadsheets.xlsx_stream import write_xlsx


def find_fund(params: ReportParams) -> Fund:
    code = params.need("fund", "--fund")
    fund = params.dbsession.scalar(sa.select(Fund).where(Fund.code == code))
    if fund is None or not fund_in_scope(params.scope, fund):
        raise NotFound(f"基金「{code}」不存在或不在您的管辖范围内")
    return fund


def period(params: ReportParams) -> tuple[dt.date, dt.date]:
    date_to = params.date_to or today_local()
    date_from = params.date_from or dt.date(date_to.year, 1, 1)
    if date_from > date_to:
        raise ValidationFailed("开始日期不能晚于结束日期")
    return date_from, date_to


def statement(dbsession, fund: Fund, date_from: dt.date, date_to: dt.date) -> dict:
    """The statement as plain data (fen), everything from one aggregate over the lines, and
    the matches from one over them, read meanwhile on a second connection when there is one."""
    with meanwhile(dbsession, q.match_cells, fund.id, date_from, date_to) as match_cells:
        totals = q.ledger_totals(dbsession, fund.id, date_from, date_to)
        ledger_closing = q.ledger_balance(dbsession, fund.id, date_to)
        entry = q.last_entry(dbsession, fund.id, date_to)
        cells = match_cells()
    donations = totals.credits(q.DONATION_INCOME)
    refunds = totals.debits(q.DONATION_INCOME)
    matches = totals.net_credit(q.MATCH_INCOME)
    receipts = donations - refunds + matches
    disbursements = totals.net_debit([q.A.PROGRAMME_EXPENSE])
    released = totals.net_debit([q.A.RESTRICTED_NET_ASSETS])
    reclassified = totals.net_credit(q.NET_ASSETS)
    opening = totals.balance("opening")
    computed = opening + receipts - disbursements + reclassified
    restricted_income = totals.net_credit(q.RESTRICTED[:2])
    pt_in = totals.debits(q.PASS_THROUGH)
    pt_out = totals.credits(q.PASS_THROUGH)
    pt_opening = totals.net_debit(q.PASS_THROUGH, "before")
    return {
        "fund": fund.code,
        "fund_name": fund.name,
        "host": fund.host,
        "restricted_fund": fund.restricted,
        "from": date_from.isoformat(),
        "to": date_to.isoformat(),
        "opening_fen": opening,
        "receipts_fen": receipts,
        "disbursements_fen": disbursements,
        "reclassifications_fen": reclassified,
        "closing_fen": totals.balance("closing"),
        "receipts": {"donations_fen": donations, "refunds_fen": refunds, "matches_fen": matches},
        "matches_by_sponsor": q.matches_by_sponsor(dbsession, cells, totals),
        "reclassifications": [{"from": "restricted", "to": "unrestricted", "amount_fen": released}],
        "restricted": {
            "opening_fen": totals.restricted("opening"),
            "income_fen": restricted_income,
            "released_fen": released,
            "closing_fen": totals.restricted("closing"),
        },
        "pass_through": {
            "opening_fen": pt_opening,
            "received_fen": pt_in,
            "paid_fen": pt_out,
            "closing_fen": pt_opening + pt_in - pt_out,
        },
        "ledger": {
            "entry_id": entry.id if entry else None,
            "seq": entry.seq if entry else 0,
            "hash": entry.hash if entry else None,
            "as_of": as_of(entry, date_from).isoformat(),
        },
        # Per entry kind in the period (not part of the JSON contract; the workbook shows it).
        "_kinds": {str(k): v for k, v in totals.kinds.items()},
        # The match aggregate, which the workbook's matching schedule reuses.
        "_cells": cells,
        "check": {
            "computed_closing_fen": computed,
            "ledger_closing_fen": ledger_closing,
            "difference_fen": computed - ledger_closing,
            "ok": computed == ledger_closing == totals.balance("closing"),
        },
    }


def as_of(entry, date_from: dt.date) -> dt.datetime:
    """数据截至: when the last included entry was made (the start of the period if none)."""
    if entry is not None:
        return entry.created_at.astimezone(SHANGHAI).replace(microsecond=0)
    return dt.datetime.combine(date_from, dt.time(0), SHANGHAI)


@register_report("fund-statement", "基金收支报告", Permission.REPORTS_VIEW)
def fund_statement(params: ReportParams) -> ReportResult:
    from volunteer.reports.fund_sheets import auditor_sheets

    fund = find_fund(params)
    date_from, date_to = period(params)
    data = statement(params.dbsession, fund, date_from, date_to)
    data["generated_by"] = params.actor_name
    kinds, cells = data.pop("_kinds"), data.pop("_cells")
    moment = dt.datetime.fromisoformat(data["ledger"]["as_of"])
    return ReportResult(
        data,
        partial(auditor_sheets, params.dbsession, fund, {**data, "_kinds": kinds, "_cells": cells}),
        partial(
            write_xlsx,
            as_of=moment,
            creator=params.actor_name,
            title=f"{fund.name} {date_from}至{date_to} 收支报告",
        ),
    )
