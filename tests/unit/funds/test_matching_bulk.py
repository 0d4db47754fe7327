"""The bulk recompute on PostgreSQL (secondary indexes of `matches` dropped around the COPY and
built again, ids reserved in one step) writes exactly the rows the ordinary path writes, and
leaves the table's indexes and constraints as the model declares them. Also: the facts the
PostgreSQL reader streams equal the portable query's."""

import pytest
import sqlalchemy as sa

from tests.factories import make_donation, make_programme
from volunteer.funds import match_io
from volunteer.funds.match_io import programme_rule, read_facts
from volunteer.funds.matches import MatchingService
from volunteer.funds.programme_models import Match


def _postgresql(dbsession):
    if dbsession.connection().dialect.name != "postgresql":
        pytest.skip("the bulk path is PostgreSQL only")


def _rows(dbsession):
    return sorted(
        dbsession.execute(
            sa.select(
                Match.programme_id,
                Match.donation_id,
                Match.project_id,
                Match.donor_key,
                Match.amount_fen,
                Match.binding_limit,
                Match.status,
            )
        )
    )


def _scenario(dbsession, tree):
    province = make_programme(dbsession, "P", ratio="0.1", per_donation_cap_fen=5_00, priority=1)
    city = make_programme(
        dbsession, "C", ratio="0.5", per_donor_project_cap_fen=30_00, pool_fen=200_00, priority=2
    )
    for n in range(12):
        donor = None if n % 4 == 0 else f"wx:{n % 3}\\tx" if n == 5 else f"wx:{n % 3}"
        make_donation(dbsession, tree["p1" if n % 2 else "p2"], 40_00 + n, n, donor_key=donor)
    return [province, city]


def test_bulk_recompute_writes_the_same_rows(dbsession, tree, monkeypatch):
    _postgresql(dbsession)
    programmes = _scenario(dbsession, tree)
    incremental = _rows(dbsession)
    MatchingService(dbsession).recompute(programmes)
    assert _rows(dbsession) == incremental
    monkeypatch.setattr(MatchingService, "bulk_rows", 1)
    monkeypatch.setattr(match_io, "BULK_ROWS", 1)
    assert MatchingService(dbsession).recompute(programmes) == len(incremental)
    assert _rows(dbsession) == incremental
    ids = dbsession.scalars(sa.select(Match.id)).all()
    assert len(set(ids)) == len(ids)
    inspector = sa.inspect(dbsession.connection())
    assert {i["name"] for i in inspector.get_indexes("matches")} >= {
        "ix_matches_programme_project_donor",
        "uq_matches_donation_id_programme_id",
    }
    assert [c["name"] for c in inspector.get_unique_constraints("matches")] == [
        "uq_matches_donation_id_programme_id"
    ]
    # New matches after the bulk rewrite draw ids after the reserved block.
    make_donation(dbsession, tree["p1"], 50_00, 100, donor_key="wx:new")
    assert len(_rows(dbsession)) == len(incremental) + 2
    assert dbsession.scalar(sa.select(sa.func.max(Match.id))) > max(ids)


def test_postgresql_reader_equals_the_portable_query(dbsession, tree, monkeypatch):
    _postgresql(dbsession)
    programmes = _scenario(dbsession, tree)
    service = MatchingService(dbsession)
    rules = [programme_rule(p) for p in programmes]
    fast = service._stream(rules)
    assert {type(f).__name__ for f in fast} == {"FactRow"}
    connection = dbsession.connection()
    monkeypatch.setattr(connection.dialect, "name", "other")
    try:
        portable = service._stream(rules)
    finally:
        monkeypatch.undo()
    key = sorted
    assert key(tuple(f) for f in fast) == key(
        (f.id, f.receipt_no, f.received_at, f.amount_fen, f.project_id, f.area_ids, f.donor_key)
        for f in portable
    )
    later = sorted(fast, key=lambda f: (f.received_at, f.receipt_no))[5]
    areas = {f.project_id: f.area_ids for f in fast}
    tail = read_facts(dbsession, rules, (later.received_at, later.receipt_no), areas)
    assert sorted(f.id for f in tail) == sorted(
        f.id for f in fast if (f.received_at, f.receipt_no) >= (later.received_at, later.receipt_no)
    )
    assert all(f.received_at.utcoffset().total_seconds() == 0 for f in fast)
