"""Two staff recording donations at the same moment cannot overspend a programme's pool: the
second transaction waits on the programme's tally row and then sees the first one's usage.

Needs real, committed, concurrent transactions, so it runs on PostgreSQL only (set
VOLUNTEER_TEST_DB_URL) and cleans up what it committed with plain SQL."""

import datetime as dt
import threading
import time

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import sessionmaker

from tests.factories import funds_services, make_district, make_fund, make_programme, make_project
from volunteer.funds.donations import DonationInput
from volunteer.funds.programme_models import Match, ProgrammeTally

pytestmark = pytest.mark.postgres_only
T0 = dt.datetime(2024, 4, 8, 2, 0, tzinfo=dt.UTC)


@pytest.fixture
def committed(dbengine):
    if dbengine.dialect.name != "postgresql":
        pytest.skip("concurrency is tested on PostgreSQL")
    factory = sessionmaker(bind=dbengine, expire_on_commit=False)
    with dbengine.connect() as connection:
        audit_mark = connection.scalar(sa.text("SELECT coalesce(max(id), 0) FROM audit_log"))
    with factory() as session:
        tree = make_district(session)
        fund = make_fund(session, tree["community11"], code="CONC-F")
        project = make_project(session, fund, code="CONC-P")
        programme = make_programme(session, "CONC-M", ratio="1", pool_fen=100_00)
        session.commit()
        ids = {
            "fund": fund.id,
            "project": project.id,
            "programme": programme.id,
            "areas": sorted((a.id for k, a in tree.items() if hasattr(a, "path")), reverse=True),
            "orgs": [o.id for k, o in tree.items() if k.startswith("team")],
        }
    yield factory, ids
    with dbengine.begin() as connection:
        _cleanup(connection, ids, audit_mark)


def _cleanup(connection, ids, audit_mark):
    run = connection.execute
    run(sa.text("DELETE FROM matches WHERE programme_id = :p"), {"p": ids["programme"]})
    run(sa.text("DELETE FROM programme_tallies WHERE programme_id = :p"), {"p": ids["programme"]})
    run(
        sa.text("DELETE FROM programme_project_tallies WHERE programme_id = :p"),
        {"p": ids["programme"]},
    )
    run(sa.text("DELETE FROM ledger_heads WHERE fund_id = :f"), {"f": ids["fund"]})
    run(sa.text("DELETE FROM donations WHERE fund_id = :f"), {"f": ids["fund"]})
    run(sa.text("DELETE FROM ledger_lines WHERE fund_id = :f"), {"f": ids["fund"]})
    run(sa.text("DELETE FROM ledger_entries WHERE fund_id = :f"), {"f": ids["fund"]})
    run(sa.text("DELETE FROM matching_programmes WHERE id = :p"), {"p": ids["programme"]})
    run(sa.text("DELETE FROM projects WHERE id = :p"), {"p": ids["project"]})
    run(sa.text("DELETE FROM funds WHERE id = :f"), {"f": ids["fund"]})
    run(sa.text("DELETE FROM organisations WHERE id = ANY(:o)"), {"o": ids["orgs"]})
    for area_id in ids["areas"]:
        run(sa.text("DELETE FROM areas WHERE id = :a"), {"a": area_id})
    run(sa.text("DELETE FROM audit_log WHERE id > :m"), {"m": audit_mark})


def test_two_recorders_cannot_overspend_a_pool(committed):
    factory, ids = committed
    first_recorded = threading.Event()
    errors = []

    def record(receipt, minute, hold):
        try:
            with factory() as session:
                funds_services(session)["donations"].record(
                    DonationInput(
                        receipt_no=receipt,
                        donor_name="并发测试",
                        amount_fen=100_00,
                        received_at=T0 + dt.timedelta(minutes=minute),
                        project_id=ids["project"],
                    )
                )
                if hold:
                    # Keep the pool locked while the other transaction tries to match.
                    first_recorded.set()
                    time.sleep(0.5)
                session.commit()
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)

    first = threading.Thread(target=record, args=("CONC-1", 1, True))
    first.start()
    assert first_recorded.wait(10)
    second = threading.Thread(target=record, args=("CONC-2", 2, False))
    second.start()
    first.join(20)
    second.join(20)
    assert errors == []
    with factory() as session:
        amounts = session.execute(
            sa.select(Match.amount_fen, Match.binding_limit)
            .where(Match.programme_id == ids["programme"])
            .order_by(Match.id)
        ).all()
        tally = session.get(ProgrammeTally, ids["programme"])
        assert sorted(a for a, _ in amounts) == [0, 100_00]
        assert sum(a for a, _ in amounts) == tally.matched_fen == 100_00
