"""A service record's references hold on both databases: by statement triggers on PostgreSQL
(volunteer/references.py), by foreign keys on SQLite. No record, written by the ORM or by
an import's bulk insert, may refer to a volunteer, activity, batch or user that does not
exist, nor change to one; no row a record refers to may be deleted or change its key."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import sessionmaker

from tests.factories import make_activity, make_district, make_user, make_volunteer
from volunteer.accounts.models import User
from volunteer.authz import Role
from volunteer.models import Base
from volunteer.pii import PiiVault
from volunteer.references import PER_STATEMENT, constraint_name, install, trigger_names
from volunteer.spreadsheets.bulk import BackgroundInserts, insert_rows
from volunteer.spreadsheets.models import ImportBatch
from volunteer.volunteers.models import Activity, Provenance, ServiceRecord, Volunteer

MISSING = 2_000_000_000
RECORDS = ServiceRecord.__table__
# column → the world's row it refers to
REFERENCES = {
    "volunteer_id": "volunteer",
    "activity_id": "activity",
    "batch_id": "batch",
    "recorded_by": "recorder",
    "reviewed_by": "reviewer",
    "voided_by": "voider",
}


@pytest.fixture
def world(dbsession, app_settings):
    tree = make_district(dbsession)
    vault = PiiVault.from_settings(app_settings)
    batch = ImportBatch(kind="hours", filename="服务时长.xlsx", sha256="0" * 64)
    batch.actor_name, batch.area_path = "district", tree["district"].path
    dbsession.add(batch)
    dbsession.flush()
    return SimpleNamespace(
        volunteer=make_volunteer(dbsession, vault, tree["community11"]),
        spare=make_volunteer(dbsession, vault, tree["community11"], name="李四"),
        activity=make_activity(dbsession, tree["team1"]),
        batch=batch,
        recorder=make_user(dbsession, "ref_recorder", Role.DISTRICT_STAFF),
        reviewer=make_user(dbsession, "ref_reviewer", Role.DISTRICT_STAFF),
        voider=make_user(dbsession, "ref_voider", Role.DISTRICT_STAFF),
    )


def _row(world, **changes) -> dict:
    row = {column: getattr(world, name).id for column, name in REFERENCES.items()}
    row.update(
        service_date=dt.date(2024, 4, 8),
        minutes=90,
        provenance=Provenance.IMPORT,
        recorded_at=dt.datetime(2024, 5, 1, tzinfo=dt.UTC),
    )
    return {**row, **changes}


def _refused(dbsession):
    """The error either database raises for a broken reference: SQLAlchemy's wrapper for
    statements it runs, the driver's own for COPY and the JSON insert, which bypass it."""
    driver = dbsession.get_bind().dialect.dbapi
    return pytest.raises((sa.exc.IntegrityError, driver.IntegrityError))


@pytest.mark.parametrize("column", REFERENCES)
def test_a_record_referring_to_nothing_is_refused(dbsession, world, column):
    with _refused(dbsession), dbsession.begin_nested():
        dbsession.add(ServiceRecord(**_row(world, **{column: MISSING})))
        dbsession.flush()


@pytest.mark.parametrize("column", REFERENCES)
@pytest.mark.parametrize("background", [False, True], ids=["direct", "background"])
def test_a_bulk_insert_referring_to_nothing_is_refused(dbsession, world, column, background):
    rows = [_row(world), _row(world, minutes=60), _row(world, **{column: MISSING})]
    with _refused(dbsession), dbsession.begin_nested():
        if background:
            with BackgroundInserts(dbsession):
                insert_rows(dbsession, RECORDS, rows)
        else:
            insert_rows(dbsession, RECORDS, rows)
    stored = dbsession.scalar(
        sa.select(sa.func.count()).where(RECORDS.c.volunteer_id.in_([world.volunteer.id]))
    )
    assert stored == 0


