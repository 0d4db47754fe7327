"""Property tests for matching: incremental = from scratch, refunds, caps, input order.

`reference_matches` is DESIGN §6 transcribed as plainly as possible (Decimal floor, `min`,
a list of limits in precedence order), so the fast implementation is checked against the text
rather than against itself.
"""

from __future__ import annotations

import math
from collections import defaultdict
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from volunteer.funds.matching import (
    DonationFact,
    Limit,
    MatchResult,
    MatchState,
    ProgrammeRule,
    compute_matches,
    sort_key,
)

T0 = datetime(2024, 1, 1, tzinfo=UTC)
AREAS = {1: frozenset({1, 10, 101}), 2: frozenset({1, 10, 102}), 3: frozenset({1, 11, 111})}


def minute(n: int) -> datetime:
    return T0 + timedelta(minutes=n)


@st.composite
def donation_lists(draw, max_size=25):
    size = draw(st.integers(0, max_size))
    donations = []
    for id_ in range(1, size + 1):
        project = draw(st.sampled_from(sorted(AREAS)))
        donations.append(
            DonationFact(
                id=id_,
                # Few distinct instants and shuffled receipt numbers, so ties are common.
                receipt_no=f"R{draw(st.integers(0, 9))}-{id_:03d}",
                received_at=minute(draw(st.integers(0, 12))),
                amount_fen=draw(st.integers(0, 5_000) | st.sampled_from(ROUND_FEN)),
                project_id=project,
                area_ids=AREAS[project],
                donor_key=draw(st.sampled_from([None, "", "a", "b", "c"])),
            )
        )
    return donations


# Round amounts make edges (amount == minimum, cap == base) likely rather than rare.
ROUND_FEN = [100, 250, 500, 1_000]
ROUND_RATIOS = [Decimal(r) for r in ("0.1", "0.2", "0.5", "1", "2")]
optional_fen = st.none() | st.integers(0, 3_000) | st.sampled_from(ROUND_FEN)


@st.composite
def programme_lists(draw):
    ids = draw(st.lists(st.integers(1, 50), min_size=1, max_size=3, unique=True))
    programmes = []
    for id_ in ids:
        start = draw(st.integers(0, 8))
        programmes.append(
            ProgrammeRule(
                id=id_,
                code=f"P{id_}",
                ratio=draw(st.decimals(0, 2, places=3) | st.sampled_from(ROUND_RATIOS)),
                starts_at=minute(start),
                ends_at=minute(start + draw(st.integers(1, 12))),
                min_donation_fen=draw(st.integers(0, 500) | st.sampled_from(ROUND_FEN)),
                per_donation_cap_fen=draw(optional_fen),
                per_donor_project_cap_fen=draw(optional_fen),
                per_project_cap_fen=draw(optional_fen),
                pool_fen=draw(st.none() | st.integers(0, 8_000)),
                project_ids=draw(st.none() | st.frozensets(st.sampled_from([1, 2, 3]))),
                area_ids=draw(st.none() | st.frozensets(st.sampled_from([1, 10, 11, 102]))),
                priority=draw(st.integers(0, 2)),
            )
        )
    return programmes


def room(cap, used):
    return math.inf if cap is None else cap - used


def reference_matches(donations, programmes):
    pool = defaultdict(int)
    project = defaultdict(int)
    donor = defaultdict(int)
    results = []
    for d in sorted(donations, key=lambda d: (d.received_at, d.receipt_no, d.id)):
        for p in sorted(programmes, key=lambda p: (p.priority, p.id)):
            if not (p.starts_at <= d.received_at < p.ends_at):
                continue
            if d.amount_fen < p.min_donation_fen:
                continue
            if p.project_ids is not None and d.project_id not in p.project_ids:
                continue
            if p.area_ids is not None and not (p.area_ids & d.area_ids):
                continue
            base = math.floor(Decimal(d.amount_fen) * p.ratio)
            if base == 0:
                continue
            who = d.donor_key or f"donation:{d.id}"
            limits = [
                (Limit.RATIO, base),
                (Limit.DONATION_CAP, room(p.per_donation_cap_fen, 0)),
                (
                    Limit.DONOR_CAP,
                    room(p.per_donor_project_cap_fen, donor[p.id, d.project_id, who]),
                ),
                (Limit.PROJECT_CAP, room(p.per_project_cap_fen, project[p.id, d.project_id])),
                (Limit.POOL, room(p.pool_fen, pool[p.id])),
            ]
            amount = max(0, min(value for _, value in limits))
            limit = next(name for name, value in limits if max(0, value) == amount)
            pool[p.id] += amount
            project[p.id, d.project_id] += amount
            donor[p.id, d.project_id, who] += amount
            results.append(MatchResult(p.id, d.id, amount, limit))
    return results


