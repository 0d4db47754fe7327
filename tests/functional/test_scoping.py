"""Area scoping on every route that takes an id: a street officer probing another street's
ids gets 404 (nothing is revealed), and so does organisation staff outside its organisation.

Every id-taking route must appear in TARGETS: a new route without an entry fails this test."""

import pytest

from tests.factories import login, make_record

# route name → (method, how to find the out-of-scope entity in the `district` fixture).
TARGETS = {
    "volunteers.detail": ("GET", lambda d, s: d["v2"].id),
    "volunteers.reveal": ("POST", lambda d, s: d["v2"].id),
    "activities.detail": ("GET", lambda d, s: d["a2"].id),
    "activities.hours": ("POST", lambda d, s: d["a2"].id),
    "records.void": ("POST", lambda d, s: make_record(s, d["v2"], d["a2"]).id),
}


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
