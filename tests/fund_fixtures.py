"""Helpers for the funds import and report tests: spreadsheets written on the fly, import
contexts acting as a user, and a committed database plus ini for console-command tests
(the CLI opens its own connection, so it cannot see the doomed test transaction)."""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import re

import alembic.command
import alembic.config
import sqlalchemy as sa
from openpyxl import Workbook

from volunteer.audit import AuditLog
from volunteer.authz import SYSTEM_SCOPE
from volunteer.db import today_local
from volunteer.spreadsheets.import_run import run_import
from volunteer.spreadsheets.importing import ImportContext

HERE = os.path.dirname(__file__)
INI = os.path.join(HERE, "..", "development.ini")

DONATION_HEADER = [
    "收据编号",
    "捐赠人",
    "捐赠人标识",
    "是否匿名",
    "金额(元)",
    "捐赠时间",
    "项目编号",
    "渠道",
    "备注",
]
PROGRAMME_HEADER = [
    "计划编号",
    "资助方",
    "级别",
    "配捐比例",
    "最低捐赠额(元)",
    "单笔配捐上限(元)",
    "单人单项目上限(元)",
    "单项目上限(元)",
    "资金池(元)",
    "开始时间",
    "结束时间",
    "适用项目",
    "优先级",
]


def write_xlsx(path, header, rows, title_rows=()) -> str:
    workbook = Workbook()
    sheet = workbook.active
    for title in title_rows:
        sheet.append([title])
    sheet.append(list(header))
    for row in rows:
        sheet.append(list(row))
    workbook.save(path)
    return str(path)


def import_ctx(dbsession, vault, user=None) -> ImportContext:
    scope = user.scope if user is not None else SYSTEM_SCOPE
    audit = AuditLog(dbsession, user.id if user else None, user.username if user else "system")
    return ImportContext(
        dbsession,
        scope,
        audit,
        vault,
        {},
        today_local(),
        user.id if user else None,
        user.username if user else "system",
    )


def run(dbsession, vault, path, kind, user=None, dry_run=False):
    return run_import(import_ctx(dbsession, vault, user), path, kind, dry_run=dry_run)


def messages(summary) -> list[tuple[int, str, str]]:
    return [(e.row, e.column, e.message) for e in summary.errors]


# --- a committed database for console commands -----------------------------------------------


def _cli_url(tmp_path) -> str:
    base = os.environ.get("VOLUNTEER_TEST_DB_URL")
    if not base:
        return f"sqlite:///{tmp_path}/cli.sqlite"
    url = sa.engine.make_url(base)
    name = f"{url.database}_cli"
    admin = sa.create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return url.set(database=name).render_as_string(hide_password=False)


@contextlib.contextmanager
def cli_database(tmp_path):
    """(ini path, engine) of a fresh migrated database; the caller seeds it and commits."""
    url = _cli_url(tmp_path)
    with open(INI, encoding="utf-8") as f:
        text = f.read()
    text = re.sub(r"(?m)^sqlalchemy\.url = .*$", f"sqlalchemy.url = {url}", text)
    ini = os.path.join(tmp_path, "cli.ini")
    with open(ini, "w", encoding="utf-8") as f:
        f.write(text.replace("%(here)s", os.path.dirname(os.path.abspath(INI))))
    config = alembic.config.Config(ini)
    config.set_main_option("skip_logging_setup", "true")
    engine = sa.create_engine(url)
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        alembic.command.upgrade(config, "heads")
    try:
        yield ini, engine
    finally:
        engine.dispose()


def at(*parts) -> dt.datetime:
    """A Shanghai wall-clock time as an aware UTC datetime."""
    local = dt.datetime(*parts, tzinfo=dt.timezone(dt.timedelta(hours=8)))
    return local.astimezone(dt.UTC)


# --- a hand-computed scenario ------------------------------------------------------------------

PROVINCE = "湖北省慈善总会"
CITY = "宜昌市慈善会"


def stacked_scenario(dbsession) -> dict:
    """Two stacked programmes on fund F-11 (restricted), every limit binding once.

    Province M-P: ratio 0.1, 5 yuan per donation, pool 20 yuan, priority 1.
    City M-C: ratio 0.2, 30 yuan per donor per project, 50 yuan per project, priority 2.
    Donations on 2024-04-08 (Shanghai), minutes after 10:00, fen:
      D1 +0  10,000 p1 donor A   province   500 donation_cap   city 2,000 ratio
      D6 +1  10,000 p1 donor D   refunded: as if never made
      D2 +2  20,000 p1 donor A   province   500 donation_cap   city 1,000 donor_cap
      D3 +3  30,000 p1 donor B   province   500 donation_cap   city 2,000 project_cap
      D4 +4   5,000 p1 donor C   province   500 ratio          city     0 project_cap
      D5 +5   1,000 p2 no key    province     0 pool           city   200 ratio
    Then the province programme is settled (2,000 receivable) and 300 yuan is disbursed."""
    from tests.factories import (
        funds_services,
        make_district,
        make_donation,
        make_fund,
        make_programme,
        make_project,
        make_user,
    )
    from volunteer.authz import Role
    from volunteer.funds.disbursements import DisbursementInput
    from volunteer.funds.models import ExpenseClass
    from volunteer.funds.programme_models import SponsorLevel

    tree = make_district(dbsession)
    tree["fund"] = make_fund(dbsession, tree["community11"], code="F-11", agreement_no="XY-1")
    tree["p1"] = make_project(dbsession, tree["fund"], code="P-1")
    tree["p2"] = make_project(dbsession, tree["fund"], code="P-2", name="儿童之家")
    tree["province"] = make_programme(
        dbsession, code="M-P", ratio="0.1", pool_fen=2_000, per_donation_cap_fen=500,
        priority=1, sponsor=PROVINCE, level=SponsorLevel.PROVINCE,
    )  # fmt: skip
    tree["city"] = make_programme(
        dbsession, code="M-C", ratio="0.2", pool_fen=1_000_000, per_donor_project_cap_fen=3_000,
        per_project_cap_fen=5_000, priority=2, sponsor=CITY, level=SponsorLevel.CITY,
    )  # fmt: skip
    gifts = [
        ("D1", 0, 10_000, "p1", "A"), ("D6", 1, 10_000, "p1", "D"), ("D2", 2, 20_000, "p1", "A"),
        ("D3", 3, 30_000, "p1", "B"), ("D4", 4, 5_000, "p1", "C"), ("D5", 5, 1_000, "p2", None),
    ]  # fmt: skip
    donations = {}
    for receipt, minutes, amount, project, donor in gifts:
        donations[receipt] = make_donation(
            dbsession, tree[project], amount_fen=amount, minutes=minutes, receipt=receipt,
            donor_key=donor, donor_name=f"捐赠人{donor or receipt}", anonymous=receipt == "D3",
        )  # fmt: skip
    tree["donations"] = donations
    services = funds_services(dbsession)
    services["donations"].refund(donations["D6"], "捐赠人申请退款")
    services["programmes"].settle(tree["province"])
    maker = make_user(dbsession, "maker", Role.DISTRICT_STAFF)
    checker = make_user(dbsession, "checker", Role.DISTRICT_STAFF)
    request = funds_services(dbsession, maker)["disbursements"].request(
        DisbursementInput(
            fund_id=tree["fund"].id, amount_fen=30_000, expense_class=ExpenseClass.ELDERLY,
            purpose="助老餐费", project_id=tree["p1"].id, voucher_no="PZ-001",
        )
    )  # fmt: skip
    funds_services(dbsession, checker)["disbursements"].approve(request, "同意")
    tree["disbursement"] = request
    return tree
