"""Matching through the services and the database, with hand-computed figures: every cap, the
stacking order, the window and scope, programme changes, settlement and refunds before and
after it. Amounts in fen; donations at 2024-04-08 10:00 Shanghai plus `minutes`."""

import datetime as dt

import pytest
import sqlalchemy as sa

from tests.factories import funds_services, make_donation, make_programme
from volunteer.errors import Conflict
from volunteer.funds.ledger import balances
from volunteer.funds.ledger_models import EntryKind, LedgerEntry
from volunteer.funds.ledger_rules import Account
from volunteer.funds.ledger_verify import verify_ledger
from volunteer.funds.matches import MatchingService
from volunteer.funds.programme_models import Match, MatchStatus, ProgrammeStatus, ProgrammeTally
from volunteer.funds.programmes import ProgrammeInput


def matches(dbsession, donation):
    """{programme code: (amount, limit, status)} for one donation."""
    from volunteer.funds.programme_models import MatchingProgramme

    rows = dbsession.execute(
        sa.select(MatchingProgramme.code, Match.amount_fen, Match.binding_limit, Match.status)
        .join(Match, Match.programme_id == MatchingProgramme.id)
        .where(Match.donation_id == donation.id)
    )
    return {code: (amount, str(limit), str(status)) for code, amount, limit, status in rows}


def all_matches(dbsession):
    return sorted(
        dbsession.execute(
            sa.select(Match.programme_id, Match.donation_id, Match.amount_fen, Match.binding_limit)
        )
    )


def test_ratio_floors_on_the_donation_alone(dbsession, tree):
    make_programme(dbsession, "A", ratio="0.5")
    d = make_donation(dbsession, tree["p1"], 100_01)
    assert matches(dbsession, d) == {"A": (50_00, "ratio", "provisional")}


def test_per_donation_cap(dbsession, tree):
    make_programme(dbsession, "A", ratio="1", per_donation_cap_fen=50_00)
    d = make_donation(dbsession, tree["p1"], 100_00)
    assert matches(dbsession, d)["A"][:2] == (50_00, "donation_cap")


def test_per_donor_per_project_cap(dbsession, tree):
    make_programme(dbsession, "A", ratio="1", per_donor_project_cap_fen=150_00)
    first = make_donation(dbsession, tree["p1"], 100_00, 1, donor_key="wx:1")
    second = make_donation(dbsession, tree["p1"], 100_00, 2, donor_key="wx:1")
    third = make_donation(dbsession, tree["p1"], 100_00, 3, donor_key="wx:1")
    other_project = make_donation(dbsession, tree["p2"], 100_00, 4, donor_key="wx:1")
    keyless = make_donation(dbsession, tree["p1"], 100_00, 5)
    assert matches(dbsession, first)["A"][:2] == (100_00, "ratio")
    assert matches(dbsession, second)["A"][:2] == (50_00, "donor_cap")
    assert matches(dbsession, third)["A"][:2] == (0, "donor_cap")
    assert matches(dbsession, other_project)["A"][:2] == (100_00, "ratio")
    assert matches(dbsession, keyless)["A"][:2] == (100_00, "ratio")


def test_per_project_cap(dbsession, tree):
    make_programme(dbsession, "A", ratio="1", per_project_cap_fen=120_00)
    a = make_donation(dbsession, tree["p1"], 100_00, 1, donor_key="a")
    b = make_donation(dbsession, tree["p1"], 100_00, 2, donor_key="b")
    c = make_donation(dbsession, tree["p1"], 100_00, 3, donor_key="c")
    d = make_donation(dbsession, tree["p2"], 100_00, 4, donor_key="c")
    assert [matches(dbsession, x)["A"][:2] for x in (a, b, c, d)] == [
        (100_00, "ratio"),
        (20_00, "project_cap"),
        (0, "project_cap"),
        (100_00, "ratio"),
    ]


def test_pool(dbsession, tree):
    programme = make_programme(dbsession, "A", ratio="1", pool_fen=150_00)
    a = make_donation(dbsession, tree["p1"], 100_00, 1)
    b = make_donation(dbsession, tree["p2"], 100_00, 2)
    c = make_donation(dbsession, tree["p3"], 100_00, 3)
    assert [matches(dbsession, x)["A"][:2] for x in (a, b, c)] == [
        (100_00, "ratio"),
        (50_00, "pool"),
        (0, "pool"),
    ]
    assert dbsession.get(ProgrammeTally, programme.id).matched_fen == 150_00


