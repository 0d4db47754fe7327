"""Service records of the `hours` bench district, generated as a stream and loaded in bulk:
COPY on PostgreSQL (psycopg `cursor.copy`), chunked Core `insert` executemany on SQLite.

The shape is meant to look like a real register: most volunteers have a handful of records,
a core of about 2% have hundreds; no volunteer has two records on one day; recent records are
often still pending, old ones are nearly all reviewed; a few are voided."""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Iterator

import sqlalchemy as sa

from volunteer.db import SHANGHAI
from volunteer.volunteers.models import ServiceRecord

QUARTERS = 12
QUARTER_DAYS = 91
PER_QUARTER = 5  # activities per community team and quarter
DAYS = QUARTERS * QUARTER_DAYS
CHUNK = 50_000
MINUTES = [60, 90, 120, 120, 150, 180, 240]
PROVENANCE = ["staff"] * 6 + ["import"] * 2 + ["checkin", "self_report"]
CONTENTS = [
    "陪伴独居老人",
    "社区环境整治",
    "文明劝导",
    "助残服务",
    "关爱留守儿童",
    "政策宣传",
    None,
]
COLUMNS = [
    "volunteer_id",
    "activity_id",
    "service_date",
    "minutes",
    "content",
    "provenance",
    "status",
    "recorded_by",
    "recorded_at",
    "reviewed_by",
    "reviewed_at",
    "review_note",
    "voided_at",
    "voided_by",
    "void_reason",
    "version",
]
_DATETIMES = [COLUMNS.index(c) for c in ("recorded_at", "reviewed_at", "voided_at")]


def per_volunteer(rng: random.Random, volunteers: int, total: int) -> list[int]:
    """How many records each volunteer has: long-tailed, summing exactly to `total`."""
    raw = [
        rng.randint(60, 400) if rng.random() < 0.02 else int(rng.expovariate(1 / 6.5))
        for _ in range(volunteers)
    ]
    factor = total / max(sum(raw), 1)
    counts = [min(int(c * factor), DAYS) for c in raw]
    short = total - sum(counts)
    while short > 0:
        i = rng.randrange(volunteers)
        if counts[i] < DAYS:
            counts[i] += 1
            short -= 1
    return counts


def _status(rng: random.Random, days_ago: int) -> str:
    roll = rng.random()
    if days_ago < 30:
        return "pending" if roll < 0.5 else "approved" if roll < 0.98 else "rejected"
    return "approved" if roll < 0.96 else "pending" if roll < 0.97 else "rejected"


def rows(rng, people, periods, total: int, today: dt.date, staff_id: int) -> Iterator[tuple]:
    """Row tuples in COLUMNS order, volunteer by volunteer (aware UTC datetimes)."""
    ten_am = dt.time(10, tzinfo=SHANGHAI)
    for (volunteer_id, area_id), count in zip(
        people, per_volunteer(rng, len(people), total), strict=True
    ):
        for days_ago in sorted(rng.sample(range(DAYS), count), reverse=True):
            day = today - dt.timedelta(days=days_ago)
            activity_id = rng.choice(periods[(area_id, days_ago // QUARTER_DAYS)])
            status = _status(rng, days_ago)
            recorded = dt.datetime.combine(day + dt.timedelta(days=1), ten_am).astimezone(dt.UTC)
            reviewed = recorded + dt.timedelta(days=2) if status != "pending" else None
            voided = rng.random() < 0.003
            yield (
                volunteer_id,
                activity_id,
                day,
                rng.choice(MINUTES),
                rng.choice(CONTENTS),
                rng.choice(PROVENANCE),
                status,
                staff_id,
                recorded,
                staff_id if reviewed else None,
                reviewed,
                "材料不全" if status == "rejected" else None,
                recorded + dt.timedelta(days=5) if voided else None,
                staff_id if voided else None,
                "重复录入" if voided else None,
                1,
            )


def load(engine: sa.Engine, rng, people, periods, total, today, staff_id) -> None:
    """Load the records with the secondary indexes dropped and rebuilt afterwards, and without
    per-row foreign-key checks: the generator only emits ids it has just read back."""
    stream = rows(rng, people, periods, total, today, staff_id)
    postgres = engine.dialect.name == "postgresql"
    indexes = _secondary_indexes(engine, postgres)
    with engine.begin() as conn:
        for name, _ in indexes:
            conn.exec_driver_sql(f'DROP INDEX "{name}"')
    (_copy if postgres else _insert)(engine, stream)
    with engine.begin() as conn:
        for _, create in indexes:
            conn.exec_driver_sql(create)


def _secondary_indexes(engine: sa.Engine, postgres: bool) -> list[tuple[str, str]]:
    """(name, CREATE statement) of the indexes on service_records that back no constraint."""
    if postgres:
        sql = """
            SELECT i.relname, pg_get_indexdef(i.oid) FROM pg_index x
            JOIN pg_class i ON i.oid = x.indexrelid
            WHERE x.indrelid = 'service_records'::regclass
              AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = x.indexrelid)
        """
    else:  # constraint-backed indexes have no SQL of their own in sqlite_master
        sql = """
            SELECT name, sql FROM sqlite_master
            WHERE type = 'index' AND tbl_name = 'service_records' AND sql IS NOT NULL
        """
    with engine.connect() as conn:
        return [tuple(row) for row in conn.exec_driver_sql(sql)]


def _copy(engine: sa.Engine, stream: Iterator[tuple]) -> None:
    raw = engine.raw_connection()
    try:
        with raw.driver_connection.cursor() as cursor:
            cursor.execute("SET session_replication_role = replica")  # no FK triggers
            sql = f"COPY service_records ({', '.join(COLUMNS)}) FROM STDIN"
            with cursor.copy(sql) as copy:
                for row in stream:
                    values = list(row)
                    for i in _DATETIMES:  # the columns hold naive UTC
                        if values[i] is not None:
                            values[i] = values[i].replace(tzinfo=None)
                    copy.write_row(values)
            cursor.execute("SET session_replication_role = DEFAULT")
        raw.commit()
    finally:
        raw.close()


def _insert(engine: sa.Engine, stream: Iterator[tuple]) -> None:
    statement = sa.insert(ServiceRecord.__table__)
    with engine.connect() as conn:
        # Outside a transaction, so SQLite honours it; restored before the connection is reused.
        conn.exec_driver_sql("PRAGMA foreign_keys=OFF")
        try:
            chunk: list[dict] = []
            for row in stream:
                chunk.append(dict(zip(COLUMNS, row, strict=True)))
                if len(chunk) >= CHUNK:
                    conn.execute(statement, chunk)
                    chunk = []
            if chunk:
                conn.execute(statement, chunk)
            conn.commit()
        finally:
            conn.exec_driver_sql("PRAGMA foreign_keys=ON")
