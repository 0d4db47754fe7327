"""The fund statement reconciled to the fen against hand-computed values (`stacked_scenario`:
76,000 donated on 2024-04-08, 10,000 refunded, the province's 2,000 settled and 30,000
disbursed today), and the auditor's workbook: its sections and its reproducibility."""

import datetime as dt
import hashlib
import io

import pytest
from python_calamine import CalamineWorkbook

from tests.fund_fixtures import CITY, PROVINCE, stacked_scenario
from volunteer.audit import AuditLog
from volunteer.authz import SYSTEM_SCOPE
from volunteer.db import today_local
from volunteer.reports.registry import ReportParams, run_report

DAY = dt.date(2024, 4, 8)


def _report(dbsession, **kwargs):
    params = ReportParams(
        dbsession=dbsession,
        scope=SYSTEM_SCOPE,
        audit=AuditLog(dbsession, None, "system"),
        actor_name=kwargs.pop("actor_name", "审计员甲"),
        fund="F-11",
        **kwargs,
    )
    return run_report("fund-statement", params)[1]


@pytest.fixture
def scenario(dbsession):
    return stacked_scenario(dbsession)


def test_whole_history(dbsession, scenario):
    data = _report(dbsession, date_from=dt.date(2024, 1, 1), date_to=today_local()).data
    assert data["opening_fen"] == 0
    assert data["receipts"] == {
        "donations_fen": 76_000,
        "refunds_fen": 10_000,
        "matches_fen": 2_000,
    }
    assert data["receipts_fen"] == 68_000
    assert data["disbursements_fen"] == 30_000
    assert data["reclassifications_fen"] == 0
    assert data["reclassifications"] == [
        {"from": "restricted", "to": "unrestricted", "amount_fen": 30_000}
    ]
    # 76,000 − 10,000 refunded − 30,000 paid out = 36,000 cash, + 2,000 receivable.
    assert data["closing_fen"] == 38_000
    assert data["check"] == {
        "computed_closing_fen": 38_000,
        "ledger_closing_fen": 38_000,
        "difference_fen": 0,
        "ok": True,
    }
    assert data["matches_by_sponsor"] == [
        {"sponsor": CITY, "level": "city", "posted_fen": 0, "matched_fen": 5_200, "settled_fen": 0},
        {
            "sponsor": PROVINCE,
            "level": "province",
            "posted_fen": 2_000,
            "matched_fen": 2_000,
            "settled_fen": 2_000,
        },
    ]
    assert data["restricted"] == {
        "opening_fen": 0,
        "income_fen": 68_000,
        "released_fen": 30_000,
        "closing_fen": 38_000,
    }


def test_period_after_the_donations(dbsession, scenario):
    data = _report(dbsession, date_from=DAY + dt.timedelta(days=1), date_to=today_local()).data
    assert (data["opening_fen"], data["receipts_fen"], data["closing_fen"]) == (
        76_000,
        -8_000,
        38_000,
    )
    assert data["check"]["ok"]
    assert [s["sponsor"] for s in data["matches_by_sponsor"]] == [PROVINCE]
    assert data["matches_by_sponsor"][0]["matched_fen"] == 0


def test_period_of_the_donations_only(dbsession, scenario):
    data = _report(dbsession, date_from=DAY, date_to=DAY).data
    assert (data["opening_fen"], data["receipts_fen"], data["closing_fen"]) == (0, 76_000, 76_000)
    assert data["check"]["ledger_closing_fen"] == 76_000
    assert data["ledger"]["seq"] == 6
    assert len(data["ledger"]["hash"]) == 64


def _workbook(dbsession, **kwargs) -> bytes:
    result = _report(dbsession, date_from=dt.date(2024, 1, 1), date_to=today_local(), **kwargs)
    buffer = io.BytesIO()
    result.write_xlsx(buffer)
    return buffer.getvalue()


def test_auditor_workbook_sections_and_values(dbsession, scenario, tmp_path):
    path = tmp_path / "report.xlsx"
    path.write_bytes(_workbook(dbsession))
    book = CalamineWorkbook.from_path(str(path))
    assert book.sheet_names == [
        "报告信息", "收支表", "收入分类", "按资助方", "捐赠明细", "配捐明细表", "支出明细",
        "限定性净资产变动", "受托代理",
    ]  # fmt: skip
    header = dict(book.get_sheet_by_name("报告信息").to_python()[1:])
    assert header["基金编号"] == "F-11"
    assert header["生成人"] == "审计员甲"
    statement = dict(book.get_sheet_by_name("收支表").to_python()[1:])
    assert statement["期末余额（账簿）"] == 380.0
    assert statement["核对结果"] == "一致"
    donors = book.get_sheet_by_name("捐赠明细").to_python()
    d3 = next(r for r in donors if r[0] == "D3")
    assert (d3[2], d3[3], d3[4]) == ("匿名", "是", 300.0)
    assert "捐赠人B" not in str(donors)
    schedule = book.get_sheet_by_name("配捐明细表").to_python()
    city_p1 = next(r for r in schedule if r[0] == "P-1" and r[3] == "M-C")
    assert (city_p1[2], city_p1[6], city_p1[7]) == (650.0, 50.0, "0.0769")
    spending = book.get_sheet_by_name("支出明细").to_python()
    assert spending[1][7:10] == ["maker", spending[1][8], "checker"]
    assert spending[1][12] == "PZ-001"


def test_auditor_workbook_is_byte_identical(dbsession, scenario):
    first = _workbook(dbsession)
    second = _workbook(dbsession)
    assert hashlib.sha256(first).hexdigest() == hashlib.sha256(second).hexdigest()
    assert _workbook(dbsession, actor_name="另一人") != first
