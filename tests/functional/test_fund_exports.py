"""The funds exports: donations in the import layout (re-import: unchanged, anonymous names
and donor keys masked), matches in processing order, formula cells neutralised."""

import pytest
from python_calamine import CalamineWorkbook

from tests.fund_fixtures import run, stacked_scenario
from volunteer.audit import AuditLog
from volunteer.authz import SYSTEM_SCOPE
from volunteer.spreadsheets.exporting import ExportFilters, export_workbook


@pytest.fixture
def scenario(dbsession):
    return stacked_scenario(dbsession)


def _export(dbsession, app, path, kind, **filters):
    export_workbook(
        str(path), kind, dbsession=dbsession, scope=SYSTEM_SCOPE, vault=app.registry["pii_vault"],
        audit=AuditLog(dbsession, None, "system"), filters=ExportFilters(**filters),
    )  # fmt: skip
    return CalamineWorkbook.from_path(str(path)).get_sheet_by_index(0).to_python()


def test_donations_export_reimports_unchanged(dbsession, app, scenario, tmp_path):
    path = tmp_path / "donations.xlsx"
    rows = _export(dbsession, app, path, "donations", code="F-11")
    assert [r[0] for r in rows[1:]] == ["D1", "D2", "D3", "D4", "D5"]
    d3 = rows[3]
    assert (d3[1], d3[2], d3[3], d3[4]) == ("匿名", "*", "是", 300.0)
    d1 = rows[1]
    assert (d1[1], d1[2]) == ("捐赠人A", "*")
    summary = run(dbsession, app.registry["pii_vault"], path, "donations")
    assert (summary.unchanged, summary.created, summary.errors) == (5, 0, [])


def test_matches_export(dbsession, app, scenario, tmp_path):
    rows = _export(dbsession, app, tmp_path / "m.xlsx", "matches", code="M-C")
    assert [r[2] for r in rows[1:]] == ["D1", "D2", "D3", "D4", "D5"]
    assert rows[2][6:8] == [10.0, "单人单项目上限"]


def test_formula_text_is_neutralised(dbsession, app, scenario, tmp_path):
    from tests.factories import make_donation

    make_donation(dbsession, scenario["p1"], receipt="F1", minutes=30, donor_name="=HYPERLINK(1)")
    rows = _export(dbsession, app, tmp_path / "d.xlsx", "donations")
    assert rows[-1][1] == "'=HYPERLINK(1)"