def test_a_bulk_insert_referring_to_what_exists_is_stored(dbsession, world):
    rows = [_row(world, minutes=m) for m in (30, 60, 90)] + [_row(world, voided_by=None)]
    insert_rows(dbsession, RECORDS, rows)
    minutes = dbsession.scalars(
        sa.select(RECORDS.c.minutes).where(RECORDS.c.volunteer_id == world.volunteer.id)
    )
    assert sorted(minutes) == [30, 60, 90, 90]


@pytest.mark.parametrize("column", REFERENCES)
def test_changing_a_reference_to_nothing_is_refused(dbsession, world, column):
    insert_rows(dbsession, RECORDS, [_row(world)])
    with _refused(dbsession), dbsession.begin_nested():
        dbsession.execute(sa.update(RECORDS).values({column: MISSING}))


def test_changing_references_to_rows_that_exist_passes(dbsession, world):
    insert_rows(dbsession, RECORDS, [_row(world, reviewed_by=None, voided_by=None)])
    dbsession.execute(
        sa.update(RECORDS)
        .where(RECORDS.c.batch_id == world.batch.id)
        .values(volunteer_id=world.spare.id, reviewed_by=world.reviewer.id, status="approved")
    )
    dbsession.execute(sa.update(RECORDS).values(reviewed_by=None))  # and back to none
    stored = dbsession.execute(sa.select(RECORDS.c.volunteer_id, RECORDS.c.status)).all()
    assert stored == [(world.spare.id, "approved")]


@pytest.mark.parametrize("name", sorted(set(REFERENCES.values())))
def test_a_row_a_record_refers_to_cannot_be_deleted(dbsession, world, name):
    insert_rows(dbsession, RECORDS, [_row(world)])
    table = _table_of(name)
    with _refused(dbsession), dbsession.begin_nested():
        dbsession.execute(sa.delete(table).where(table.c.id == getattr(world, name).id))


@pytest.mark.parametrize("name", ["volunteer", "recorder"])
def test_a_row_a_record_refers_to_cannot_change_its_key(dbsession, world, name):
    insert_rows(dbsession, RECORDS, [_row(world)])
    table = _table_of(name)
    with _refused(dbsession), dbsession.begin_nested():
        dbsession.execute(
            sa.update(table).where(table.c.id == getattr(world, name).id).values(id=MISSING)
        )


def test_rows_no_record_refers_to_can_be_deleted(dbsession, world):
    insert_rows(dbsession, RECORDS, [_row(world)])
    volunteers = Volunteer.__table__
    dbsession.execute(sa.delete(volunteers).where(volunteers.c.id == world.spare.id))
    dbsession.execute(sa.delete(RECORDS))
    for name in set(REFERENCES.values()):
        table = _table_of(name)
        dbsession.execute(sa.delete(table).where(table.c.id == getattr(world, name).id))
    left = sa.select(sa.func.count()).select_from(volunteers)
    assert dbsession.scalar(left.where(volunteers.c.id == world.volunteer.id)) == 0


def test_the_references_are_what_the_database_enforces(dbengine):
    """PostgreSQL: each reference the models mark PER_STATEMENT is its five triggers and no
    constraint. SQLite: each is a real foreign key."""
    marked = {
        (fk.parent.table.name, fk.parent.name, fk.column.table.name)
        for table in Base.metadata.tables.values()
        for fk in table.foreign_keys
        if fk.info == PER_STATEMENT
    }
    assert {column for _, column, _ in marked} == set(REFERENCES)
    reflected = sa.inspect(dbengine).get_foreign_keys("service_records")
    if dbengine.dialect.name != "postgresql":
        # SQLite reflects foreign keys without names: compare what they link.
        linked = {(fk["constrained_columns"][0], fk["referred_table"]) for fk in reflected}
        assert {(column, target) for _, column, target in marked} <= linked
        return
    names = {constraint_name(*reference) for reference in marked}
    assert not names & {fk["name"] for fk in reflected}
    with dbengine.connect() as connection:
        triggers = set(
            connection.scalars(sa.text("SELECT tgname FROM pg_trigger WHERE NOT tgisinternal"))
        )
    for reference in marked:
        assert trigger_names(*reference) <= triggers


