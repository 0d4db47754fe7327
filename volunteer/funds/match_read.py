"""Reading the effective donations a recompute needs: streamed as plain tuples through a
server-side cursor on PostgreSQL, as DonationFacts elsewhere."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import NamedTuple

import sqlalchemy as sa
from sqlalchemy.orm import Session

from volunteer.funds.matching import DonationFact, MatchState, ProgrammeRule
from volunteer.funds.models import Donation
from volunteer.funds.programme_models import Match


def from_key_clause(key: tuple[dt.datetime, str]):
    at, receipt = key
    return sa.or_(
        Donation.received_at > at,
        sa.and_(Donation.received_at == at, Donation.receipt_no >= receipt),
    )


class FactRow(NamedTuple):
    """A `DonationFact` as a plain tuple, field for field (what `compute_matches` reads are
    these attributes): a recompute builds a million of them, and a tuple costs a third of the
    frozen dataclass."""

    id: int
    receipt_no: str
    received_at: dt.datetime
    amount_fen: int
    project_id: int
    area_ids: frozenset[int]
    donor_key: str | None


_UTC_NAMES = frozenset({"UTC", "Etc/UTC", "Etc/Universal", "Universal", "Zulu", "Etc/Zulu"})


def read_facts(dbsession, rules: Sequence[ProgrammeRule], from_key, areas) -> list:
    """The effective donations any of `rules` could match (from `from_key` on): on PostgreSQL
    as `FactRow`s with aware UTC times through a server-side cursor on the session's
    connection, elsewhere as `DonationFact`s through the ORM's portable query."""
    connection = dbsession.connection()
    if connection.dialect.name != "postgresql":
        return _portable_facts(dbsession, rules, from_key, areas)
    where = [
        "refunded_at IS NULL",
        "received_at >= %(start)s",
        "received_at < %(end)s",
        "amount_fen >= %(min_fen)s",
    ]
    params = {
        "start": _naive_utc(min(r.starts_at for r in rules)),
        "end": _naive_utc(max(r.ends_at for r in rules)),
        "min_fen": min(r.min_donation_fen for r in rules),
    }
    if all(r.project_ids is not None for r in rules):
        where.append("project_id = ANY(%(projects)s)")
        params["projects"] = sorted(set().union(*(r.project_ids for r in rules)))
    if from_key is not None:
        where.append(
            "(received_at > %(at)s OR (received_at = %(at)s AND receipt_no >= %(receipt)s))"
        )
        params["at"], params["receipt"] = _naive_utc(from_key[0]), from_key[1]
    # Only the fixed clauses above are joined in; every value is a parameter.
    columns = "id, receipt_no, received_at AT TIME ZONE 'UTC', amount_fen, project_id, donor_key"
    sql = f"SELECT {columns} FROM donations WHERE {' AND '.join(where)}"  # noqa: S608
    raw = connection.connection.driver_connection
    utc = getattr(raw.info.timezone, "key", "UTC") in _UTC_NAMES
    new, facts = tuple.__new__, []
    with raw.cursor(name="matching_facts", binary=True) as cursor:
        cursor.execute(sql, params)
        while rows := cursor.fetchmany(_FETCH_ROWS):
            if not utc:
                rows = [(i, r, at.astimezone(dt.UTC), *rest) for i, r, at, *rest in rows]
            facts += [
                new(FactRow, (i, receipt, at, amount, project, areas[project], donor or None))
                for i, receipt, at, amount, project, donor in rows
            ]
    return facts


def _portable_facts(dbsession, rules, from_key, areas) -> list[DonationFact]:
    query = sa.select(
        Donation.id,
        Donation.receipt_no,
        Donation.received_at,
        Donation.amount_fen,
        Donation.project_id,
        Donation.donor_key,
    ).where(
        Donation.refunded_at.is_(None),
        Donation.received_at >= min(r.starts_at for r in rules),
        Donation.received_at < max(r.ends_at for r in rules),
        Donation.amount_fen >= min(r.min_donation_fen for r in rules),
    )
    if all(r.project_ids is not None for r in rules):
        query = query.where(Donation.project_id.in_(set().union(*(r.project_ids for r in rules))))
    if from_key is not None:
        query = query.where(from_key_clause(from_key))
    rows = dbsession.execute(query.execution_options(yield_per=_FETCH_ROWS))
    return [
        DonationFact(i, receipt, at, amount, project, areas[project], donor or None)
        for i, receipt, at, amount, project, donor in rows
    ]


_FETCH_ROWS = 50_000


def _naive_utc(moment: dt.datetime) -> dt.datetime:
    return moment.astimezone(dt.UTC).replace(tzinfo=None)


def prefix_state(
    dbsession: Session, rule: ProgrammeRule, pool_used: int, facts, project_used=None
) -> MatchState:
    """The running totals the pure module needs for `facts`: pool, and the project and
    donor totals of just the projects and donors those facts touch."""
    state = MatchState()
    if pool_used:
        state.pool_used[rule.id] = pool_used
    projects = sorted({f.project_id for f in facts})
    if not projects:
        return state
    in_programme = (Match.programme_id == rule.id, Match.project_id.in_(projects))
    if project_used is None:
        project_used = dict(
            dbsession.execute(
                sa.select(Match.project_id, sa.func.sum(Match.amount_fen))
                .where(*in_programme)
                .group_by(Match.project_id)
            ).all()
        )
    state.project_used[rule.id] = {k: int(v) for k, v in project_used.items() if v}
    donors = sorted({f.donor_key for f in facts if f.donor_key})
    if rule.per_donor_project_cap_fen is not None and donors:
        by_donor: dict[int, dict[str, int]] = {}
        for project_id, donor, total in dbsession.execute(
            sa.select(Match.project_id, Match.donor_key, sa.func.sum(Match.amount_fen))
            .where(*in_programme, Match.donor_key.in_(donors))
            .group_by(Match.project_id, Match.donor_key)
        ):
            if total:
                by_donor.setdefault(project_id, {})[donor] = int(total)
        state.donor_used[rule.id] = by_donor
    return state
