"""The recompute property at the service level: donations recorded one by one in any order
(appends and back-dated replays), with refunds in between, leave exactly the matches that a
recompute from scratch writes. Each example uses its own fund, projects and programmes, so
examples share the test's transaction without seeing each other."""

import datetime as dt
import itertools

import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.factories import funds_services, make_fund, make_programme, make_project
from volunteer.funds.donations import DonationInput
from volunteer.funds.matches import MatchingService
from volunteer.funds.programme_models import Match, ProjectTally

T0 = dt.datetime(2024, 4, 8, 2, 0, tzinfo=dt.UTC)
_example = itertools.count(1)

optional_cap = st.none() | st.sampled_from([0, 50_00, 120_00, 300_00])
programme_specs = st.fixed_dictionaries(
    {
        "ratio": st.sampled_from(["0.1", "0.25", "0.5", "1", "2"]),
        "pool_fen": st.sampled_from([100_00, 400_00, 2_000_00]),
        "per_donation_cap_fen": optional_cap,
        "per_donor_project_cap_fen": optional_cap,
        "per_project_cap_fen": optional_cap,
        "min_donation_fen": st.sampled_from([0, 10_00]),
        "priority": st.integers(0, 2),
    }
)
donation_specs = st.lists(
    st.tuples(
        st.integers(0, 20),  # minute
        st.sampled_from([5_00, 10_00, 99_99, 100_00, 250_00]),
        st.integers(0, 1),  # project
        st.sampled_from([None, "a", "b"]),  # donor key
        st.booleans(),  # refunded later
    ),
    min_size=1,
    max_size=12,
)


@settings(
    max_examples=12,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(programmes=st.lists(programme_specs, min_size=1, max_size=3), donations=donation_specs)
def test_recorded_in_any_order_equals_recompute(dbsession, tree, programmes, donations):
    n = next(_example)
    fund = make_fund(dbsession, tree["community12"], code=f"HF{n}", name=f"测试基金{n}")
    projects = [make_project(dbsession, fund, code=f"HP{n}-{i}") for i in range(2)]
    created = [
        make_programme(dbsession, f"H{n}-{i}", project_ids=[p.id for p in projects], **spec)
        for i, spec in enumerate(programmes)
    ]
    service = funds_services(dbsession)["donations"]
    recorded = []
    for i, (minute, amount, project, donor, refund) in enumerate(donations):
        donation = service.record(
            DonationInput(
                receipt_no=f"H{n}-{i:03d}",
                donor_name="测试",
                amount_fen=amount,
                received_at=T0 + dt.timedelta(minutes=minute),
                project_id=projects[project].id,
                donor_key=donor,
            )
        )
        recorded.append((donation, refund))
        # Refund some donations as soon as the next one has been recorded.
        if i and recorded[i - 1][1]:
            service.refund(recorded[i - 1][0], "测试退款")
    ids = [p.id for p in created]
    incremental = _matches(dbsession, ids)
    assert _project_tallies(dbsession, ids) == _project_sums(dbsession, ids)
    MatchingService(dbsession).recompute(created)
    assert _matches(dbsession, ids) == incremental


def _matches(dbsession, programme_ids):
    return sorted(
        dbsession.execute(
            sa.select(
                Match.programme_id, Match.donation_id, Match.amount_fen, Match.binding_limit
            ).where(Match.programme_id.in_(programme_ids))
        ).all()
    )


def _project_tallies(dbsession, programme_ids):
    rows = dbsession.execute(
        sa.select(
            ProjectTally.programme_id, ProjectTally.project_id, ProjectTally.matched_fen
        ).where(ProjectTally.programme_id.in_(programme_ids))
    ).all()
    return {(p, j): total for p, j, total in rows if total}


def _project_sums(dbsession, programme_ids):
    rows = dbsession.execute(
        sa.select(Match.programme_id, Match.project_id, sa.func.sum(Match.amount_fen))
        .where(Match.programme_id.in_(programme_ids))
        .group_by(Match.programme_id, Match.project_id)
    ).all()
    return {(p, j): total for p, j, total in rows if total}
