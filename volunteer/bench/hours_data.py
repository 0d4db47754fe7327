"""The generated district of the `hours` bench: 200,000 volunteers and 2,000,000 service records
at full scale, in a database of its own (var/bench.sqlite, or `volunteer_bench` on the
PostgreSQL server). A marker row written last lets later runs reuse the data; anything else
(no marker, other sizes, an interrupted load, an index the models declare missing) is wiped and
generated again."""

from __future__ import annotations

import datetime as dt
import os
import random
import sys
import time
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import Session

from volunteer.accounts.models import User
from volunteer.accounts.passwords import hash_password
from volunteer.areas.models import OrganisationKind
from volunteer.audit import SYSTEM_ACTOR, AuditEntry
from volunteer.authz import Role
from volunteer.bench import hours_records
from volunteer.bench.common import Context
from volunteer.bench.databases import (
    migrate,
    missing_indexes,
    pg_database,
    scale_suffix,
    wipe,
)
from volunteer.counters import reserve
from volunteer.db import today_local
from volunteer.pii import PiiVault
from volunteer.scripts import demo, demo_hours, demo_people
from volunteer.volunteers.idcard import IdType
from volunteer.volunteers.masking import mask_id
from volunteer.volunteers.models import Activity, ServiceRecord, Volunteer
from volunteer.volunteers.services import format_volunteer_no

FULL_VOLUNTEERS = 200_000
FULL_RECORDS = 2_000_000
MEASURED_VOLUNTEERS = 200
MARKER = "bench.hours.load"
VERSION = 2  # bump when the generated data changes shape, to force a rebuild
PASSWORD = "bench-password-1"  # noqa: S105 - synthetic accounts of a throwaway database


@dataclass
class BenchData:
    engine: sa.Engine
    url: str
    volunteers: int
    records: int
    generated_seconds: float | None  # None: reused from an earlier run


def database_url(ctx: Context) -> str:
    if ctx.engine == "sqlite":
        path = os.path.join(ctx.var_dir, f"bench{scale_suffix(ctx)}.sqlite")
        return f"sqlite:///{os.path.abspath(path)}"
    return pg_database(ctx.pg_url, "volunteer_bench" + scale_suffix(ctx))


def prepare(ctx: Context) -> BenchData:
    """The bench database, migrated to heads, holding the district at `ctx.scale`."""
    volunteers = ctx.scaled(FULL_VOLUNTEERS, MEASURED_VOLUNTEERS)
    records = ctx.scaled(FULL_RECORDS, volunteers)
    os.makedirs(ctx.var_dir, exist_ok=True)
    url = database_url(ctx)
    engine = sa.create_engine(url)
    wanted = {"volunteers": volunteers, "records": records, "version": VERSION}
    if _marker(engine) == wanted:
        migrate(ctx, engine)  # later migrations still apply to reused data
        missing = missing_indexes(engine)
        if not missing:
            return BenchData(engine, url, volunteers, records, None)
        print(f"  bench data lacks {', '.join(sorted(missing))}: generating again", file=sys.stderr)
    wipe(engine)
    migrate(ctx, engine)
    started = time.perf_counter()
    _generate(ctx, engine, volunteers, records)
    seconds = time.perf_counter() - started
    with Session(engine) as session, session.begin():
        session.add(
            AuditEntry(actor_name=SYSTEM_ACTOR, action=MARKER, entity="bench", after=wanted)
        )
    return BenchData(engine, url, volunteers, records, seconds)


def _marker(engine: sa.Engine) -> dict | None:
    try:
        with engine.connect() as conn:
            after = conn.scalar(
                sa.select(AuditEntry.after)
                .where(AuditEntry.action == MARKER)
                .order_by(AuditEntry.id.desc())
            )
    except sa.exc.DBAPIError:  # no schema yet
        return None
    return after


def _generate(ctx: Context, engine: sa.Engine, n_volunteers: int, n_records: int) -> None:
    # Fixed seed: the same district on every machine.
    rng = random.Random(20250101)  # noqa: S311 - synthetic data, not cryptography
    today = today_local()
    vault = PiiVault.from_settings(ctx.settings)
    step = _Steps()
    with Session(engine) as session, session.begin():
        _district, streets, communities = demo.build_areas(session)
        orgs = demo.build_organisations(session, rng, streets, communities)
        teams = [o for o in orgs if o.kind is OrganisationKind.TEAM]
        people = _volunteers(session, vault, rng, communities, teams, n_volunteers, today)
        step(f"{n_volunteers:,} volunteers")
        staff = _users(session, rng, people, streets)
        periods = _activities(session, rng, teams, today)
    step("users and activities")
    hours_records.load(engine, rng, people, periods, n_records, today, staff)
    step(f"{n_records:,} service records")
    if engine.dialect.name == "postgresql":
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.exec_driver_sql("VACUUM ANALYZE")
    else:
        with engine.begin() as conn:
            conn.exec_driver_sql("ANALYZE")
    step("analyze")


