"""Matching-programme (配捐) rules: which donations a sponsor tops up, and by how much.

This module owns DESIGN §6 as a pure function of the effective donations and the programmes —
no database, no Pyramid. The service layer loads `DonationFact`s and `ProgrammeRule`s, calls
`compute_matches`, and stores the `MatchResult`s; it never re-implements any of the arithmetic.

Semantics, precisely:

* Donations are processed in `sort_key` order: `(received_at, receipt_no, id)`. The receipt
  number is the natural key, so `id` only keeps the order total if an import ever repeats one.
  Refunded donations are simply not passed in: a refund is treated as if it had never been made.
* A donation qualifies for a programme when `starts_at <= received_at < ends_at`, it is in the
  programme's scope, and `amount_fen >= min_donation_fen`. Scope: `project_ids` and `area_ids`
  are each optional; when both are given a donation must satisfy both (the sponsor's money is
  never spent outside either list). `area_ids` matches if the donation's area ids (its project's
  community and all its ancestors) meet the programme's.
* Per qualifying donation, programmes run in `(priority, id)` order. `base` is
  `floor(amount_fen × ratio)` in exact integer arithmetic on the donation alone, then
  `match = min(base, per-donation cap, donor's room on this project, project's room, pool room)`.
* Binding limit on ties: the first of `ratio, donation_cap, donor_cap, project_cap, pool` that
  equals the match, so a match that exactly empties the pool is still "ratio" bound.
* Zero matches: when `base` is 0 (ratio too small for the amount) nothing is recorded; when a
  limit other than the ratio brings a positive base to 0 (an exhausted pool, say), a 0-fen match
  is recorded with that limit, so auditors see why a qualifying donation got nothing.
* A donor is the donor key; a donation without one (None or "") is its own donor, so only the
  per-donation and per-project limits can bind it below the donor cap.
* Programmes never affect each other's totals, only the order of the results: results come out
  donation by donation, and within a donation in programme order.
"""

from __future__ import annotations

import gc
from bisect import bisect_left
from collections.abc import Iterable, Mapping, Sequence
from copy import deepcopy
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from operator import attrgetter

from volunteer.funds.match_types import DonationFact as DonationFact
from volunteer.funds.match_types import Limit as Limit
from volunteer.funds.match_types import MatchResult as MatchResult
from volunteer.funds.match_types import OutOfOrderDonation as OutOfOrderDonation
from volunteer.funds.match_types import ProgrammeRule as ProgrammeRule
from volunteer.funds.match_types import SortKey as SortKey
from volunteer.funds.match_types import aware_utc
from volunteer.funds.match_types import sort_key as sort_key


@dataclass
class MatchState:
    """Running totals after some prefix of the donation stream, for incremental matching.

    `pool_used[programme]`, `project_used[programme][project]` and
    `donor_used[programme][project][donor_key]` hold fen matched so far, the last only for
    programmes with a donor cap (a million donors cost memory and nothing else needs them).
    Zero totals are never stored, so two states with the same totals compare equal. `last_key` is the sort key of the
    last donation processed; `compute_matches` refuses anything that does not sort after it.
    """

    pool_used: dict[int, int] = field(default_factory=dict)
    project_used: dict[int, dict[int, int]] = field(default_factory=dict)
    donor_used: dict[int, dict[int, dict[str, int]]] = field(default_factory=dict)
    last_key: SortKey | None = None

    @classmethod
    def from_matches(
        cls,
        matches: Iterable[MatchResult],
        donations_by_id: Mapping[int, DonationFact],
        programmes: Iterable[ProgrammeRule],
    ) -> MatchState:
        """Rebuild the state from stored matches and the donations processed so far.

        `donations_by_id` should hold every processed donation, matched or not: its greatest
        sort key becomes `last_key`. `programmes` says which programmes keep donor totals.
        """
        state = cls()
        donor_capped = {p.id for p in programmes if p.per_donor_project_cap_fen is not None}
        for match in matches:
            donation = donations_by_id.get(match.donation_id)
            if donation is None:
                raise ValueError(f"配捐引用的捐赠 {match.donation_id} 不在已处理的捐赠中")
            state._add(match, donation, match.programme_id in donor_capped)
        if donations_by_id:
            state.last_key = max(map(sort_key, donations_by_id.values()))
        return state

    def _add(self, match: MatchResult, donation: DonationFact, track_donor: bool) -> None:
        programme, project, amount = match.programme_id, donation.project_id, match.amount_fen
        if not amount:
            return
        self.pool_used[programme] = self.pool_used.get(programme, 0) + amount
        projects = self.project_used.setdefault(programme, {})
        projects[project] = projects.get(project, 0) + amount
        if track_donor and donation.donor_key:
            donors = self.donor_used.setdefault(programme, {}).setdefault(project, {})
            donors[donation.donor_key] = donors.get(donation.donor_key, 0) + amount

    def copy(self) -> MatchState:
        return deepcopy(self)

    def used_on_project(self, programme_id: int, project_id: int) -> int:
        return self.project_used.get(programme_id, {}).get(project_id, 0)

    def used_by_donor(self, programme_id: int, project_id: int, donor_key: str) -> int:
        return self.donor_used.get(programme_id, {}).get(project_id, {}).get(donor_key, 0)


def needs_full_recompute(new_donation: DonationFact, last_processed_key: SortKey | None) -> bool:
    """True when `new_donation` does not sort strictly after the last processed donation.

    A back-dated import (or the same donation twice) cannot be appended incrementally, and
    neither can a refund, which removes a donation from inside the stream: the caller then
    recomputes the unsettled programmes' matches from scratch.
    """
    return last_processed_key is not None and sort_key(new_donation) <= last_processed_key


