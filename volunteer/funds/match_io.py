"""Reading and writing for the matching engine: programmes as pure `ProgrammeRule`s, donations
as `DonationFact`s, the donation-order filter, and the bulk writer of match rows (COPY on
PostgreSQL)."""

from __future__ import annotations

from collections.abc import Iterable
from contextlib import contextmanager
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.orm import Session

from volunteer.areas.models import Area
from volunteer.funds.match_read import from_key_clause as from_key_clause
from volunteer.funds.match_read import read_facts as read_facts
from volunteer.funds.matching import DonationFact, Limit, MatchResult, ProgrammeRule
from volunteer.funds.models import Donation, Project
from volunteer.funds.programme_models import Match, MatchingProgramme, MatchStatus, ProgrammeTally


def programme_rule(programme: MatchingProgramme) -> ProgrammeRule:
    return ProgrammeRule(
        id=programme.id,
        code=programme.code,
        ratio=Decimal(programme.ratio),
        starts_at=programme.starts_at,
        ends_at=programme.ends_at,
        min_donation_fen=programme.min_donation_fen,
        per_donation_cap_fen=programme.per_donation_cap_fen,
        per_donor_project_cap_fen=programme.per_donor_project_cap_fen,
        per_project_cap_fen=programme.per_project_cap_fen,
        pool_fen=programme.pool_fen,
        project_ids=frozenset(p.id for p in programme.projects) or None,
        area_ids=frozenset(a.id for a in programme.areas) or None,
        priority=programme.priority,
    )


def project_areas(dbsession: Session, project_ids: Iterable[int] | None = None):
    """Project id → its community and every ancestor area, from the materialised path."""
    query = sa.select(Project.id, Area.path).join(Area, Area.id == Project.community_id)
    if project_ids is not None:
        query = query.where(Project.id.in_(list(project_ids)))
    cache: dict[str, frozenset[int]] = {}
    result = {}
    for project_id, path in dbsession.execute(query):
        if path not in cache:
            cache[path] = frozenset(int(p) for p in path.strip("/").split("/") if p)
        result[project_id] = cache[path]
    return result


def donation_fact(donation: Donation, area_ids: frozenset[int]) -> DonationFact:
    return DonationFact(
        donation.id,
        donation.receipt_no,
        donation.received_at,
        donation.amount_fen,
        donation.project_id,
        area_ids,
        donation.donor_key or None,
    )


def tally_key(tally: ProgrammeTally):
    if tally.last_received_at is None:
        return None
    return (tally.last_received_at, tally.last_receipt_no, tally.last_donation_id)


def write_matches(connection, results: list[MatchResult], facts, bulk: bool = False) -> None:
    """Insert `results` as provisional matches; `bulk` (PostgreSQL, a recompute writing many
    rows) drops the secondary indexes around the COPY and builds them again afterwards."""
    if not results:
        return
    if connection.dialect.name == "postgresql":
        if bulk:
            with _secondary_indexes_rebuilt(connection):
                _copy_matches(connection, results, facts, _reserve_ids(connection, len(results)))
        else:
            _copy_matches(connection, results, facts)
        return
    by_id = {f.id: f for f in facts}
    rows = [
        {
            "programme_id": r.programme_id,
            "donation_id": r.donation_id,
            "project_id": by_id[r.donation_id].project_id,
            "donor_key": by_id[r.donation_id].donor_key,
            "amount_fen": r.amount_fen,
            "binding_limit": r.limit.value,
            "status": MatchStatus.PROVISIONAL.value,
        }
        for r in results
    ]
    for start in range(0, len(rows), 50_000):
        connection.execute(Match.__table__.insert(), rows[start : start + 50_000])


def _copy_text(value) -> str:
    if value is None:
        return "\\N"
    text = str(value)
    if "\\" in text or "\t" in text or "\n" in text or "\r" in text:
        text = text.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n")
        text = text.replace("\r", "\\r")
    return text


# The end of each COPY line by binding limit: every row written here is provisional.
_LINE_ENDS = {limit: f"{limit.value}\tprovisional\n" for limit in Limit}