def test_minimum_window_and_scope(dbsession, tree):
    opens = dt.datetime(2024, 4, 8, 2, 10, tzinfo=dt.UTC)
    make_programme(
        dbsession,
        "A",
        ratio="1",
        min_donation_fen=10_00,
        starts_at=opens,
        ends_at=opens + dt.timedelta(minutes=10),
        project_ids=[tree["p1"].id],
    )
    make_programme(dbsession, "B", ratio="1", area_ids=[tree["street2"].id])
    before = make_donation(dbsession, tree["p1"], 20_00, 9)
    at_start = make_donation(dbsession, tree["p1"], 20_00, 10)
    too_small = make_donation(dbsession, tree["p1"], 9_99, 11)
    minimum = make_donation(dbsession, tree["p1"], 10_00, 12)
    other_project = make_donation(dbsession, tree["p2"], 20_00, 13)
    at_end = make_donation(dbsession, tree["p1"], 20_00, 20)
    street2 = make_donation(dbsession, tree["p3"], 20_00, 14)
    assert matches(dbsession, before) == {}
    assert matches(dbsession, at_start) == {"A": (20_00, "ratio", "provisional")}
    assert matches(dbsession, too_small) == {}
    assert matches(dbsession, minimum)["A"][0] == 10_00
    assert matches(dbsession, other_project) == {}
    assert matches(dbsession, at_end) == {}
    assert matches(dbsession, street2) == {"B": (20_00, "ratio", "provisional")}


def test_stacking_order_and_base_on_the_donation_alone(dbsession, tree):
    # The city programme is created first but stacks second; its base is 20% of the donation,
    # not of the donation plus the province's match.
    make_programme(dbsession, "CITY", ratio="0.2", priority=2, pool_fen=250_00)
    make_programme(dbsession, "PROV", ratio="0.1", priority=1, per_project_cap_fen=150_00)
    a = make_donation(dbsession, tree["p1"], 1000_00, 1)
    b = make_donation(dbsession, tree["p1"], 1000_00, 2)
    assert matches(dbsession, a) == {
        "PROV": (100_00, "ratio", "provisional"),
        "CITY": (200_00, "ratio", "provisional"),
    }
    assert matches(dbsession, b) == {
        "PROV": (50_00, "project_cap", "provisional"),
        "CITY": (50_00, "pool", "provisional"),
    }


def test_back_dated_donation_replays_and_equals_recompute(dbsession, tree):
    programme = make_programme(dbsession, "A", ratio="1", pool_fen=150_00)
    late = make_donation(dbsession, tree["p1"], 100_00, 30)
    early = make_donation(dbsession, tree["p2"], 100_00, 10)  # sorts before `late`
    assert matches(dbsession, early)["A"][:2] == (100_00, "ratio")
    assert matches(dbsession, late)["A"][:2] == (50_00, "pool")
    incremental = all_matches(dbsession)
    MatchingService(dbsession).recompute([programme])
    assert all_matches(dbsession) == incremental


def test_same_receipt_twice_does_nothing(dbsession, tree):
    make_programme(dbsession, "A", ratio="1")
    d = make_donation(dbsession, tree["p1"], 100_00, 1, receipt="WX-1")
    again = make_donation(dbsession, tree["p1"], 100_00, 1, receipt="WX-1")
    assert again.id == d.id
    assert dbsession.scalar(sa.select(sa.func.count(LedgerEntry.id))) == 1
    assert len(all_matches(dbsession)) == 1
    with pytest.raises(Conflict):
        make_donation(dbsession, tree["p1"], 200_00, 1, receipt="WX-1")


def test_programme_change_recomputes_and_draft_matches_nothing(dbsession, tree):
    programme = make_programme(dbsession, "A", ratio="0.5", status=ProgrammeStatus.DRAFT)
    d = make_donation(dbsession, tree["p1"], 100_00, 1)
    assert matches(dbsession, d) == {}
    service = funds_services(dbsession)["programmes"]
    data = _input_of(programme, ratio="0.2", status=ProgrammeStatus.ACTIVE)
    service.update(programme, data)
    assert matches(dbsession, d)["A"][:2] == (20_00, "ratio")
    with pytest.raises(Conflict):
        service.update(programme, data, version=programme.version - 1)


