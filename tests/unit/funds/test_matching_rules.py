"""DESIGN §6 matching rules, with hand-computed expectations (arithmetic in the comments)."""

from __future__ import annotations

import gc
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from volunteer.funds.matching import (
    DonationFact,
    Limit,
    MatchResult,
    MatchState,
    OutOfOrderDonation,
    ProgrammeRule,
    compute_matches,
    needs_full_recompute,
    realised_ratio,
    sort_key,
)

SHANGHAI = ZoneInfo("Asia/Shanghai")
T0 = datetime(2024, 5, 1, tzinfo=SHANGHAI)  # 2024-04-30 16:00 UTC
T_END = datetime(2024, 6, 1, tzinfo=SHANGHAI)  # 2024-05-31 16:00 UTC
# Areas: district 1 > streets 10, 11 > communities 101 (street 10), 111 (street 11).
AREAS = {1: frozenset({1, 10, 101}), 2: frozenset({1, 10, 101}), 3: frozenset({1, 11, 111})}


def at(minutes: int) -> datetime:
    """A UTC instant `minutes` after the window opens."""
    return (T0 + timedelta(minutes=minutes)).astimezone(UTC)


def don(id_, amount, *, minute=None, project=1, donor=None, receipt=None, when=None):
    return DonationFact(
        id=id_,
        receipt_no=receipt or f"R{id_:04d}",
        received_at=when or at(id_ if minute is None else minute),
        amount_fen=amount,
        project_id=project,
        area_ids=AREAS[project],
        donor_key=donor,
    )


def prog(id_=1, ratio="1", **kw):
    kw.setdefault("starts_at", T0)
    kw.setdefault("ends_at", T_END)
    return ProgrammeRule(id=id_, code=f"P{id_}", ratio=Decimal(ratio), **kw)


def amounts(results):
    return [(r.donation_id, r.amount_fen, r.limit) for r in results]


# --- the ratio ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("ratio", "amount", "expected"),
    [
        ("0.5", 333, 166),  # 333 × 0.5 = 166.5 → 166
        ("0.333", 100, 33),  # 100 × 0.333 = 33.3 → 33
        ("0.1", 99_999, 9_999),  # 9 999.9 → 9 999
        ("0.25", 4, 1),  # exactly 1
        ("2", 12_345, 24_690),  # ratios above 1 are allowed (2:1 matching)
        ("0.0001", 9_999, 0),  # 0.9999 → 0: nothing to record
        ("0", 10_000, 0),  # a zero ratio never matches anything
    ],
)
def test_base_is_floor_of_amount_times_ratio(ratio, amount, expected):
    results = compute_matches([don(1, amount)], [prog(ratio=ratio)])
    if expected:
        assert amounts(results) == [(1, expected, Limit.RATIO)]
    else:
        assert results == []


def test_ratio_must_be_decimal_not_float():
    with pytest.raises(TypeError):
        ProgrammeRule(id=1, code="P", ratio=0.1, starts_at=T0, ends_at=T_END)
    with pytest.raises(ValueError, match="非负"):
        prog(ratio="-0.1")
    with pytest.raises(ValueError, match="非负"):
        prog(ratio="NaN")


@pytest.mark.parametrize(
    "kw",
    [
        {"starts_at": datetime(2024, 5, 1)},  # noqa: DTZ001 - the naive datetime is the point
        {"starts_at": T_END, "ends_at": T0},
        {"starts_at": T0, "ends_at": T0},
        {"pool_fen": -1},
        {"per_donation_cap_fen": 1.5},
        {"min_donation_fen": True},
    ],
)
def test_programme_rule_refuses_nonsense(kw):
    with pytest.raises(ValueError):  # noqa: PT011 - several distinct Chinese messages
        prog(**kw)


# --- each cap alone ---------------------------------------------------------------------


