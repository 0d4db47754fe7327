"""The hours import checks its common rows column-wise and the others row by row: whatever
the file mixes, it must decide, report and store exactly what the row-by-row path alone
does (`HoursImporter.columnwise = False`), chunk boundaries anywhere."""

from __future__ import annotations

import datetime as dt
import random

import openpyxl
import pytest
import sqlalchemy as sa

from tests.factories import make_activity, make_id_number, make_record, make_volunteer
from tests.samples_build import HOURS_HEADER
from volunteer.audit import AuditLog
from volunteer.authz import SYSTEM_SCOPE, Role, Scope
from volunteer.db import today_local
from volunteer.spreadsheets import import_run
from volunteer.spreadsheets.import_run import run_import
from volunteer.spreadsheets.importing import ImportContext, importer_for
from volunteer.spreadsheets.reader import open_sheet
from volunteer.volunteers.hours_import import HoursImporter
from volunteer.volunteers.models import Activity, RecordStatus, ServiceRecord, Volunteer

HEADER = [*HOURS_HEADER[:8], "审核状态", "街道", "社区", "备注"]


@pytest.fixture
def world(district, dbsession):
    vault, today = district["vault"], today_local()
    people = [(district["v1"], district["v1"].name), (district["v2"], district["v2"].name)]
    for n in range(5):
        area = district["community11"] if n % 2 else district["community21"]
        volunteer = make_volunteer(dbsession, vault, area, name=f"志愿者{n}")
        people.append((volunteer, volunteer.name))
    # An activity that ended a week ago, and stored records the file may repeat or clash with.
    make_activity(
        dbsession,
        district["team2"],
        name="已结束活动",
        starts_on=today - dt.timedelta(days=40),
        ends_on=today - dt.timedelta(days=7),
    )
    for days_ago, status in ((2, RecordStatus.APPROVED), (3, RecordStatus.PENDING)):
        make_record(dbsession, people[2][0], district["a1"], 120, days_ago, status)
    make_record(dbsession, people[3][0], district["a2"], 600, 4)
    numbers = [vault.decrypt(v.id_cipher) for v, _ in people]
    return district, people, numbers


def _messy_rows(world, seed: int) -> list[list]:
    """Rows most of which are plain; the rest time, approve, misspell, register, clash."""
    district, people, numbers = world
    rng, today = random.Random(seed), today_local()
    teams = [district["team1"].name, district["team2"].name]
    activities = [
        (district["a1"].name, teams[0]),
        (district["a2"].name, teams[1]),
        ("已结束活动", teams[1]),
        ("新补录活动", teams[0]),
        (district["a1"].name, ""),  # by name only
    ]
    rows = []
    for _ in range(70):
        who = rng.randrange(len(people))
        name, number = people[who][1], numbers[who]
        activity, org = rng.choice(activities[:4] if rng.random() < 0.9 else activities)
        day = today - dt.timedelta(days=rng.randrange(0, 9))
        start = end = status = street = community = remark = None
        hours = rng.choice([1, 2, 2.5, 2.5, 3, 6, 9, 0])
        twist = rng.random()
        if twist < 0.08:
            start, end = dt.time(9, 0), dt.time(rng.choice([10, 11, 12]), 30)
            hours = None if rng.random() < 0.5 else hours
        elif twist < 0.12:
            status = "已通过"
        elif twist < 0.15:
            name = name[0] + " " + name[1:]  # same name, spaced
        elif twist < 0.17:
            name = "别人"
        elif twist < 0.21:
            number = make_id_number(seq=rng.randrange(900, 999))
            if rng.random() < 0.6:
                street, community = "第1街道", "第1-1社区"
        elif twist < 0.23:
            day = today + dt.timedelta(days=1)
        elif twist < 0.25:
            hours = None
        elif twist < 0.28 and rows:
            rows.append(list(rng.choice(rows)))  # a repeated row
            continue
        if rng.random() < 0.2:
            remark = "补录"
        rows.append(
            [name, number, activity, org, day, start, end, hours, status, street, community, remark]
        )
    return rows


def _write(path, rows):
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(HEADER)
    for row in rows:
        sheet.append(row)
    workbook.save(path)
    return path


def _context(dbsession, app, scope):
    audit = AuditLog(dbsession, None, "system")
    settings = {**app.registry.settings, "volunteer.hours.daily_cap_minutes": "480"}
    return ImportContext(
        dbsession, scope, audit, app.registry["pii_vault"], settings, today_local()
    )


