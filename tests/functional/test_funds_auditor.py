"""Auditors read everything financial and change nothing: every funds page and API read is
open to them, every write route answers 403."""

import pytest

from tests.factories import login, make_fund_world

WRITES = [
    ("funds.lock", "fund"),
    ("funds.disbursements.new", "fund"),
    ("funds.project.donate", "project"),
    ("funds.donation.refund", "donation"),
    ("funds.programme.edit", "programme"),
    ("funds.programme.settle", "programme"),
    ("funds.disbursement.approve", "disbursement"),
    ("funds.disbursement.reject", "disbursement"),
    ("funds.api.donation.refund", "donation"),
    ("funds.api.programme.settle", "programme"),
    ("funds.programmes.new", None),
    ("funds.api.donations", None),
    ("funds.api.programmes", None),
]
READS = [
    ("funds.list", None),
    ("funds.detail", "fund"),
    ("funds.verify", "fund"),
    ("funds.project", "project"),
    ("funds.donation", "donation"),
    ("funds.programmes", None),
    ("funds.programme", "programme"),
    ("funds.disbursement", "disbursement"),
    ("funds.api.funds", None),
    ("funds.api.fund", "fund"),
    ("funds.api.project", "project"),
    ("funds.api.donation", "donation"),
    ("funds.api.programmes", None),
    ("funds.api.programme", "programme"),
]


@pytest.fixture
def world(district, dbsession):
    return make_fund_world(dbsession, district["community21"], "AU")


def _path(app, route, world, kind):
    return app.routes_mapper.get_route(route).generate({"id": world[kind].id} if kind else {})


@pytest.mark.parametrize(("route", "kind"), WRITES)
def test_auditor_writes_are_refused(testapp, app, world, route, kind):
    login(testapp, "auditor")
    response = testapp.post(
        _path(app, route, world, kind),
        {"csrf_token": testapp.cookies["csrf_token"]},
        headers={"X-CSRF-Token": testapp.cookies["csrf_token"]},
        expect_errors=True,
    )
    assert response.status_int == 403


@pytest.mark.parametrize(("route", "kind"), READS)
def test_auditor_reads_everything(testapp, app, world, route, kind):
    login(testapp, "auditor")
    testapp.get(_path(app, route, world, kind), status=200)


def test_every_funds_route_is_listed(app):
    routes = {r.name for r in app.routes_mapper.get_routes() if r.name.startswith("funds.")}
    assert routes == {name for name, _ in WRITES + READS}
