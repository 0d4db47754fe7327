"""Shared functional fixtures: a small district with users for every role."""

import pytest

from tests.factories import make_activity, make_district, make_user, make_volunteer
from volunteer.authz import Role


@pytest.fixture
def district(dbsession, app):
    tree = make_district(dbsession)
    vault = app.registry["pii_vault"]
    tree["vault"] = vault
    tree["v1"] = make_volunteer(
        dbsession, vault, tree["community11"], name="李一", phone="13800000001"
    )
    tree["v2"] = make_volunteer(
        dbsession, vault, tree["community21"], name="王二", phone="13800000002"
    )
    tree["a1"] = make_activity(dbsession, tree["team1"], name="一街道助老")
    tree["a2"] = make_activity(dbsession, tree["team2"], name="二街道环保")
    users = {
        "admin": make_user(dbsession, "admin", Role.ADMIN),
        "district": make_user(dbsession, "district", Role.DISTRICT_STAFF),
        "street1": make_user(dbsession, "street1", Role.STREET_STAFF, area_id=tree["street1"].id),
        "street2": make_user(dbsession, "street2", Role.STREET_STAFF, area_id=tree["street2"].id),
        "org1": make_user(dbsession, "org1", Role.ORG_STAFF, organisation_id=tree["team1"].id),
        "auditor": make_user(dbsession, "auditor", Role.AUDITOR),
        "vol1": make_user(dbsession, "vol1", Role.VOLUNTEER, volunteer_id=tree["v1"].id),
    }
    tree["users"] = users
    return tree
