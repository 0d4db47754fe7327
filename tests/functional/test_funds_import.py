"""The funds, projects and donations import kinds: messy headers and amounts, row messages in
the user's words, idempotent re-imports, scoping and permissions."""

import datetime as dt

import pytest
import sqlalchemy as sa

from tests.factories import make_fund, make_programme, make_project
from tests.fund_fixtures import DONATION_HEADER, messages, run, write_xlsx
from volunteer.errors import NotAllowed
from volunteer.funds.models import Donation, Fund, Project
from volunteer.funds.programme_models import Match


@pytest.fixture
def funded(district, dbsession):
    district["fund"] = make_fund(dbsession, district["community11"], code="F-11")
    district["fund2"] = make_fund(dbsession, district["community21"], code="F-21")
    district["p1"] = make_project(dbsession, district["fund"], code="P-1")
    district["p3"] = make_project(dbsession, district["fund2"], code="P-3")
    return district


def test_funds_import_creates_and_is_idempotent(district, dbsession, tmp_path):
    header = ["基金编号", "基金名称", "托管机构", "社区", "协议编号", "协议日期", "性质", "用途"]
    rows = [
        ["F-A", "", "", "第1-1社区", "XY-001", "2024/3/1", "限定性", "助老"],
        ["F-B", "第二基金", "某慈善会", "第2-1社区", "", dt.date(2024, 3, 2), "非限定性", ""],
    ]
    path = write_xlsx(tmp_path / "funds.xlsx", header, rows, title_rows=["社区基金登记表"])
    summary = run(dbsession, district["vault"], path, "funds")
    assert messages(summary) == []
    assert (summary.created, summary.committed) == (2, True)
    fund = dbsession.scalar(sa.select(Fund).where(Fund.code == "F-A"))
    assert fund.name == "宜昌市西陵区慈善会第1-1社区慈善基金"
    assert fund.restricted
    assert fund.agreement_date == dt.date(2024, 3, 1)
    other = dbsession.scalar(sa.select(Fund).where(Fund.code == "F-B"))
    assert (other.name, other.host, other.restricted) == ("第二基金", "某慈善会", False)
    again = run(dbsession, district["vault"], path, "funds")
    assert (again.created, again.updated, again.unchanged) == (0, 0, 2)
    rows[0][7] = "助老助残"
    rows[1][6] = "限定性"
    changed = run(
        dbsession, district["vault"], write_xlsx(tmp_path / "f2.xlsx", header, rows), "funds"
    )
    assert messages(changed) == [(3, "性质", "已登记的基金不能通过导入修改名称、社区或性质")]


def test_funds_import_scoped_to_the_street(district, dbsession, tmp_path):
    header = ["基金编号", "社区(村)", "性质(限定性/非限定性)"]
    rows = [["F-X", "第1-1社区", ""], ["F-Y", "第2-1社区", ""], ["F-Z", "无此社区", ""]]
    path = write_xlsx(tmp_path / "funds.xlsx", header, rows)
    summary = run(dbsession, district["vault"], path, "funds", user=district["users"]["street1"])
    assert messages(summary) == [
        (3, "社区(村)", "不在您的管辖范围内"),
        (4, "社区(村)", "没有社区「无此社区」（请先导入区域，或核对名称）"),
    ]
    assert not summary.committed


def test_projects_import(funded, dbsession, tmp_path):
    header = ["项目编号", "项目名称", "基金编号", "社区", "目标金额（元）", "开始日期", "结束日期"]
    rows = [
        ["P-A", "助老餐桌", "F-11", "", "50,000.00", "2024-01-01", "2024-12-31"],
        ["P-B", "儿童之家", "F-11", "第1-2社区", "¥8000", "", ""],
        ["P-C", "错误项目", "F-99", "", "1.005", "", ""],
        ["P-D", "日期颠倒", "F-11", "", "", "2024-05-01", "2024-04-01"],
    ]
    summary = run(
        dbsession, funded["vault"], write_xlsx(tmp_path / "p.xlsx", header, rows), "projects"
    )
    assert messages(summary) == [
        (4, "目标金额（元）", "金额最多两位小数（精确到分）"),
        (5, "结束日期", "结束日期不能早于开始日期"),
    ]
    rows[2][2:5] = ["F-99", "", "100"]
    summary = run(
        dbsession, funded["vault"], write_xlsx(tmp_path / "p.xlsx", header, rows), "projects"
    )
    assert messages(summary)[0] == (4, "基金编号", "基金编号「F-99」不存在")
    del rows[2:]
    summary = run(
        dbsession, funded["vault"], write_xlsx(tmp_path / "p.xlsx", header, rows), "projects"
    )
    assert (summary.created, summary.committed) == (2, True)
    project = dbsession.scalar(sa.select(Project).where(Project.code == "P-A"))
    assert (project.target_fen, project.fund_id) == (5_000_000, funded["fund"].id)
    rows[0][1] = "长者助餐"
    summary = run(
        dbsession, funded["vault"], write_xlsx(tmp_path / "p.xlsx", header, rows), "projects"
    )
    assert (summary.updated, summary.unchanged) == (1, 1)
    dbsession.refresh(project)
    assert project.name == "长者助餐"


