"""Database fixtures for the funds service tests: the small district of tests/factories with a
restricted fund, two projects in street 1 and one in street 2."""

import pytest

from tests.factories import make_district, make_fund, make_project


@pytest.fixture
def tree(dbsession):
    tree = make_district(dbsession)
    tree["fund"] = make_fund(dbsession, tree["community11"], code="F-11")
    tree["fund2"] = make_fund(dbsession, tree["community21"], code="F-21", restricted=False)
    tree["p1"] = make_project(dbsession, tree["fund"], code="P-1")
    tree["p2"] = make_project(dbsession, tree["fund"], code="P-2")
    tree["p3"] = make_project(dbsession, tree["fund2"], code="P-3")
    return tree