def _stored(dbsession):
    records = sa.select(
        Volunteer.name,
        Activity.name,
        ServiceRecord.service_date,
        ServiceRecord.minutes,
        ServiceRecord.start_at,
        ServiceRecord.end_at,
        ServiceRecord.status,
        ServiceRecord.content,
        ServiceRecord.remark,
        ServiceRecord.batch_id.is_(None),
    ).join(Volunteer, Volunteer.id == ServiceRecord.volunteer_id)
    records = records.join(Activity, Activity.id == ServiceRecord.activity_id)
    activities = sa.select(Activity.name, Activity.starts_on, Activity.ends_on)
    # In insertion order: the column-wise path must keep the file's order too.
    rows = dbsession.execute(records.order_by(ServiceRecord.id)).all()
    return rows, sorted(dbsession.execute(activities).all())


def _import_both_ways(dbsession, app, path, monkeypatch, scope=SYSTEM_SCOPE, dry_run=False):
    outcomes = []
    for columnwise in (False, True):
        monkeypatch.setattr(HoursImporter, "columnwise", columnwise)
        savepoint = dbsession.begin_nested()
        summary = run_import(_context(dbsession, app, scope), path, "hours", dry_run=dry_run)
        report = summary.as_json()
        report.pop("batch_id")
        outcomes.append((report, _stored(dbsession)))
        savepoint.rollback()
    return outcomes


@pytest.mark.parametrize("seed", range(8))
@pytest.mark.parametrize("chunk_rows", [4, 5000])
def test_columnwise_import_decides_as_the_row_path(
    world, dbsession, app, tmp_path, monkeypatch, seed, chunk_rows
):
    monkeypatch.setattr(import_run, "CHUNK_ROWS", chunk_rows)
    path = _write(tmp_path / "hours.xlsx", _messy_rows(world, seed))
    by_rows, by_columns = _import_both_ways(dbsession, app, path, monkeypatch)
    assert by_columns == by_rows
    assert by_rows[0]["errors"], "the file is meant to hold row errors"


@pytest.mark.parametrize("seed", range(3))
def test_columnwise_import_of_a_clean_file_and_its_repeat(
    world, dbsession, app, tmp_path, monkeypatch, seed
):
    """Without error rows the file commits: the records stored must be the same, and the
    same file again (in the same transaction) finds every row unchanged either way."""
    monkeypatch.setattr(import_run, "CHUNK_ROWS", 7)
    rows = _messy_rows(world, seed)
    path = _write(tmp_path / "hours.xlsx", rows)
    first = run_import(_context(dbsession, app, SYSTEM_SCOPE), path, "hours", dry_run=True)
    clean = [r for i, r in enumerate(rows, start=2) if i not in {e.row for e in first.errors}]
    path = _write(tmp_path / "clean.xlsx", clean)
    by_rows, by_columns = _import_both_ways(dbsession, app, path, monkeypatch)
    assert by_columns == by_rows
    assert by_rows[0]["committed"]
    assert by_rows[0]["created"] > 10
    run_import(_context(dbsession, app, SYSTEM_SCOPE), path, "hours")
    again_rows, again_columns = _import_both_ways(dbsession, app, path, monkeypatch)
    assert again_columns == again_rows
    assert again_rows[0]["created"] == 0


def test_street_staff_get_the_same_answers(world, dbsession, app, tmp_path, monkeypatch):
    street = world[0]["street1"]
    scope = Scope(role=Role.STREET_STAFF, area_path=street.path, user_id=1)
    path = _write(tmp_path / "hours.xlsx", _messy_rows(world, 99))
    by_rows, by_columns = _import_both_ways(dbsession, app, path, monkeypatch, scope=scope)
    assert by_columns == by_rows