@settings(max_examples=300)
@given(donation_lists(), programme_lists())
def test_agrees_with_the_plain_transcription_of_the_design(donations, programmes):
    assert compute_matches(donations, programmes) == reference_matches(donations, programmes)


@given(donation_lists(), programme_lists(), st.data())
def test_incremental_equals_from_scratch(donations, programmes, data):
    ordered = sorted(donations, key=sort_key)
    cut = data.draw(st.integers(0, len(ordered)))
    head, tail = ordered[:cut], ordered[cut:]
    whole = compute_matches(ordered, programmes)

    carried = MatchState()
    first = compute_matches(head, programmes, state=carried)
    assert first + compute_matches(tail, programmes, state=carried) == whole

    rebuilt = MatchState.from_matches(first, {d.id: d for d in head}, programmes)
    assert first + compute_matches(tail, programmes, state=rebuilt) == whole
    assert rebuilt == carried


@given(donation_lists(max_size=15), programme_lists(), st.data())
def test_refund_is_removal(donations, programmes, data):
    if not donations:
        return
    refunded = data.draw(st.sampled_from(donations))
    remaining = [d for d in donations if d is not refunded]
    before = compute_matches(donations, programmes)
    after = compute_matches(remaining, programmes)
    assert after == reference_matches(remaining, programmes)
    assert all(r.donation_id != refunded.id for r in after)
    # Matches of donations processed before the refunded one cannot change.
    earlier = {d.id for d in donations if sort_key(d) < sort_key(refunded)}
    assert [r for r in before if r.donation_id in earlier] == [
        r for r in after if r.donation_id in earlier
    ]


@given(donation_lists(), programme_lists())
def test_caps_and_pools_hold(donations, programmes):
    results = compute_matches(donations, programmes)
    by_id = {d.id: d for d in donations}
    rules = {p.id: p for p in programmes}
    pool, project, donor = defaultdict(int), defaultdict(int), defaultdict(int)
    for r in results:
        d, p = by_id[r.donation_id], rules[r.programme_id]
        base = d.amount_fen * p.ratio.as_integer_ratio()[0] // p.ratio.as_integer_ratio()[1]
        assert 0 <= r.amount_fen <= base
        assert r.limit != Limit.RATIO or r.amount_fen == base
        assert r.amount_fen > 0 or r.limit != Limit.RATIO
        if p.per_donation_cap_fen is not None:
            assert r.amount_fen <= p.per_donation_cap_fen
        pool[p.id] += r.amount_fen
        project[p.id, d.project_id] += r.amount_fen
        if d.donor_key:
            donor[p.id, d.project_id, d.donor_key] += r.amount_fen
        elif p.per_donor_project_cap_fen is not None:
            assert r.amount_fen <= p.per_donor_project_cap_fen
    for pid, used in pool.items():
        assert rules[pid].pool_fen is None or used <= rules[pid].pool_fen
    for (pid, _), used in project.items():
        assert rules[pid].per_project_cap_fen is None or used <= rules[pid].per_project_cap_fen
    for (pid, _, _), used in donor.items():
        cap = rules[pid].per_donor_project_cap_fen
        assert cap is None or used <= cap


@given(donation_lists(), programme_lists(), st.randoms(use_true_random=False))
def test_input_order_does_not_matter(donations, programmes, rnd):
    expected = compute_matches(donations, programmes)
    shuffled, reordered = donations[:], programmes[:]
    rnd.shuffle(shuffled)
    rnd.shuffle(reordered)
    assert compute_matches(iter(shuffled), reordered) == expected