def compute_matches(
    donations: Iterable[DonationFact],
    programmes: Sequence[ProgrammeRule],
    *,
    state: MatchState | None = None,
) -> list[MatchResult]:
    """Match `donations` against `programmes` (DESIGN §6); the input order does not matter.

    With `state`, the run continues from those totals and updates `state` in place; every
    donation must then sort after `state.last_key`, or `OutOfOrderDonation` is raised (before
    anything changes). A state that saw any other exception must be discarded.
    """
    if state is None:
        state = MatchState()
    rules = sorted(programmes, key=attrgetter("priority", "id"))
    if len({rule.id for rule in rules}) != len(rules):
        raise ValueError("配捐计划编号重复")
    ordered = list(donations)
    if not ordered:
        return []
    # A run builds millions of small objects, and every few hundred thousand of them the cyclic
    # collector would rescan every live donation: a third of the run time, for nothing, since
    # matching creates no reference cycles.
    collector_was_on = gc.isenabled()
    gc.disable()
    try:
        # Sorting on time alone is three times faster than on the full key, and leaves only
        # the rare same-instant runs for the second, nearly linear, pass.
        ordered.sort(key=_received_at)
        ordered.sort(key=sort_key)
        if state.last_key is not None and sort_key(ordered[0]) <= state.last_key:
            raise OutOfOrderDonation("有捐赠早于已处理的最后一笔捐赠，须从头重算配捐")
        slots = [_match_programme(rule, ordered, state) for rule in rules]
        # Each programme filled one slot per donation; reading them donation by donation gives
        # the documented order, the same whether the stream was run whole or in parts.
        results = [match for row in zip(*slots, strict=True) for match in row if match is not None]
    finally:
        if collector_was_on:
            gc.enable()
    state.last_key = sort_key(ordered[-1])
    return results


_received_at = attrgetter("received_at")


def _match_programme(
    rule: ProgrammeRule, ordered: list[DonationFact], state: MatchState
) -> list[MatchResult | None]:
    """Run one programme over the sorted donations, updating `state`; one slot per donation."""
    slots: list[MatchResult | None] = [None] * len(ordered)
    # Donations are sorted by time, so the window is the slice of positions [lo, hi).
    lo = bisect_left(ordered, aware_utc(rule.starts_at, "开始时间"), key=_received_at)
    hi = bisect_left(ordered, aware_utc(rule.ends_at, "结束时间"), key=_received_at)
    # Exact rational ratio: floor(amount × ratio) is `amount * num // den`, with no Decimal per
    # donation and no rounding anywhere.
    num, den = rule.ratio.as_integer_ratio()
    programme_id, min_fen = rule.id, rule.min_donation_fen
    project_ids, area_ids = rule.project_ids, rule.area_ids
    donation_cap, donor_cap = rule.per_donation_cap_fen, rule.per_donor_project_cap_fen
    project_cap, pool = rule.per_project_cap_fen, rule.pool_fen
    pool_used = state.pool_used.get(programme_id, 0)
    project_used = state.project_used.get(programme_id, {})
    donor_used = state.donor_used.get(programme_id, {})
    # tuple.__new__ skips the NamedTuple's Python-level __new__: a fifth of the loop's time.
    new_tuple = tuple.__new__
    ratio_, donation_cap_, donor_cap_, project_cap_, pool_ = list(Limit)
    for position in range(lo, hi):
        donation = ordered[position]
        amount = donation.amount_fen
        if amount < min_fen:
            continue
        project = donation.project_id
        if project_ids is not None and project not in project_ids:
            continue
        if area_ids is not None and area_ids.isdisjoint(donation.area_ids):
            continue
        match = amount * num // den
        if match <= 0:
            continue
        limit = ratio_
        # Strict `<` below gives the documented tie precedence: an earlier limit keeps it.
        if donation_cap is not None and donation_cap < match:
            match, limit = donation_cap, donation_cap_
        donor = donation.donor_key
        if donor_cap is not None:
            donors, donor_total = None, 0
            if donor:
                donors = donor_used.get(project)
                if donors is not None:
                    donor_total = donors.get(donor, 0)
            if donor_cap - donor_total < match:
                match, limit = max(donor_cap - donor_total, 0), donor_cap_
        # Each total is looked up once and written back below: hashing is most of the loop.
        project_total = project_used.get(project, 0)
        if project_cap is not None and project_cap - project_total < match:
            match, limit = max(project_cap - project_total, 0), project_cap_
        if pool is not None and pool - pool_used < match:
            match, limit = max(pool - pool_used, 0), pool_
        if match:
            pool_used += match
            project_used[project] = project_total + match
            if donor and donor_cap is not None:
                if donors is None:
                    donors = donor_used[project] = {}
                donors[donor] = donor_total + match
        slots[position] = new_tuple(MatchResult, (programme_id, donation.id, match, limit))
    # Only non-zero totals are stored, so equal totals always mean equal states.
    if pool_used:
        state.pool_used[programme_id] = pool_used
    if project_used:
        state.project_used[programme_id] = project_used
    if donor_used:
        state.donor_used[programme_id] = donor_used
    return slots


def realised_ratio(public_fen: int, matched_fen: int) -> Decimal:
    """Matched fen per fen donated by the public, to 4 decimals, half up (四舍五入).

    Four decimals because sponsors quote ratios like 0.1 or 0.25 and the report must show the
    realised figure finely enough to see a cap biting; 0 when nothing was donated.
    """
    if public_fen <= 0:
        return Decimal("0.0000")
    return (Decimal(matched_fen) / Decimal(public_fen)).quantize(
        Decimal("0.0001"), rounding=ROUND_HALF_UP
    )