def _donation(receipt, amount, when="2024-04-08 10:00", project="P-1", **extra):
    row = {
        "收据编号": receipt,
        "捐赠人": extra.get("donor", "张三"),
        "捐赠人标识": extra.get("key", ""),
        "是否匿名": extra.get("anonymous", "否"),
        "金额(元)": amount,
        "捐赠时间": when,
        "项目编号": project,
        "渠道": "微信",
        "备注": "",
    }
    return [row[h] for h in DONATION_HEADER]


def test_donation_amounts_messy_and_refused(funded, dbsession, tmp_path):
    rows = [
        _donation("R1", "1,000.00"),
        _donation("R2", "¥50"),
        _donation("R3", "1.005"),
        _donation("R4", "-5"),
        _donation("R5", "1e3"),
        _donation("R6", 12.5),
        _donation("R7", "0"),
        _donation("R8", "￥20.5元", donor="", anonymous="是"),
    ]
    path = write_xlsx(tmp_path / "d.xlsx", DONATION_HEADER, rows)
    summary = run(dbsession, funded["vault"], path, "donations")
    assert messages(summary) == [
        (4, "金额(元)", "金额最多两位小数（精确到分）"),
        (5, "金额(元)", "金额不能为负数"),
        (6, "金额(元)", "金额无法识别，请填写数字，如 1000.00"),
        (8, "金额(元)", "捐赠金额必须大于 0"),
    ]
    assert dbsession.scalar(sa.select(sa.func.count(Donation.id))) == 0
    clean = [r for i, r in enumerate(rows) if i not in (2, 3, 4, 6)]
    summary = run(
        dbsession,
        funded["vault"],
        write_xlsx(tmp_path / "ok.xlsx", DONATION_HEADER, clean),
        "donations",
    )
    assert (summary.created, summary.committed) == (4, True)
    amounts = dict(dbsession.execute(sa.select(Donation.receipt_no, Donation.amount_fen)).all())
    assert amounts == {"R1": 100_000, "R2": 5_000, "R6": 1_250, "R8": 2_050}
    anonymous = dbsession.scalar(sa.select(Donation).where(Donation.receipt_no == "R8"))
    assert anonymous.anonymous
    assert anonymous.donor_name == "匿名"
    first = dbsession.scalar(sa.select(Donation).where(Donation.receipt_no == "R1"))
    assert first.received_at == dt.datetime(2024, 4, 8, 2, 0, tzinfo=dt.UTC)


def test_donations_reimport_is_unchanged_and_money_never_updated(funded, dbsession, tmp_path):
    make_programme(dbsession, code="M-1", ratio="0.5")
    rows = [_donation("R1", "100"), _donation("R2", "200", when="2024-04-08 11:00")]
    path = write_xlsx(tmp_path / "d.xlsx", DONATION_HEADER, rows)
    first = run(dbsession, funded["vault"], path, "donations")
    assert (first.created, first.committed) == (2, True)
    assert dbsession.scalar(sa.select(sa.func.sum(Match.amount_fen))) == 15_000
    again = run(dbsession, funded["vault"], path, "donations")
    assert (again.created, again.unchanged, again.batch_id) == (0, 2, None)
    assert dbsession.scalar(sa.select(sa.func.count(Donation.id))) == 2
    assert dbsession.scalar(sa.select(sa.func.count(Match.id))) == 2
    rows[1] = _donation("R2", "250", when="2024-04-08 11:00")
    rows.append(_donation("R3", "10", project="P-404"))
    changed = run(
        dbsession,
        funded["vault"],
        write_xlsx(tmp_path / "c.xlsx", DONATION_HEADER, rows),
        "donations",
    )
    assert messages(changed) == [
        (
            3,
            "金额(元)",
            "该收据编号已登记，金额为 200.00 元；已登记的捐赠不能修改，如需更正请办理退款后重新登记",
        ),
        (4, "项目编号", "项目编号「P-404」不存在"),
    ]


def test_donations_aliases_and_duplicate_receipts(funded, dbsession, tmp_path):
    header = [
        "订单号",
        "捐款人",
        "用户ID",
        "匿名",
        "捐赠金额",
        "支付时间",
        "项目ID",
        "支付方式",
        "说明",
    ]
    when = dt.datetime(2024, 4, 8, 9, 30)  # noqa: DTZ001 - a cell holds wall-clock time
    rows = [
        ["X1", "李四", "u1", "", 100, when, "P-1", "支付宝", ""],
        ["X1", "李四", "u1", "", 100, when, "P-1", "支付宝", ""],
        ["X2", "", "", "", 100, "2099-01-01 00:00", "P-1", "", ""],
    ]
    summary = run(
        dbsession, funded["vault"], write_xlsx(tmp_path / "d.xlsx", header, rows), "donations"
    )
    found = messages(summary)
    assert any(row == 3 and column == "订单号" for row, column, _ in found)
    assert (4, "捐款人", "请填写捐赠人；匿名捐赠请在“是否匿名”填“是”") in found
    assert (4, "支付时间", "捐赠时间不能晚于现在") in found


def test_donations_scoped_and_permission(funded, dbsession, tmp_path):
    rows = [_donation("S1", "10"), _donation("S2", "10", project="P-3")]
    path = write_xlsx(tmp_path / "d.xlsx", DONATION_HEADER, rows)
    summary = run(dbsession, funded["vault"], path, "donations", user=funded["users"]["street1"])
    assert messages(summary) == [(3, "项目编号", "不在您的管辖范围内")]
    with pytest.raises(NotAllowed):
        run(dbsession, funded["vault"], path, "donations", user=funded["users"]["auditor"])
