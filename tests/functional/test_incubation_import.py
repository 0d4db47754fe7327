"""The `proposals` import kind through the console contract: drafts created once, messy amounts
refused, organisations outside the call's area refused, nothing written on any error."""

import json

import openpyxl
import sqlalchemy as sa

from tests.unit.incubation.factories import make_call
from volunteer.audit import AuditLog
from volunteer.authz import SYSTEM_SCOPE
from volunteer.db import today_local
from volunteer.incubation.models import Proposal
from volunteer.spreadsheets.import_run import run_import
from volunteer.spreadsheets.importing import ImportContext


def _file(tmp_path, rows):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["序号", "创投活动", "申报组织", "项目名称", "申请金额（元）", "项目简介"])
    for i, row in enumerate(rows, start=1):
        ws.append([i, *row])
    path = tmp_path / "proposals.xlsx"
    wb.save(path)
    return path


def _run(dbsession, app, path, **kw):
    ctx = ImportContext(
        dbsession,
        SYSTEM_SCOPE,
        AuditLog(dbsession, None, "system"),
        app.registry["pii_vault"],
        app.registry.settings,
        today_local(),
    )
    return run_import(ctx, path, "proposals", **kw)


def test_proposals_import_creates_drafts_once(district, dbsession, app, tmp_path):
    call = make_call(dbsession, district["district"], name="2026年度社区公益创投")
    path = _file(
        tmp_path, [(call.name, district["team1"].name, "邻里守望", "¥50,000.00", "探访独居老人")]
    )
    first = _run(dbsession, app, path)
    assert (first.created, first.errors, first.committed) == (1, [], True)
    proposal = dbsession.scalar(sa.select(Proposal))
    assert proposal.requested_fen == 5_000_000
    assert proposal.state.value == "draft"
    again = _run(dbsession, app, path)
    assert (again.created, again.unchanged, again.batch_id) == (0, 1, None)


def test_bad_rows_are_reported_and_nothing_is_written(district, dbsession, app, tmp_path):
    call = make_call(dbsession, district["street1"], name="一街道创投")
    path = _file(
        tmp_path,
        [
            (call.name, district["team1"].name, "好项目", "1000", ""),
            (call.name, district["team2"].name, "别的街道", "1000", ""),
            (call.name, district["team1"].name, "三位小数", "1.005", ""),
            ("没有这个活动", district["team1"].name, "x", "10", ""),
        ],
    )
    summary = _run(dbsession, app, path)
    messages = {e.row: e.message for e in summary.errors}
    assert "服务范围" in messages[3]
    assert "两位小数" in messages[4]
    assert "不存在" in messages[5]
    assert summary.committed is False
    assert json.loads(json.dumps(summary.as_json()))["errors"][0]["row"] == 3