def test_per_donation_cap():
    results = compute_matches(
        [don(1, 8_000), don(2, 5_000), don(3, 4_999)], [prog(per_donation_cap_fen=5_000)]
    )
    # 8 000 × 1 > 5 000 → capped; 5 000 ties the cap → ratio wins the tie; 4 999 below it.
    assert amounts(results) == [
        (1, 5_000, Limit.DONATION_CAP),
        (2, 5_000, Limit.RATIO),
        (3, 4_999, Limit.RATIO),
    ]


def test_donor_cap_is_per_donor_per_project():
    donations = [
        don(1, 2_000, donor="A"),  # A on project 1: room 3 000 → 2 000
        don(2, 2_000, donor="A"),  # room 3 000 − 2 000 = 1 000 → 1 000 donor_cap
        don(3, 500, donor="A", project=2),  # A on project 2 starts afresh → 500
        don(4, 700, donor="A"),  # project 1 room 0 → recorded as 0 donor_cap
        don(5, 2_500, donor="B"),  # B has their own room → 2 500
    ]
    results = compute_matches(donations, [prog(per_donor_project_cap_fen=3_000)])
    assert amounts(results) == [
        (1, 2_000, Limit.RATIO),
        (2, 1_000, Limit.DONOR_CAP),
        (3, 500, Limit.RATIO),
        (4, 0, Limit.DONOR_CAP),
        (5, 2_500, Limit.RATIO),
    ]


def test_donation_without_key_is_its_own_donor():
    # None and "" both mean "no key": each donation has the full 3 000 room.
    donations = [don(1, 2_000), don(2, 2_000, donor=""), don(3, 4_000)]
    results = compute_matches(donations, [prog(per_donor_project_cap_fen=3_000)])
    assert amounts(results) == [
        (1, 2_000, Limit.RATIO),
        (2, 2_000, Limit.RATIO),
        (3, 3_000, Limit.DONOR_CAP),  # 4 000 against its own 3 000 room
    ]


def test_per_project_cap():
    donations = [
        don(1, 3_000, donor="A"),  # room 5 000 → 3 000
        don(2, 3_000, donor="B"),  # room 2 000 → 2 000 project_cap
        don(3, 1_000, donor="C"),  # room 0 → 0 project_cap
        don(4, 3_000, project=3),  # another project, full room → 3 000
    ]
    results = compute_matches(donations, [prog(per_project_cap_fen=5_000)])
    assert amounts(results) == [
        (1, 3_000, Limit.RATIO),
        (2, 2_000, Limit.PROJECT_CAP),
        (3, 0, Limit.PROJECT_CAP),
        (4, 3_000, Limit.RATIO),
    ]


def test_pool_exhaustion_mid_donation_and_afterwards():
    donations = [don(1, 1_200), don(2, 1_000), don(3, 200), don(4, 1)]
    results = compute_matches(donations, [prog(ratio="0.5", pool_fen=1_000)])
    assert amounts(results) == [
        (1, 600, Limit.RATIO),  # 1 200 × 0.5 = 600; pool 1 000 → 400 left
        (2, 400, Limit.POOL),  # base 500 > 400 left → partial 400, pool empty
        (3, 0, Limit.POOL),  # base 100, pool empty → recorded as 0 for the auditors
        # donation 4: base floor(0.5) = 0 → the ratio gives nothing, so nothing is recorded
    ]


def test_match_that_exactly_empties_the_pool_is_ratio_bound():
    results = compute_matches([don(1, 1_200), don(2, 2)], [prog(ratio="0.5", pool_fen=600)])
    # 600 = base = pool left → ratio; then base 1, pool 0 → 0 pool.
    assert amounts(results) == [(1, 600, Limit.RATIO), (2, 0, Limit.POOL)]