class _Steps:
    """Progress on stderr: generating the full district takes minutes."""

    def __init__(self):
        self.last = time.perf_counter()

    def __call__(self, what: str) -> None:
        now = time.perf_counter()
        print(f"   {what}: {now - self.last:.1f} s", file=sys.stderr, flush=True)
        self.last = now


def _volunteers(session: Session, vault, rng, communities, teams, count: int, today):
    """Volunteers as the demo makes them (valid ID numbers, real AES-GCM ciphertext and blind
    index), inserted through Core in chunks: the ORM bulk path splits rows by which columns
    are NULL and would issue one INSERT per one or two rows here."""
    first = reserve(session, "volunteer_no", count)
    team_of = {team.area_id: team.id for team in teams}
    used: set[str] = set()
    statement = sa.insert(Volunteer.__table__)
    chunk = []
    for i in range(count):
        community = rng.choice(communities)
        number, birth, sex = demo_people.resident_id(rng, today, used=used)
        minor = (today - birth).days < 18 * 365.25
        chunk.append(
            {
                "volunteer_no": format_volunteer_no(first + i),
                "name": demo_people.name(rng, i),
                "id_type": IdType.RESIDENT,
                "id_cipher": vault.encrypt(number),
                "id_index": vault.blind_index(number),
                "id_masked": mask_id(number),
                "sex": sex,
                "birth_date": birth,
                "phone": demo_people.phone(rng),
                "area_id": community.id,
                "organisation_id": team_of[community.id] if rng.random() < 0.7 else None,
                "guardian_name": demo_people.name(rng) if minor else None,
                "guardian_consent_on": today - dt.timedelta(days=200) if minor else None,
                "version": 1,
            }
        )
        if len(chunk) == 20_000 or i == count - 1:
            session.execute(statement, chunk)
            chunk = []
    return list(session.execute(sa.select(Volunteer.id, Volunteer.area_id).order_by(Volunteer.id)))


def _users(session: Session, rng: random.Random, people, streets) -> int:
    """Street officers, a district officer (the recorder) and volunteer accounts for a sample
    of volunteers; one argon2 hash serves them all (nobody logs in with a password here)."""
    password_hash = hash_password(PASSWORD)
    rows = [
        {"username": "bench-district", "role": Role.DISTRICT_STAFF, "area_id": None},
        *(
            {"username": f"bench-street-{i}", "role": Role.STREET_STAFF, "area_id": s.id}
            for i, s in enumerate(streets, start=1)
        ),
        *(
            {"username": f"bench-vol-{vid}", "role": Role.VOLUNTEER, "volunteer_id": vid}
            for vid, _ in rng.sample(people, MEASURED_VOLUNTEERS)
        ),
    ]
    for row in rows:
        row.setdefault("area_id", None)
        row.setdefault("volunteer_id", None)
        row.update(display_name=row["username"], password_hash=password_hash)
    session.execute(sa.insert(User.__table__), rows)
    return session.scalar(sa.select(User.id).where(User.username == "bench-district"))


def _activities(session: Session, rng: random.Random, teams, today: dt.date):
    """Per community team, a few activities per quarter over three years: the records of
    quarter q (counted back from today) belong to that quarter's activities."""
    rows = []
    for team in teams:
        for quarter in range(hours_records.QUARTERS):
            ends_on = today - dt.timedelta(days=quarter * hours_records.QUARTER_DAYS)
            starts_on = ends_on - dt.timedelta(days=hours_records.QUARTER_DAYS - 1)
            for slot in range(hours_records.PER_QUARTER):
                category = demo_hours.CATEGORIES[(quarter + slot) % len(demo_hours.CATEGORIES)]
                rows.append(
                    {
                        "name": f"{category}志愿服务（{starts_on:%Y年%m月}·{slot + 1}）",
                        "organisation_id": team.id,
                        "area_id": team.area_id,
                        "category": category,
                        "starts_on": starts_on,
                        "ends_on": ends_on,
                        "duration_cap_minutes": rng.choice([None, 240, 480]),
                        "insured": rng.random() < 0.6,
                    }
                )
    session.execute(sa.insert(Activity.__table__), rows)
    periods: dict[tuple[int, int], list[int]] = {}
    for activity_id, area_id, ends_on in session.execute(
        sa.select(Activity.id, Activity.area_id, Activity.ends_on)
    ):
        quarter = (today - ends_on).days // hours_records.QUARTER_DAYS
        periods.setdefault((area_id, quarter), []).append(activity_id)
    return periods


def counts(engine: sa.Engine) -> tuple[int, int]:
    with engine.connect() as conn:
        return (
            conn.scalar(sa.select(sa.func.count()).select_from(sa.table("volunteers"))),
            conn.scalar(sa.select(sa.func.count(ServiceRecord.id))),
        )
