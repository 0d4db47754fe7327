"""The `programmes` import kind: ratio spellings, blank caps, the date-only end rule, project
scope, re-imports, and the recompute a new or changed programme triggers."""

import datetime as dt
from decimal import Decimal

import pytest
import sqlalchemy as sa

from tests.factories import make_donation, make_fund, make_project
from tests.fund_fixtures import PROGRAMME_HEADER, at, messages, run, write_xlsx
from volunteer.errors import NotAllowed
from volunteer.funds.importers_money import read_ratio
from volunteer.funds.programme_models import Match, MatchingProgramme, SponsorLevel


@pytest.fixture
def funded(district, dbsession):
    district["fund"] = make_fund(dbsession, district["community11"], code="F-11")
    district["p1"] = make_project(dbsession, district["fund"], code="P-1")
    district["p2"] = make_project(dbsession, district["fund"], code="P-2")
    return district


def _row(code, ratio, **extra):
    row = {
        "计划编号": code,
        "资助方": extra.get("sponsor", "湖北省慈善总会"),
        "级别": extra.get("level", "省级"),
        "配捐比例": ratio,
        "最低捐赠额(元)": extra.get("minimum", ""),
        "单笔配捐上限(元)": extra.get("donation_cap", ""),
        "单人单项目上限(元)": extra.get("donor_cap", ""),
        "单项目上限(元)": extra.get("project_cap", ""),
        "资金池(元)": extra.get("pool", "100,000"),
        "开始时间": extra.get("start", "2024-01-01"),
        "结束时间": extra.get("end", "2024-12-31"),
        "适用项目": extra.get("projects", ""),
        "优先级": extra.get("priority", ""),
    }
    return [row[h] for h in PROGRAMME_HEADER]


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        ("0.5", "0.5"),
        ("1:0.5", "0.5"),
        ("1：0.2", "0.2"),
        ("50%", "0.5"),
        ("５０％", "0.5"),
        (0.1, "0.1"),
        ("2:1", "0.5"),
        ("1", "1"),
    ],
)
def test_ratio_spellings(cell, expected):
    assert Decimal(read_ratio(cell)) == Decimal(expected)


@pytest.mark.parametrize("cell", ["abc", "-0.5", "0", "1:0", "0:1", "3:1", "0.1234567", "1e-1"])
def test_bad_ratios(cell):
    with pytest.raises(ValueError, match=r"\S"):
        read_ratio(cell)


def test_programme_import_blank_caps_and_end_date_rule(funded, dbsession, tmp_path):
    rows = [
        _row("M-P", "0.1", projects="P-1，P-2", priority=1),
        _row("M-C", "1:0.2", level="市级", sponsor="宜昌市慈善会", donation_cap="15",
             end="2024-06-30 18:00", priority=2),
    ]  # fmt: skip
    path = write_xlsx(tmp_path / "m.xlsx", PROGRAMME_HEADER, rows)
    summary = run(dbsession, funded["vault"], path, "programmes")
    assert messages(summary) == []
    assert summary.created == 2
    province = dbsession.scalar(sa.select(MatchingProgramme).where(MatchingProgramme.code == "M-P"))
    assert province.per_donation_cap_fen is None
    assert province.per_donor_project_cap_fen is None
    assert province.per_project_cap_fen is None
    assert province.starts_at == at(2024, 1, 1)
    # A date-only end includes the whole day: the window closes at the next midnight.
    assert province.ends_at == at(2025, 1, 1)
    assert [p.code for p in province.projects] == ["P-1", "P-2"]
    city = dbsession.scalar(sa.select(MatchingProgramme).where(MatchingProgramme.code == "M-C"))
    assert (city.level, city.ratio, city.per_donation_cap_fen) == (SponsorLevel.CITY, "0.2", 1500)
    assert city.ends_at == at(2024, 6, 30, 18, 0)
    again = run(dbsession, funded["vault"], path, "programmes")
    assert (again.created, again.updated, again.unchanged) == (0, 0, 2)


def test_programme_import_recomputes_matches(funded, dbsession, tmp_path):
    make_donation(dbsession, funded["p1"], amount_fen=10_000, receipt="D1")
    make_donation(dbsession, funded["p2"], amount_fen=30_000, minutes=5, receipt="D2")
    rows = [_row("M-P", "0.1", projects="P-1")]
    path = write_xlsx(tmp_path / "m.xlsx", PROGRAMME_HEADER, rows)
    assert run(dbsession, funded["vault"], path, "programmes").committed
    amounts = dbsession.execute(sa.select(Match.amount_fen).order_by(Match.id)).scalars().all()
    assert amounts == [1_000]
    rows = [_row("M-P", "0.2", projects="P-1、P-2", donation_cap="50")]
    summary = run(
        dbsession,
        funded["vault"],
        write_xlsx(tmp_path / "m2.xlsx", PROGRAMME_HEADER, rows),
        "programmes",
    )
    assert (summary.updated, summary.committed) == (1, True)
    matches = dbsession.execute(
        sa.select(Match.amount_fen, Match.binding_limit).order_by(Match.donation_id)
    ).all()
    assert [(a, str(limit)) for a, limit in matches] == [(2_000, "ratio"), (5_000, "donation_cap")]


def test_programme_import_row_errors(funded, dbsession, tmp_path):
    rows = [
        _row("M-1", "abc"),
        _row("M-2", "0.5", projects="P-1,P-404"),
        _row("M-3", "0.5", start="2024-05-01", end="2024-04-01"),
        _row("M-4", "0.5", level="乡级"),
        _row("M-5", "0.5", pool="1.005"),
    ]
    summary = run(
        dbsession,
        funded["vault"],
        write_xlsx(tmp_path / "m.xlsx", PROGRAMME_HEADER, rows),
        "programmes",
    )
    assert messages(summary) == [
        (2, "配捐比例", "配捐比例应为小数（0.5）、比例（1:0.5）或百分数（50%）"),
        (3, "适用项目", "项目编号「P-404」不存在"),
        (4, "结束时间", "结束时间必须晚于开始时间"),
        (5, "级别", "只能填写以下之一：省级、市级、区级、企业"),
        (6, "资金池(元)", "金额最多两位小数（精确到分）"),
    ]


def test_programme_import_needs_matching_manage(funded, dbsession, tmp_path):
    path = write_xlsx(tmp_path / "m.xlsx", PROGRAMME_HEADER, [_row("M-1", "0.5")])
    with pytest.raises(NotAllowed):
        run(dbsession, funded["vault"], path, "programmes", user=funded["users"]["street1"])
    summary = run(dbsession, funded["vault"], path, "programmes", user=funded["users"]["district"])
    assert summary.committed


def test_end_exactly_at_a_clock_time_is_exclusive(funded, dbsession, tmp_path):
    start = dt.datetime(2024, 4, 8)  # noqa: DTZ001 - a cell holds wall-clock time
    rows = [_row("M-1", "0.5", start=start, end="2024-04-08 10:00")]
    path = write_xlsx(tmp_path / "m.xlsx", PROGRAMME_HEADER, rows)
    assert run(dbsession, funded["vault"], path, "programmes").committed
    make_donation(dbsession, funded["p1"], amount_fen=10_000, receipt="ON-THE-HOUR")
    assert dbsession.scalar(sa.select(sa.func.count(Match.id))) == 0
