"""The matching report against hand-computed stacked matches (see `stacked_scenario`)."""

import pytest

from tests.fund_fixtures import stacked_scenario
from volunteer.audit import AuditLog
from volunteer.authz import SYSTEM_SCOPE
from volunteer.errors import NotFound, ValidationFailed
from volunteer.reports.registry import ReportParams, run_report


def _report(dbsession, **kwargs):
    params = ReportParams(
        dbsession=dbsession,
        scope=kwargs.pop("scope", SYSTEM_SCOPE),
        audit=AuditLog(dbsession, None, "system"),
        actor_name="system",
        **kwargs,
    )
    return run_report("matching", params)[1]


@pytest.fixture
def scenario(dbsession):
    return stacked_scenario(dbsession)


def test_province_programme(dbsession, scenario):
    data = _report(dbsession, programme="M-P").data
    assert data == {
        "programme": "M-P",
        "total_matched_fen": 2_000,
        "pool_remaining_fen": 0,
        "projects": [
            {"project": "P-1", "donations_fen": 65_000, "matched_fen": 2_000},
            {"project": "P-2", "donations_fen": 1_000, "matched_fen": 0},
        ],
        "matches": [
            {"receipt_no": "D1", "matched_fen": 500, "limit": "donation_cap", "status": "settled"},
            {"receipt_no": "D2", "matched_fen": 500, "limit": "donation_cap", "status": "settled"},
            {"receipt_no": "D3", "matched_fen": 500, "limit": "donation_cap", "status": "settled"},
            {"receipt_no": "D4", "matched_fen": 500, "limit": "ratio", "status": "settled"},
            {"receipt_no": "D5", "matched_fen": 0, "limit": "pool", "status": "settled"},
        ],
    }


def test_city_programme_stacked(dbsession, scenario):
    data = _report(dbsession, programme="M-C").data
    assert (data["total_matched_fen"], data["pool_remaining_fen"]) == (5_200, 994_800)
    assert data["projects"] == [
        {"project": "P-1", "donations_fen": 65_000, "matched_fen": 5_000},
        {"project": "P-2", "donations_fen": 1_000, "matched_fen": 200},
    ]
    assert [(m["receipt_no"], m["matched_fen"], m["limit"]) for m in data["matches"]] == [
        ("D1", 2_000, "ratio"),
        ("D2", 1_000, "donor_cap"),
        ("D3", 2_000, "project_cap"),
        ("D4", 0, "project_cap"),
        ("D5", 200, "ratio"),
    ]
    assert {m["status"] for m in data["matches"]} == {"provisional"}


def test_matching_sheets_hold_the_same_content(dbsession, scenario):
    sheets = _report(dbsession, programme="M-C").sheets()
    assert [s.title for s in sheets] == ["概况", "按项目", "配捐明细"]
    rows = list(sheets[2].rows)
    assert [r[0] for r in rows] == ["D1", "D2", "D3", "D4", "D5"]
    assert str(rows[1][4]) == "10.00"
    assert rows[1][5] == "单人单项目上限"


def test_unknown_programme_and_missing_parameter(dbsession, scenario):
    with pytest.raises(NotFound):
        _report(dbsession, programme="NOPE")
    with pytest.raises(ValidationFailed):
        _report(dbsession)
