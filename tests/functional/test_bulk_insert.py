"""`insert_rows` stores exactly what a Core INSERT of the same dicts stores, whichever way it
sends them (COPY, one JSON statement, executemany) and whatever the values hold."""

from __future__ import annotations

import datetime as dt
import time

import pytest
import sqlalchemy as sa

from tests.factories import make_activity, make_district, make_volunteer
from volunteer.db import SHANGHAI
from volunteer.pii import PiiVault
from volunteer.spreadsheets.bulk import BackgroundInserts, insert_columns, insert_rows
from volunteer.volunteers.models import Provenance, RecordStatus, ServiceRecord

_STORED = [c for c in ServiceRecord.__table__.columns if c.key != "id"]


@pytest.fixture
def world(dbsession, app_settings):
    tree = make_district(dbsession)
    vault = PiiVault.from_settings(app_settings)
    people = [
        make_volunteer(dbsession, vault, tree["community11"], id_number=None) for _ in range(3)
    ]
    return people, make_activity(dbsession, tree["team1"])


def _rows(people, activity, variant: str) -> list[dict]:
    start = dt.datetime(2024, 4, 8, 9, 0, tzinfo=SHANGHAI)
    rows = []
    for i, person in enumerate(people * 2):
        rows.append(
            {
                "volunteer_id": person.id,
                "activity_id": activity.id,
                "service_date": dt.date(2024, 4, 8) + dt.timedelta(days=i),
                "minutes": 90 + i,
                "start_at": start + dt.timedelta(days=i) if variant != "blank" else None,
                "end_at": start + dt.timedelta(days=i, minutes=90) if variant != "blank" else None,
                "status": RecordStatus.APPROVED if i % 2 else RecordStatus.PENDING,
                "content": ["入户走访", "=危险公式", 'quote"and\\slash', "多行\n内容"][i % 4],
                "remark": None,
                "provenance": Provenance.IMPORT,
                "recorded_by": None,
                "recorded_at": dt.datetime(2024, 5, 1, 8, 30, 15, 123456, tzinfo=dt.UTC),
                "reviewed_by": None,
                "reviewed_at": None,
                "batch_id": None,
                "version": 1,
            }
        )
    if variant == "one":
        return rows[:1]
    if variant == "defaults":  # left to the columns' Python-side defaults
        for row in rows:
            del row["status"], row["version"]
    return rows


def _stored(dbsession):
    query = sa.select(*_STORED).order_by(ServiceRecord.service_date, ServiceRecord.minutes)
    return [tuple(row) for row in dbsession.execute(query)]


def _core_insert_then_cleared(dbsession, rows):
    """What a Core INSERT of `rows` stores; the table is emptied again."""
    dbsession.execute(sa.insert(ServiceRecord.__table__), rows)
    expected = _stored(dbsession)
    dbsession.execute(sa.delete(ServiceRecord.__table__))
    return expected


@pytest.mark.parametrize("variant", ["mixed", "blank", "one", "defaults"])
def test_insert_rows_stores_what_a_core_insert_stores(dbsession, world, variant):
    rows = _rows(*world, variant)
    expected = _core_insert_then_cleared(dbsession, rows)
    insert_rows(dbsession, ServiceRecord.__table__, rows)
    assert _stored(dbsession) == expected
    assert len(expected) == len(rows)


@pytest.mark.parametrize("variant", ["mixed", "blank", "defaults"])
def test_insert_columns_with_constants_stores_what_a_core_insert_stores(dbsession, world, variant):
    rows = _rows(*world, variant)
    expected = _core_insert_then_cleared(dbsession, rows)
    # Constants of every kind: an enum, an aware datetime, None, and a column's default.
    constants = {"provenance": Provenance.IMPORT, "recorded_at": rows[0]["recorded_at"]}
    constants |= {"reviewed_by": None, "remark": None}
    columns = {k: [r[k] for r in rows] for k in rows[0] if k not in constants}
    insert_columns(dbsession, ServiceRecord.__table__, columns, len(rows), constants)
    assert _stored(dbsession) == expected


def test_the_orm_reads_bulk_inserted_records_back(dbsession, world):
    people, activity = world
    insert_rows(dbsession, ServiceRecord.__table__, _rows(people, activity, "mixed"))
    records = dbsession.scalars(sa.select(ServiceRecord).order_by(ServiceRecord.service_date))
    first = next(iter(records))
    assert first.status is RecordStatus.PENDING
    assert first.provenance is Provenance.IMPORT
    assert first.content == "入户走访"
    assert first.start_at.astimezone(SHANGHAI).hour == 9


def test_the_session_waits_for_background_work_before_its_next_statement(dbsession):
    finished = []
    with BackgroundInserts(dbsession) as background:
        background.submit(lambda: (time.sleep(0.3), finished.append(True)))
        dbsession.execute(sa.select(1))
        assert finished == [True]


def test_statements_after_a_background_insert_see_its_rows(dbsession, world):
    people, activity = world
    rows = _rows(people, activity, "mixed")
    with BackgroundInserts(dbsession):
        insert_rows(dbsession, ServiceRecord.__table__, rows)
        counted = dbsession.scalar(sa.select(sa.func.count()).select_from(ServiceRecord))
        assert counted == len(rows)
        insert_rows(dbsession, ServiceRecord.__table__, rows[:2])
    assert dbsession.scalar(sa.select(sa.func.count()).select_from(ServiceRecord)) == len(rows) + 2


def test_a_failed_background_insert_is_raised_not_lost(dbsession, world):
    people, activity = world
    rows = _rows(people, activity, "mixed")
    rows[-1]["volunteer_id"] = 987_654_321  # no such volunteer
    with pytest.raises(Exception, match=r"(?i)foreign key"), BackgroundInserts(dbsession):
        insert_rows(dbsession, ServiceRecord.__table__, rows)


def _count(dbsession) -> int:
    return dbsession.scalar(sa.select(sa.func.count()).select_from(ServiceRecord))


def test_deferred_inserts_start_when_their_block_ends(dbsession, world):
    people, activity = world
    rows = _rows(people, activity, "mixed")
    with BackgroundInserts(dbsession) as background:
        with background.deferred():
            insert_rows(dbsession, ServiceRecord.__table__, rows)
            during = _count(dbsession)  # runs first instead of waiting for the insert
        after = _count(dbsession)
    assert (during, after) == (0, len(rows))


def test_deferred_inserts_are_dropped_when_their_block_fails(dbsession, world):
    people, activity = world
    rows = _rows(people, activity, "mixed")

    def write_then_fail(background):
        with background.deferred():
            insert_rows(dbsession, ServiceRecord.__table__, rows)
            raise LookupError("a later step failed")

    with BackgroundInserts(dbsession) as background:
        with pytest.raises(LookupError):
            write_then_fail(background)
        assert _count(dbsession) == 0
