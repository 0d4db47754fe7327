"""Area scoping on every route that takes an id: a street officer probing another street's
ids gets 404 (nothing is revealed), and so does organisation staff outside its organisation.

Every id-taking route must appear in TARGETS: a new route without an entry fails this test."""

import pytest

from tests.factories import login, make_fund_world, make_record
from tests.unit.incubation.factories import make_call, make_case, make_filing, make_proposal
from volunteer.spreadsheets.models import ImportBatch


def _case(d, s):
    return make_case(s, d["team2"]).id


def _filing(d, s):
    return make_filing(s, d["team2"]).id


def _call(d, s):
    return make_call(s, d["street2"]).id


def _proposal(d, s):
    return make_proposal(s, make_call(s, d["district"]), d["team2"]).id


def _street2(d, s):
    """Funds, a project, a donation, a programme and a disbursement of street 2 (built once)."""
    if "funds" not in d:
        d["funds"] = make_fund_world(s, d["community21"], "S2")
    return d["funds"]


def _funds_target(kind):
    return lambda d, s: _street2(d, s)[kind].id


def _batch(d, s):
    batch = ImportBatch(kind="hours", filename="第2街道.xlsx", sha256="0" * 64)
    batch.actor_name, batch.area_path = "street2", d["street2"].path
    s.add(batch)
    s.flush()
    return batch.id


# route name → (method, how to find the out-of-scope entity in the `district` fixture).
TARGETS = {
    "volunteers.detail": ("GET", lambda d, s: d["v2"].id),
    "volunteers.reveal": ("POST", lambda d, s: d["v2"].id),
    "activities.detail": ("GET", lambda d, s: d["a2"].id),
    "activities.hours": ("POST", lambda d, s: d["a2"].id),
    "records.void": ("POST", lambda d, s: make_record(s, d["v2"], d["a2"]).id),
    "imports.batch.revoke": ("POST", _batch),
    "certificates.detail": ("GET", lambda d, s: _certificate(d, s)),
    "funds.detail": ("GET", _funds_target("fund")),
    "funds.lock": ("POST", _funds_target("fund")),
    "funds.verify": ("GET", _funds_target("fund")),
    "funds.disbursements.new": ("GET", _funds_target("fund")),
    "funds.project": ("GET", _funds_target("project")),
    "funds.project.donate": ("GET", _funds_target("project")),
    "funds.donation": ("GET", _funds_target("donation")),
    "funds.donation.refund": ("POST", _funds_target("donation")),
    "funds.programme": ("GET", _funds_target("programme")),
    "funds.programme.edit": ("GET", _funds_target("programme")),
    "funds.programme.settle": ("POST", _funds_target("programme")),
    "funds.disbursement": ("GET", _funds_target("disbursement")),
    "funds.disbursement.approve": ("POST", _funds_target("disbursement")),
    "funds.disbursement.reject": ("POST", _funds_target("disbursement")),
    "funds.api.fund": ("GET", _funds_target("fund")),
    "funds.api.project": ("GET", _funds_target("project")),
    "funds.api.donation": ("GET", _funds_target("donation")),
    "funds.api.donation.refund": ("POST", _funds_target("donation")),
    "funds.api.programme": ("GET", _funds_target("programme")),
    "funds.api.programme.settle": ("POST", _funds_target("programme")),
    "incubation.case": ("GET", _case),
    "incubation.case.advance": ("POST", _case),
    "incubation.case.edit": ("POST", _case),
    "incubation.case.mentors": ("POST", _case),
    "incubation.case.services": ("POST", _case),
    "incubation.case.milestones": ("POST", _case),
    "incubation.organisation": ("GET", lambda d, s: d["team2"].id),
    "incubation.organisation.register": ("POST", lambda d, s: d["team2"].id),
    "incubation.filing": ("GET", _filing),
    "incubation.filing.advance": ("POST", _filing),
    "incubation.filing.report": ("POST", _filing),
    "incubation.call": ("GET", _call),
    "incubation.call.export": ("GET", _call),
    "incubation.call.reviewers": ("POST", _call),
    "incubation.call.shortlist": ("POST", _call),
    "incubation.call.notice": ("POST", _call),
    "incubation.call.apply": ("POST", _call),
    "incubation.proposal": ("GET", _proposal),
    "incubation.proposal.advance": ("POST", _proposal),
    "incubation.proposal.review": ("GET", _proposal),
    "incubation.proposal.conflict": ("POST", _proposal),
    "incubation.proposal.bonus": ("POST", _proposal),
    "incubation.proposal.objection": ("POST", _proposal),
    "incubation.proposal.tranches": ("POST", _proposal),
    "incubation.proposal.tranches.accept": ("POST", _proposal),
    "incubation.proposal.tranches.release": ("POST", _proposal),
    "incubation.proposal.final_report": ("POST", _proposal),
}


def _certificate(d, s):
    from volunteer.audit import AuditLog
    from volunteer.volunteers.certificates import CertificateService
    from volunteer.volunteers.models import RecordStatus

    make_record(s, d["v2"], d["a2"], status=RecordStatus.APPROVED)
    return CertificateService(s, AuditLog(s, None, "test")).issue(d["v2"], None).id


def id_routes(app):
    return sorted(r.name for r in app.routes_mapper.get_routes() if "{id" in r.pattern)


def test_every_id_route_is_covered(app):
    assert set(id_routes(app)) <= set(TARGETS), set(id_routes(app)) - set(TARGETS)


@pytest.mark.parametrize("route", sorted(TARGETS))
@pytest.mark.parametrize("username", ["street1", "org1"])
def test_out_of_scope_ids_are_not_found(testapp, district, dbsession, app, route, username):
    method, target = TARGETS[route]
    entity_id = target(district, dbsession)
    login(testapp, username)
    path = app.routes_mapper.get_route(route).generate({"id": entity_id})
    if method == "GET":
        response = testapp.get(path, expect_errors=True)
    else:
        response = testapp.post(
            path, {"csrf_token": testapp.cookies["csrf_token"]}, expect_errors=True
        )
    assert response.status_int in (403, 404)
    assert response.status_int == 404 or route == "volunteers.reveal"


@pytest.mark.parametrize("route", ["volunteers.detail", "activities.detail"])
def test_in_scope_ids_are_found(testapp, district, app, route):
    entity_id = {"volunteers.detail": district["v1"].id, "activities.detail": district["a1"].id}[
        route
    ]
    login(testapp, "street1")
    testapp.get(app.routes_mapper.get_route(route).generate({"id": entity_id}), status=200)