def _table_of(name: str) -> sa.Table:
    return {
        "volunteer": Volunteer.__table__,
        "activity": Activity.__table__,
        "batch": ImportBatch.__table__,
    }.get(name, User.__table__)


def test_the_refusal_names_the_reference(dbsession, world):
    if dbsession.get_bind().dialect.name != "postgresql":
        pytest.skip("SQLite names no constraint in its foreign key errors")
    with pytest.raises(sa.exc.IntegrityError) as caught, dbsession.begin_nested():
        dbsession.execute(sa.insert(RECORDS).values(_row(world, volunteer_id=MISSING)))
    assert caught.value.orig.diag.constraint_name == "fk_service_records_volunteer_id_volunteers"
    assert f"Key (volunteer_id)=({MISSING}) is not present" in str(caught.value)


def test_truncating_a_table_records_refer_to_is_refused(dbsession, world):
    if dbsession.get_bind().dialect.name != "postgresql":
        pytest.skip("SQLite has no TRUNCATE")
    insert_rows(dbsession, RECORDS, [_row(world)])
    # CASCADE empties the tables with real foreign keys to activities; nothing empties
    # service_records, so the records would be left pointing at nothing.
    with pytest.raises(sa.exc.IntegrityError, match="still referenced"), dbsession.begin_nested():
        dbsession.execute(sa.text("TRUNCATE activities CASCADE"))


@pytest.fixture
def committed(dbengine, app_settings):
    """A volunteer and an activity other connections can see, removed afterwards."""
    if dbengine.dialect.name != "postgresql":
        pytest.skip("concurrent transactions are tested on PostgreSQL")
    vault = PiiVault.from_settings(app_settings)
    with sessionmaker(bind=dbengine, expire_on_commit=False)() as session:
        tree = make_district(session)
        volunteer = make_volunteer(session, vault, tree["community11"])
        activity = make_activity(session, tree["team1"])
        session.commit()
    yield volunteer, activity
    with dbengine.begin() as connection:
        run = connection.execute
        run(sa.delete(RECORDS).where(RECORDS.c.volunteer_id == volunteer.id))
        run(sa.delete(Activity.__table__).where(Activity.__table__.c.id == activity.id))
        run(sa.delete(Volunteer.__table__).where(Volunteer.__table__.c.id == volunteer.id))
        organisations = [o.id for key, o in tree.items() if key.startswith("team")]
        run(sa.text("DELETE FROM organisations WHERE id = ANY(:ids)"), {"ids": organisations})
        areas = sorted((a.id for key, a in tree.items() if not key.startswith("team")))
        for area_id in reversed(areas):
            run(sa.text("DELETE FROM areas WHERE id = :id"), {"id": area_id})


def test_a_volunteer_being_recorded_cannot_be_deleted_meanwhile(dbengine, committed):
    """The insert locks the rows it refers to until it commits, as a foreign key does; then
    the delete finds the record and is refused."""
    volunteer, activity = committed
    volunteers = Volunteer.__table__
    record = {
        "volunteer_id": volunteer.id,
        "activity_id": activity.id,
        "service_date": dt.date(2024, 4, 8),
        "minutes": 60,
        "provenance": Provenance.STAFF,
    }
    with dbengine.connect() as writer, dbengine.connect() as deleter:
        writer.execute(sa.insert(RECORDS).values(record))
        deleter.exec_driver_sql("SET lock_timeout = '300ms'")
        with pytest.raises(sa.exc.OperationalError, match="lock timeout"):
            deleter.execute(sa.delete(volunteers).where(volunteers.c.id == volunteer.id))
        deleter.rollback()
        writer.commit()
        with pytest.raises(sa.exc.IntegrityError, match="still referenced"):
            deleter.execute(sa.delete(volunteers).where(volunteers.c.id == volunteer.id))
        deleter.rollback()


@pytest.mark.parametrize(
    "names",
    [("service_records", "volunteer-id", "volunteers"), ("x; DROP TABLE users", "a", "b")],
)
def test_only_plain_identifiers_become_triggers(names):
    with pytest.raises(ValueError, match="not a plain identifier"):
        install(*names)