@pytest.mark.parametrize(
    ("kw", "expected"),
    [
        # base 800 everywhere; every cap 500 → the first in precedence order names it.
        (
            {
                "per_donation_cap_fen": 500,
                "per_donor_project_cap_fen": 500,
                "per_project_cap_fen": 500,
                "pool_fen": 500,
            },
            Limit.DONATION_CAP,
        ),
        (
            {"per_donor_project_cap_fen": 500, "per_project_cap_fen": 500, "pool_fen": 500},
            Limit.DONOR_CAP,
        ),
        ({"per_project_cap_fen": 500, "pool_fen": 500}, Limit.PROJECT_CAP),
        ({"pool_fen": 500}, Limit.POOL),
        # a cap at 800 ties the base: the ratio keeps it.
        ({"per_donation_cap_fen": 800, "pool_fen": 800}, Limit.RATIO),
        # the strictly smallest limit wins whatever its precedence.
        ({"per_donation_cap_fen": 700, "pool_fen": 600}, Limit.POOL),
    ],
)
def test_tie_precedence(kw, expected):
    [result] = compute_matches([don(1, 800, donor="A")], [prog(**kw)])
    assert result.limit == expected
    assert result.amount_fen == min(800, *kw.values())


# --- qualification: window, minimum, scope ----------------------------------------------


def test_window_is_half_open_in_shanghai_time():
    one_us = timedelta(microseconds=1)
    opens = datetime(2024, 4, 30, 16, 0, tzinfo=UTC)  # 2024-05-01 00:00 Shanghai
    closes = datetime(2024, 5, 31, 16, 0, tzinfo=UTC)  # 2024-06-01 00:00 Shanghai
    donations = [
        don(1, 100, when=opens - one_us),  # 04-30 23:59:59.999999 Shanghai: before the window
        don(2, 100, when=opens),  # starts_at is inclusive
        don(3, 100, when=closes - one_us),  # 05-31 23:59:59.999999 Shanghai: inside
        don(4, 100, when=closes),  # ends_at is exclusive
        # 05-31 17:00 UTC is still "May 31" in UTC but already June 1 in Shanghai: outside.
        don(5, 100, when=datetime(2024, 5, 31, 17, 0, tzinfo=UTC)),
        # 04-30 17:00 UTC is still "April 30" in UTC but May 1 01:00 in Shanghai: inside.
        don(6, 100, when=datetime(2024, 4, 30, 17, 0, tzinfo=UTC)),
    ]
    results = compute_matches(donations, [prog()])
    assert sorted(r.donation_id for r in results) == [2, 3, 6]


def test_minimum_donation_is_inclusive():
    results = compute_matches([don(1, 999), don(2, 1_000)], [prog(min_donation_fen=1_000)])
    assert amounts(results) == [(2, 1_000, Limit.RATIO)]


def test_scope_by_project_and_by_area():
    donations = [don(1, 100, project=1), don(2, 100, project=2), don(3, 100, project=3)]
    by_project = prog(1, project_ids=frozenset({2}))
    by_street = prog(2, area_ids=frozenset({10}))  # street 10 holds projects 1 and 2
    by_community = prog(3, area_ids=frozenset({111}))  # community 111 holds project 3
    by_district = prog(4, area_ids=frozenset({1}))  # the whole district
    # Both scopes given: the donation must be in both (project 1 ∈ street 10, project 3 ∉).
    both = prog(5, project_ids=frozenset({1, 3}), area_ids=frozenset({10}))
    results = compute_matches(donations, [by_project, by_street, by_community, by_district, both])
    matched = {(r.programme_id, r.donation_id) for r in results}
    assert matched == {(1, 2), (2, 1), (2, 2), (3, 3), (4, 1), (4, 2), (4, 3), (5, 1)}


# --- order ------------------------------------------------------------------------------


def test_same_instant_ordered_by_receipt_number():
    same = at(5)
    later_receipt = don(1, 80, receipt="R002", when=same)
    earlier_receipt = don(2, 80, receipt="R001", when=same)
    results = compute_matches([later_receipt, earlier_receipt], [prog(pool_fen=100)])
    # R001 is processed first: 80 of 100; R002 gets the 20 left.
    assert amounts(results) == [(2, 80, Limit.RATIO), (1, 20, Limit.POOL)]