def _input_of(programme, **changes):
    values = {
        name: getattr(programme, name)
        for name in (
            "code", "name", "sponsor", "level", "ratio", "pool_fen", "starts_at", "ends_at",
            "min_donation_fen", "per_donation_cap_fen", "per_donor_project_cap_fen",
            "per_project_cap_fen", "priority", "status",
        )
    }  # fmt: skip
    values["project_ids"] = [p.id for p in programme.projects]
    values["area_ids"] = [a.id for a in programme.areas]
    values.update(changes)
    return ProgrammeInput(**values)


def test_refund_before_settlement_is_as_if_never_made(dbsession, tree):
    make_programme(dbsession, "A", ratio="1", pool_fen=150_00)
    a = make_donation(dbsession, tree["p1"], 100_00, 1)
    b = make_donation(dbsession, tree["p1"], 100_00, 2)
    assert matches(dbsession, b)["A"][:2] == (50_00, "pool")
    funds_services(dbsession)["donations"].refund(a, "捐赠人申请退款")
    assert matches(dbsession, a) == {}
    assert matches(dbsession, b)["A"][:2] == (100_00, "ratio")
    assert a.flag_refund_after_match
    totals = balances(dbsession, tree["fund"].id)
    assert totals[Account.CASH] == 100_00
    assert totals[Account.DONATION_INCOME_RESTRICTED] == 100_00
    assert totals.get(Account.REFUNDS_PAYABLE, 0) == 0
    with pytest.raises(Conflict):
        funds_services(dbsession)["donations"].refund(a, "再退一次")


def test_settlement_posts_per_fund_and_refund_after_it_claws_back(dbsession, tree):
    programme = make_programme(dbsession, "A", ratio="0.5", sponsor="宜昌市慈善总会")
    a = make_donation(dbsession, tree["p1"], 100_00, 1)
    b = make_donation(dbsession, tree["p2"], 300_00, 2)
    c = make_donation(dbsession, tree["p3"], 200_00, 3)
    entry_ids = funds_services(dbsession)["programmes"].settle(programme)
    assert len(entry_ids) == 2
    assert programme.status is ProgrammeStatus.SETTLED
    assert matches(dbsession, b) == {"A": (150_00, "ratio", "settled")}
    fund_totals = balances(dbsession, tree["fund"].id)
    assert fund_totals[Account.MATCH_RECEIVABLE] == 50_00 + 150_00
    assert fund_totals[Account.MATCH_INCOME_RESTRICTED] == 200_00
    assert balances(dbsession, tree["fund2"].id)[Account.MATCH_INCOME_UNRESTRICTED] == 100_00
    with pytest.raises(Conflict):
        funds_services(dbsession)["programmes"].settle(programme)
    # After settlement: new donations are not matched, refunds are clawed back.
    late = make_donation(dbsession, tree["p1"], 100_00, 4)
    assert matches(dbsession, late) == {}
    funds_services(dbsession)["donations"].refund(a, "重复捐赠")
    assert matches(dbsession, a) == {"A": (50_00, "ratio", "clawed_back")}
    assert matches(dbsession, c)["A"][2] == "settled"
    fund_totals = balances(dbsession, tree["fund"].id)
    assert fund_totals[Account.MATCH_RECEIVABLE] == 150_00
    assert fund_totals[Account.CASH] == 300_00 + 100_00
    clawback = dbsession.scalar(
        sa.select(LedgerEntry).where(LedgerEntry.kind == EntryKind.MATCH_CLAWBACK)
    )
    assert clawback.reverses_entry_id in entry_ids
    assert dbsession.get(Match, _match_id(dbsession, a)).status is MatchStatus.CLAWED_BACK
    assert verify_ledger(dbsession) == []


def _match_id(dbsession, donation):
    return dbsession.scalar(sa.select(Match.id).where(Match.donation_id == donation.id))


def test_flags(dbsession, tree):
    for minute in range(5):
        make_donation(dbsession, tree["p1"], 1_00, minute, donor_key="wx:rapid")
    normal = make_donation(dbsession, tree["p1"], 1_00, 30, donor_key="wx:other")
    related = make_donation(dbsession, tree["p1"], 500_00, 40, related_party=True)
    from volunteer.funds.models import Donation

    flagged = dbsession.scalars(
        sa.select(Donation.donor_key).where(Donation.flag_rapid_small)
    ).all()
    assert flagged == ["wx:rapid"] * 5
    assert not normal.flag_rapid_small
    assert related.flag_related_party