def test_most_rows_of_a_plain_file_take_the_column_path(world, dbsession, app, tmp_path):
    """The equivalence above is only worth something if the column path is really taken."""
    _, people, numbers = world
    team, today = world[0]["team1"].name, today_local()
    rows = [
        [
            people[i % 7][1],
            numbers[i % 7],
            "一街道助老",
            team,
            today - dt.timedelta(days=i // 7),
            None,
            None,
            2,
            None,
            None,
            None,
            None,
        ]
        for i in range(35)
    ]
    path = _write(tmp_path / "plain.xlsx", rows)
    importer = importer_for("hours", _context(dbsession, app, SYSTEM_SCOPE))
    (block,) = open_sheet(path, importer.spec).blocks()
    plan = importer.plan_block(block)
    # The first row resolves the activity for the rest; the third and fourth volunteers
    # have stored records, which send their five rows each to the row path.
    assert (plan.bulk_created, len(plan.planned)) == (24, 11)
    assert {p.row.row_number for p in plan.planned} == {2} | {
        2 + i for i in range(35) if i % 7 in (2, 3)
    }


def _plain(world, who, activity, day, hours, start=None, end=None):
    _, people, numbers = world
    team = world[0]["team1"].name
    return [people[who][1], numbers[who], activity, team, day, start, end, hours]


@pytest.mark.parametrize("chunk_rows", [2, 3, 4, 5000])
def test_a_block_of_common_rows_still_sees_the_same_day_elsewhere(
    world, dbsession, app, tmp_path, monkeypatch, chunk_rows
):
    """Blocks whose every row looks common: a row of the same volunteer and day in the
    block, or a timed row of theirs that day in an earlier block, must still count."""
    monkeypatch.setattr(import_run, "CHUNK_ROWS", chunk_rows)
    day = today_local() - dt.timedelta(days=1)
    rows = [
        _plain(world, 5, "巡逻", day - dt.timedelta(days=1), 1),  # the activity, resolved
        _plain(world, 4, "一街道助老", day, None, dt.time(8), dt.time(13)),  # timed: row path
        _plain(world, 5, "一街道助老", day, 2),
        _plain(world, 4, "巡逻", day, 4),  # 5 h + 4 h is over the 8-hour cap
        _plain(world, 5, "巡逻", day, 3),
        _plain(world, 6, "一街道助老", day, 5),
        _plain(world, 6, "巡逻", day, 4),  # 5 h + 4 h again, in one block
    ]
    path = _write(tmp_path / "day.xlsx", rows)
    by_rows, by_columns = _import_both_ways(dbsession, app, path, monkeypatch)
    assert by_columns == by_rows
    over = [(e["row"], "超过每日上限" in e["message"]) for e in by_rows[0]["errors"]]
    assert over == [(5, True), (8, True)]


def test_two_rows_of_one_volunteer_day_in_a_common_block(
    world, dbsession, app, tmp_path, monkeypatch
):
    monkeypatch.setattr(import_run, "CHUNK_ROWS", 2)
    day = today_local() - dt.timedelta(days=1)
    rows = [
        _plain(world, 5, "巡逻", day - dt.timedelta(days=1), 1),
        _plain(world, 5, "一街道助老", day - dt.timedelta(days=2), 1),
        _plain(world, 6, "一街道助老", day, 5),  # this block: both rows look common
        _plain(world, 6, "巡逻", day, 4),
    ]
    path = _write(tmp_path / "pair.xlsx", rows)
    by_rows, by_columns = _import_both_ways(dbsession, app, path, monkeypatch)
    assert by_columns == by_rows
    assert [e["row"] for e in by_rows[0]["errors"]] == [5]


@pytest.mark.parametrize("chunk_rows", [1, 5000])
def test_stored_records_are_found_beyond_the_first_chunks_window(
    world, dbsession, app, tmp_path, monkeypatch, chunk_rows
):
    """Stored records are read for a window around the first chunk's dates and kept; rows
    far outside it, and volunteers first seen later, are read again."""
    monkeypatch.setattr(import_run, "CHUNK_ROWS", chunk_rows)
    district, people = world[0], world[1]
    long_ago = 50
    make_record(dbsession, people[6][0], district["a1"], 120, long_ago)
    make_record(dbsession, people[5][0], district["a1"], 120, 2)
    today = today_local()
    rows = [
        _plain(world, 4, "一街道助老", today - dt.timedelta(days=1), 2),
        _plain(world, 5, "一街道助老", today - dt.timedelta(days=2), 2),  # stored: unchanged
        _plain(world, 6, "一街道助老", today - dt.timedelta(days=long_ago), 2),  # stored too
    ]
    path = _write(tmp_path / "window.xlsx", rows)
    by_rows, by_columns = _import_both_ways(dbsession, app, path, monkeypatch)
    assert by_columns == by_rows
    assert (by_rows[0]["created"], by_rows[0]["unchanged"]) == (1, 2)