def test_programmes_stack_by_priority_then_id_each_on_the_donation_alone():
    late = prog(1, ratio="0.5", priority=2)
    first = prog(3, ratio="0.2", priority=1)
    second = prog(2, ratio="0.1", priority=1)
    results = compute_matches([don(7, 1_000)], [late, first, second])
    # (priority, id): (1, 2), (1, 3), (2, 1); each base on 1 000 fen, never on another match.
    assert results == [
        MatchResult(2, 7, 100, Limit.RATIO),
        MatchResult(3, 7, 200, Limit.RATIO),
        MatchResult(1, 7, 500, Limit.RATIO),
    ]


def test_nothing_in_nothing_out():
    state = MatchState()
    assert compute_matches([], [prog()], state=state) == []
    assert state == MatchState()
    assert compute_matches([don(1, 100)], [], state=state) == []
    assert state.last_key == sort_key(don(1, 100))


def test_duplicate_programme_ids_refused():
    with pytest.raises(ValueError, match="重复"):
        compute_matches([don(1, 100)], [prog(1), prog(1, ratio="0.5")])


# --- a realistic district: province 0.1 with per-project caps, city 0.2 stacked ---------


def xiling():
    province = prog(
        1, ratio="0.1", min_donation_fen=100, per_project_cap_fen=50_000, pool_fen=1_000_000
    )
    city = prog(
        2,
        ratio="0.2",
        per_donation_cap_fen=2_000,
        per_donor_project_cap_fen=5_000,
        pool_fen=10_000,
        priority=1,
    )
    donations = [
        don(1, 100_000, donor="A"),
        don(2, 300_000, donor="B"),
        don(3, 200_000, donor="A"),
        don(4, 50_000, donor="A"),
        don(5, 8_888, donor="C", project=2),
        don(6, 50, donor="D", project=2),
        don(7, 20_000, donor="E", project=2),
        don(8, 1_000, donor="F", project=2),
    ]
    return donations, [city, province]


def test_xiling_style_district():
    donations, programmes = xiling()
    results = compute_matches(donations, programmes)
    P, C = 1, 2  # noqa: N806 - programme ids read best as single capitals here
    assert [(r.programme_id, *amounts([r])[0]) for r in results] == [
        # d1 A 1 000 yuan, project 1. province 100 000 × 0.1 = 10 000 (project room 50 000)
        (P, 1, 10_000, Limit.RATIO),
        # city 100 000 × 0.2 = 20 000 > per-donation cap 2 000
        (C, 1, 2_000, Limit.DONATION_CAP),
        # d2 B 300 000. province 30 000 ≤ room 40 000; city capped at 2 000
        (P, 2, 30_000, Limit.RATIO),
        (C, 2, 2_000, Limit.DONATION_CAP),
        # d3 A 200 000. province base 20 000, project room 50 000 − 40 000 = 10 000
        (P, 3, 10_000, Limit.PROJECT_CAP),
        # city base 40 000 → 2 000; A's room 5 000 − 2 000 = 3 000 does not bind
        (C, 3, 2_000, Limit.DONATION_CAP),
        # d4 A 50 000. province base 5 000, project room 0 → 0 recorded
        (P, 4, 0, Limit.PROJECT_CAP),
        # city base 10 000 → 2 000 → A's room 5 000 − 4 000 = 1 000
        (C, 4, 1_000, Limit.DONOR_CAP),
        # d5 C 88.88 yuan, project 2. province floor(888.8) = 888; city floor(1 777.6) = 1 777
        (P, 5, 888, Limit.RATIO),
        (C, 5, 1_777, Limit.RATIO),
        # d6 D 50 fen: below the province's 100-fen minimum; city floor(10) = 10
        (C, 6, 10, Limit.RATIO),
        # d7 E 20 000. province 2 000; city 4 000 → 2 000, pool 10 000 − 8 787 = 1 213 left...
        (P, 7, 2_000, Limit.RATIO),
        # city pool used so far: 2 000 + 2 000 + 2 000 + 1 000 + 1 777 + 10 = 8 787
        (C, 7, 1_213, Limit.POOL),
        # d8 F 1 000. province 100; city base 200, pool empty → 0
        (P, 8, 100, Limit.RATIO),
        (C, 8, 0, Limit.POOL),
    ]
    province_total = sum(r.amount_fen for r in results if r.programme_id == P)
    city_total = sum(r.amount_fen for r in results if r.programme_id == C)
    assert province_total == 10_000 + 30_000 + 10_000 + 888 + 2_000 + 100 == 52_988
    assert city_total == 10_000  # the whole pool
    public = sum(d.amount_fen for d in donations)
    assert public == 679_938
    # 62 988 / 679 938 = 0.092637… → 0.0926
    assert realised_ratio(public, province_total + city_total) == Decimal("0.0926")


