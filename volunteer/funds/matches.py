"""Keeping the `matches` table equal to `matching.compute_matches` over the effective donations.

Three paths, all through the pure module, all giving the same rows (tests/unit/funds check
recompute == incremental):

* append — new donations that sort after everything a programme has processed continue from
  its running totals (pool from `ProgrammeTally`, projects from `ProjectTally`, donors by an indexed sum);
* replay — a back-dated donation or a refund: delete the programme's matches from that
  donation's place in the order onwards, take the prefix's totals as the tallies less what was
  deleted (so the cost is the tail's), replay the tail;
* recompute — everything from scratch (a programme created or changed): one streamed pass over
  the donations as plain tuples, matches written by COPY on PostgreSQL; a rewrite of millions
  of rows locks `matches` (ACCESS EXCLUSIVE, readers wait for the commit) and rebuilds its
  secondary indexes afterwards instead of maintaining them row by row (`match_io`).

Every path first locks the programmes' tally rows (SELECT … FOR UPDATE), so two staff recording
donations at once queue up and the second sees the first's pool usage: a pool is never
overspent. Only ACTIVE programmes are matched; a settled programme's matches are frozen."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import sqlalchemy as sa
from sqlalchemy.orm import Session, selectinload

from volunteer.db import utcnow
from volunteer.funds.match_io import (
    BULK_ROWS,
    bulk_expected,
    bulk_lock,
    donation_fact,
    from_key_clause,
    programme_rule,
    project_areas,
    read_facts,
    rows_kept,
    tally_key,
    write_matches,
)
from volunteer.funds.match_read import prefix_state
from volunteer.funds.matching import (
    DonationFact,
    MatchResult,
    MatchState,
    ProgrammeRule,
    compute_matches,
    needs_full_recompute,
    sort_key,
)
from volunteer.funds.models import Donation
from volunteer.funds.programme_models import (
    Match,
    MatchingProgramme,
    MatchStatus,
    ProgrammeStatus,
    ProgrammeTally,
    ProjectTally,
)

# Re-exported: the donation service builds facts with these.
__all__ = ["MatchingService", "donation_fact", "programme_rule", "project_areas"]


class MatchingService:
    """The match-writing engine; permissions are checked by the services that call it."""

    bulk_rows = BULK_ROWS

    def __init__(self, dbsession: Session):
        self.dbsession = dbsession

    # --- locking and loading -------------------------------------------------------------

    def lock(self, programme_ids: Iterable[int]) -> dict[int, ProgrammeTally]:
        ids = sorted(set(programme_ids))
        if not ids:
            return {}
        tallies = self.dbsession.scalars(
            sa.select(ProgrammeTally)
            .where(ProgrammeTally.programme_id.in_(ids))
            .order_by(ProgrammeTally.programme_id)
            .with_for_update()
            .execution_options(populate_existing=True)
        ).all()
        found = {t.programme_id: t for t in tallies}
        for missing in set(ids) - set(found):
            found[missing] = ProgrammeTally(programme_id=missing, matched_fen=0)
            self.dbsession.add(found[missing])
        self.dbsession.flush()
        return found

    def active_programmes(self) -> list[MatchingProgramme]:
        return list(
            self.dbsession.scalars(
                sa.select(MatchingProgramme)
                .options(
                    selectinload(MatchingProgramme.projects), selectinload(MatchingProgramme.areas)
                )
                .where(MatchingProgramme.status == ProgrammeStatus.ACTIVE)
                .order_by(MatchingProgramme.priority, MatchingProgramme.id)
            )
        )

    def _stream(self, rules: Sequence[ProgrammeRule], from_key=None) -> list[DonationFact]:
        """The effective donations any of `rules` could match, as facts (`match_io`)."""
        return read_facts(self.dbsession, rules, from_key, project_areas(self.dbsession))

    # --- the three paths ------------------------------------------------------------------

    def recompute(self, programmes: Sequence[MatchingProgramme]) -> int:
        """Rebuild the provisional matches of these (active) programmes from scratch, in one
        pass over the donations; returns the number of matches written."""
        live = [p for p in programmes if p.status is ProgrammeStatus.ACTIVE]
        connection = self.dbsession.connection()
        bulk = connection.dialect.name == "postgresql" and bulk_expected(connection, live)
        if bulk:
            bulk_lock(connection)
        tallies = self.lock(p.id for p in programmes)
        ids = [p.id for p in programmes]
        deleted = self.dbsession.execute(
            sa.delete(Match).where(
                Match.programme_id.in_(ids), Match.status == MatchStatus.PROVISIONAL
            ),
            execution_options={"synchronize_session": False},
        ).rowcount
        self.dbsession.execute(
            sa.delete(ProjectTally).where(ProjectTally.programme_id.in_(ids)),
            execution_options={"synchronize_session": False},
        )
        now = utcnow()
        for tally in tallies.values():
            tally.matched_fen, tally.recomputed_at = 0, now
            tally.last_received_at = tally.last_receipt_no = tally.last_donation_id = None
        if not live:
            return 0
        rules = [programme_rule(p) for p in live]
        facts = self._stream(rules)
        state = MatchState()
        results = compute_matches(facts, rules, state=state)
        # Rebuilding the indexes costs about a third of maintaining them per written row,
        # times every row the table keeps: worth it when the rewrite is most of the table.
        bulk = bulk and len(results) >= max(self.bulk_rows, rows_kept(connection, deleted) // 2)
        write_matches(connection, results, facts, bulk=bulk)
        self._save(tallies, [r.id for r in rules], state, facts)
        project_rows = [
            {"programme_id": programme_id, "project_id": project_id, "matched_fen": total}
            for programme_id, projects in state.project_used.items()
            for project_id, total in projects.items()
        ]
        if project_rows:
            self.dbsession.execute(ProjectTally.__table__.insert(), project_rows)
        return len(results)

    def add_donations(self, facts: Sequence[DonationFact]) -> None:
        """Match newly recorded donations (already flushed) against every active programme."""
        if not facts:
            return
        programmes = self.active_programmes()
        tallies = self.lock(p.id for p in programmes)
        for programme in programmes:
            rule = programme_rule(programme)
            # A donation the programme alone, with nothing used, would not match can change
            # nothing (the rules only ever lower a match), so it never forces a replay. Caps
            # and the pool only lower an amount, never drop a donation, so one run over all
            # of them finds the same donations as one run per donation.
            hit = {result.donation_id for result in compute_matches(facts, [rule])}
            relevant = [f for f in facts if f.id in hit]
            if not relevant:
                continue
            tally = tallies[programme.id]
            first = min(relevant, key=sort_key)
            if needs_full_recompute(first, tally_key(tally)):
                self._replay(rule, tally, (first.received_at, first.receipt_no))
            else:
                self._continue(rule, tally, relevant)

    def remove_donation(self, donation: Donation) -> None:
        """After a refund (the donation is already marked): replay the active programmes that
        had matched it from its place in the order, as if it had never been made."""
        programme_ids = self.dbsession.scalars(
            sa.select(Match.programme_id)
            .join(MatchingProgramme, MatchingProgramme.id == Match.programme_id)
            .where(
                Match.donation_id == donation.id,
                MatchingProgramme.status == ProgrammeStatus.ACTIVE,
            )
        ).all()
        tallies = self.lock(programme_ids)
        for programme_id in sorted(programme_ids):
            rule = programme_rule(self.dbsession.get(MatchingProgramme, programme_id))
            self._replay(rule, tallies[programme_id], (donation.received_at, donation.receipt_no))

    def _continue(self, rule: ProgrammeRule, tally: ProgrammeTally, facts) -> None:
        projects = {f.project_id for f in facts}
        kept = {
            t.project_id: t
            for t in self.dbsession.scalars(
                sa.select(ProjectTally).where(
                    ProjectTally.programme_id == rule.id, ProjectTally.project_id.in_(projects)
                )
            )
        }
        used = {p: t.matched_fen for p, t in kept.items() if t.matched_fen}
        state = prefix_state(self.dbsession, rule, tally.matched_fen, facts, project_used=used)
        state.last_key = tally_key(tally)
        results = compute_matches(facts, [rule], state=state)
        self._write(results, facts)
        for project_id in projects:
            total = state.project_used.get(rule.id, {}).get(project_id, 0)
            if project_id in kept:
                kept[project_id].matched_fen = total
            else:
                self.dbsession.add(
                    ProjectTally(programme_id=rule.id, project_id=project_id, matched_fen=total)
                )
        self._save({rule.id: tally}, [rule.id], state, facts, keep=tally)

    def _replay(self, rule: ProgrammeRule, tally: ProgrammeTally, from_key) -> None:
        """Delete the programme's matches from `from_key` on and match that tail again. The
        prefix's totals are the running tallies less what was deleted, so the work is the
        tail's (indexed), not a sum over every match the programme ever made."""
        tail = sa.select(Donation.id).where(from_key_clause(from_key))
        in_tail = (Match.programme_id == rule.id, Match.donation_id.in_(tail))
        removed = {
            project_id: int(total or 0)
            for project_id, total in self.dbsession.execute(
                sa.select(Match.project_id, sa.func.sum(Match.amount_fen))
                .where(*in_tail)
                .group_by(Match.project_id)
            )
        }
        self.dbsession.execute(
            sa.delete(Match).where(*in_tail), execution_options={"synchronize_session": False}
        )
        table = ProjectTally.__table__
        columns = sa.select(table.c.project_id, table.c.matched_fen)
        before = dict(self.dbsession.execute(columns.where(table.c.programme_id == rule.id)).all())
        prefix = {
            project_id: before.get(project_id, 0) - removed.get(project_id, 0)
            for project_id in before.keys() | removed.keys()
        }
        facts = self._stream([rule], from_key)
        pool_used = tally.matched_fen - sum(removed.values())
        state = prefix_state(self.dbsession, rule, pool_used, facts, project_used=prefix)
        results = compute_matches(facts, [rule], state=state)
        self._write(results, facts)
        self._save({rule.id: tally}, [rule.id], state, facts, keep=tally)
        # Only the projects the deleted or the replayed matches touched can have changed.
        totals = state.project_used.get(rule.id, {}) if facts else prefix
        changed = sorted(removed.keys() | {f.project_id for f in facts})
        self.dbsession.execute(
            table.delete().where(table.c.programme_id == rule.id, table.c.project_id.in_(changed))
        )
        rows = [
            {"programme_id": rule.id, "project_id": project_id, "matched_fen": totals[project_id]}
            for project_id in changed
            if totals.get(project_id)
        ]
        if rows:
            self.dbsession.execute(table.insert(), rows)

    def _save(self, tallies, programme_ids, state: MatchState, facts, keep=None) -> None:
        # The tally's key may run ahead of the last matched donation (a refund leaves it); that
        # only ever makes the next donation replay rather than append, never a wrong match.
        last = max((sort_key(f) for f in facts), default=None)
        if keep is not None and keep.last_received_at is not None:
            last = max(filter(None, (last, tally_key(keep))))
        for programme_id in programme_ids:
            tally = tallies[programme_id]
            tally.matched_fen = state.pool_used.get(programme_id, 0)
            if last is not None:
                tally.last_received_at, tally.last_receipt_no, tally.last_donation_id = last
        self.dbsession.flush()

    def _write(self, results: list[MatchResult], facts: Sequence[DonationFact]) -> None:
        write_matches(self.dbsession.connection(), results, facts)
