"""Reading and writing for the matching engine: programmes as pure `ProgrammeRule`s, donations
as `DonationFact`s, the donation-order filter, and the bulk writer of match rows (COPY on
PostgreSQL)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.orm import Session

from volunteer.areas.models import Area
from volunteer.funds.matching import DonationFact, MatchResult, ProgrammeRule
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


def from_key_clause(key: tuple[dt.datetime, str]):
    at, receipt = key
    return sa.or_(
        Donation.received_at > at,
        sa.and_(Donation.received_at == at, Donation.receipt_no >= receipt),
    )


def tally_key(tally: ProgrammeTally):
    if tally.last_received_at is None:
        return None
    return (tally.last_received_at, tally.last_receipt_no, tally.last_donation_id)


def write_matches(connection, results: list[MatchResult], facts) -> None:
    if not results:
        return
    if connection.dialect.name == "postgresql":
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
    if any(c in text for c in "\\\t\n\r"):
        text = (
            text.replace("\\", "\\\\")
            .replace("\t", "\\t")
            .replace("\n", "\\n")
            .replace("\r", "\\r")
        )
    return text


def _copy_matches(connection, results: list[MatchResult], facts) -> None:
    """COPY is an order of magnitude faster than INSERT for the millions of rows a recompute
    writes; it runs on the session's own connection, inside its transaction. Each donation's
    project and donor columns are formatted once, not once per programme."""
    tail = {f.id: f"{f.project_id}\t{_copy_text(f.donor_key)}\t" for f in facts}
    raw = connection.connection.driver_connection
    statement = (
        "COPY matches (programme_id, donation_id, project_id, donor_key, amount_fen, "
        "binding_limit, status) FROM STDIN"
    )
    with raw.cursor() as cursor, cursor.copy(statement) as copy:
        for start in range(0, len(results), 100_000):
            copy.write(
                "".join(
                    [
                        f"{p}\t{d}\t{tail[d]}{a}\t{lim}\tprovisional\n"
                        for p, d, a, lim in results[start : start + 100_000]
                    ]
                )
            )