def test_xiling_incremental_split_and_state_from_matches():
    donations, programmes = xiling()
    whole = compute_matches(donations, programmes)
    head, tail = donations[:4], donations[4:]
    first = compute_matches(head, programmes)
    state = MatchState.from_matches(first, {d.id: d for d in head}, programmes)
    assert state.used_on_project(1, 1) == 50_000
    assert state.used_by_donor(2, 1, "A") == 5_000
    assert state.pool_used == {1: 50_000, 2: 7_000}
    assert set(state.donor_used) == {2}  # the province has no donor cap: no donor totals kept
    assert first + compute_matches(tail, programmes, state=state) == whole


def test_state_carried_in_place_equals_state_rebuilt():
    donations, programmes = xiling()
    carried = MatchState()
    matches = compute_matches(donations, programmes, state=carried)
    rebuilt = MatchState.from_matches(matches, {d.id: d for d in donations}, programmes)
    assert carried == rebuilt
    assert carried.copy() == carried
    assert carried.copy() is not carried


def test_out_of_order_donation_is_refused_and_detected():
    donations, programmes = xiling()
    state = MatchState()
    compute_matches(donations[1:], programmes, state=state)
    before = state.copy()
    with pytest.raises(OutOfOrderDonation):
        compute_matches([donations[0]], programmes, state=state)
    assert state == before  # refused before anything changed
    assert gc.isenabled()  # the collector paused for the run is back on after the error
    assert needs_full_recompute(donations[0], state.last_key)
    assert needs_full_recompute(donations[-1], state.last_key)  # the same donation again
    assert not needs_full_recompute(don(99, 100), state.last_key)
    assert not needs_full_recompute(donations[0], None)


def test_state_from_matches_needs_the_donations():
    with pytest.raises(ValueError, match="不在"):
        MatchState.from_matches([MatchResult(1, 5, 100, Limit.RATIO)], {}, [])


def test_refunded_donation_is_as_if_never_made():
    donations, programmes = xiling()
    # d2 (B, 300 000) refunded: d3 now gets the province's full 20 000 (room 40 000).
    without = compute_matches([d for d in donations if d.id != 2], programmes)
    province = {r.donation_id: r.amount_fen for r in without if r.programme_id == 1}
    assert province[3] == 20_000
    assert province[4] == 5_000  # 50 000 − 30 000 = 20 000 room ≥ 5 000


# --- realised ratio ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("public", "matched", "expected"),
    [
        (0, 0, "0.0000"),
        (0, 5, "0.0000"),  # nothing donated: no ratio to speak of
        (3, 1, "0.3333"),
        (3, 2, "0.6667"),
        (20_000, 1, "0.0001"),  # 0.00005 rounds half up
        (10_000, 2_500, "0.2500"),
        (100, 150, "1.5000"),
    ],
)
def test_realised_ratio(public, matched, expected):
    assert realised_ratio(public, matched) == Decimal(expected)
    assert str(realised_ratio(public, matched)) == expected