def _copy_matches(connection, results: list[MatchResult], facts, first_id=None) -> None:
    """COPY is an order of magnitude faster than INSERT for the millions of rows a recompute
    writes; it runs on the session's own connection, inside its transaction. Each donation's
    id, project and donor columns are formatted once, not once per programme; with
    `first_id` the rows get the ids from there on instead of one `nextval` each."""
    text = _copy_text
    tail = {f.id: f"{f.id}\t{f.project_id}\t{text(f.donor_key)}\t" for f in facts}
    ends = _LINE_ENDS
    columns = "programme_id, donation_id, project_id, donor_key, amount_fen, binding_limit, status"
    if first_id is not None:
        columns = "id, " + columns
    raw = connection.connection.driver_connection
    with raw.cursor() as cursor, cursor.copy(f"COPY matches ({columns}) FROM STDIN") as copy:
        for start in range(0, len(results), 100_000):
            chunk = results[start : start + 100_000]
            if first_id is None:
                lines = [f"{p}\t{tail[d]}{a}\t{ends[lim]}" for p, d, a, lim in chunk]
            else:
                lines = [
                    f"{i}\t{p}\t{tail[d]}{a}\t{ends[lim]}"
                    for i, (p, d, a, lim) in enumerate(chunk, start=first_id + start)
                ]
            copy.write("".join(lines))


def _reserve_ids(connection, count: int) -> int:
    """Reserve `count` consecutive ids of `matches.id` and return the first. Safe only under
    the bulk lock: nothing else can insert into `matches` (and so draw from its sequence)
    until the transaction ends; a rollback leaves a gap, as a rolled-back nextval does."""
    return connection.exec_driver_sql(
        "SELECT setval(seq, nextval(seq) + %s - 1) - %s + 1 "
        "FROM pg_get_serial_sequence('matches', 'id') AS seq",
        (count, count),
    ).scalar()


# A recompute writing at least this many matches (and at least half as many as the table keeps)
# rebuilds the secondary indexes of `matches` instead of maintaining them row by row.
BULK_ROWS = 200_000


def bulk_expected(connection, live) -> bool:
    """Whether a recompute of the `live` programmes may write `BULK_ROWS` matches (by the
    planner's statistics of `donations`: no count)."""
    donations = connection.exec_driver_sql(
        "SELECT reltuples::bigint FROM pg_class WHERE oid = 'donations'::regclass"
    ).scalar()
    return int(donations or 0) * len(live) >= BULK_ROWS


def bulk_lock(connection) -> None:
    """Take the lock a bulk rewrite needs up front (ACCESS EXCLUSIVE on `matches`: readers
    wait until the recompute commits), before any tally row is locked, so that a transaction
    which has read matches and then waits for a tally cannot deadlock with the index drop."""
    connection.exec_driver_sql("LOCK TABLE matches IN ACCESS EXCLUSIVE MODE")


def rows_kept(connection, deleted: int) -> int:
    """About how many rows `matches` holds besides those just deleted (planner statistics)."""
    estimate = connection.exec_driver_sql(
        "SELECT reltuples::bigint FROM pg_class WHERE oid = 'matches'::regclass"
    ).scalar()
    return max(int(estimate or 0) - deleted, 0)


@contextmanager
def _secondary_indexes_rebuilt(connection):
    """Drop the unique constraint and the secondary index of `matches` (not the primary key)
    around the body and build them again from the model's definitions: one sort costs a
    fraction of maintaining them row by row. A duplicate fails the rebuild and so the whole
    rewrite, in the caller's transaction."""
    table = Match.__table__
    uniques = [c for c in table.constraints if isinstance(c, sa.UniqueConstraint)]
    indexes = sorted(table.indexes, key=lambda index: str(index.name))
    for index in indexes:
        connection.execute(sa.schema.DropIndex(index))
    for unique in uniques:
        connection.execute(sa.schema.DropConstraint(unique))
    yield
    memory = connection.exec_driver_sql("SHOW maintenance_work_mem").scalar()
    connection.exec_driver_sql("SET LOCAL maintenance_work_mem = '256MB'")
    for unique in uniques:
        connection.execute(sa.schema.AddConstraint(unique))
    for index in indexes:
        connection.execute(sa.schema.CreateIndex(index))
    connection.exec_driver_sql("SELECT set_config('maintenance_work_mem', %s, true)", (memory,))
