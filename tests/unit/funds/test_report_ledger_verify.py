"""`ledger-verify` through the report registry: intact after normal postings, and an amount
changed behind the application's back (raw SQL) is reported with its fund and entry."""

import sqlalchemy as sa

from tests.factories import make_district, make_fund_world
from volunteer.audit import AuditLog
from volunteer.authz import SYSTEM_SCOPE
from volunteer.funds.ledger_models import LedgerLine
from volunteer.reports.registry import ReportParams, run_report


def _verify(dbsession, fund=None):
    params = ReportParams(
        dbsession=dbsession,
        scope=SYSTEM_SCOPE,
        audit=AuditLog(dbsession, None, "system"),
        actor_name="system",
        fund=fund,
    )
    return run_report("ledger-verify", params)[1].data


def test_intact_then_tampered(dbsession):
    tree = make_district(dbsession)
    world = make_fund_world(dbsession, tree["community11"], "LV")
    before = _verify(dbsession)
    assert before["intact"] is True
    assert before["entries_checked"] >= 1
    line_id = dbsession.scalar(sa.select(sa.func.min(LedgerLine.id)))
    # An UPDATE the ORM would refuse: done below it, as a tamperer with database access would.
    dbsession.execute(
        sa.text("UPDATE ledger_lines SET debit_fen = debit_fen + 1 WHERE id = :id"), {"id": line_id}
    )
    after = _verify(dbsession, fund=world["fund"].code)
    assert after["intact"] is False
    assert after["broken"][0]["fund"] == world["fund"].code
