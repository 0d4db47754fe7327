"""Each record counts once in the daily cap: a stored record the file repeats unchanged, and
rows this import already wrote in an earlier chunk, are not added twice."""

import datetime as dt

import openpyxl
import pytest

from tests.factories import make_record
from volunteer.audit import AuditLog
from volunteer.authz import SYSTEM_SCOPE
from volunteer.db import today_local
from volunteer.spreadsheets import import_run
from volunteer.spreadsheets.import_run import run_import
from volunteer.spreadsheets.importing import ImportContext
from volunteer.volunteers.models import RecordStatus


def _hours_file(tmp_path, volunteer, vault, rows):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["姓名", "证件号码", "活动名称", "所属组织", "服务日期", "服务时长(小时)"])
    number = vault.decrypt(volunteer.id_cipher)
    for activity, organisation, day, hours in rows:
        ws.append([volunteer.name, number, activity, organisation, day.isoformat(), hours])
    path = tmp_path / "hours.xlsx"
    wb.save(path)
    return path


def _import(dbsession, app, path, cap_minutes, **kw):
    settings = {**app.registry.settings, "volunteer.hours.daily_cap_minutes": str(cap_minutes)}
    ctx = ImportContext(
        dbsession,
        SYSTEM_SCOPE,
        AuditLog(dbsession, None, "system"),
        app.registry["pii_vault"],
        settings,
        today_local(),
    )
    return run_import(ctx, path, "hours", **kw)


@pytest.mark.parametrize("dry_run", [True, False])
def test_unchanged_stored_record_counts_once(district, dbsession, app, tmp_path, dry_run):
    v1, a1, team = district["v1"], district["a1"], district["team1"]
    stored = make_record(dbsession, v1, a1, minutes=120, days_ago=2, status=RecordStatus.APPROVED)
    rows = [
        (a1.name, team.name, stored.service_date, 2),
        ("另一活动", team.name, stored.service_date, 2),
    ]
    summary = _import(
        dbsession, app, _hours_file(tmp_path, v1, district["vault"], rows), 300, dry_run=dry_run
    )
    assert summary.errors == []
    assert (summary.unchanged, summary.created) == (1, 1)


def test_rows_written_by_earlier_chunks_count_once(district, dbsession, app, tmp_path, monkeypatch):
    monkeypatch.setattr(import_run, "CHUNK_ROWS", 1)
    v1, team = district["v1"], district["team1"]
    day = today_local() - dt.timedelta(days=3)
    rows = [(f"活动{i}", team.name, day, 2) for i in range(3)]
    summary = _import(dbsession, app, _hours_file(tmp_path, v1, district["vault"], rows), 420)
    assert summary.errors == []
    assert summary.created == 3
    over = _hours_file(tmp_path, v1, district["vault"], [*rows, ("活动3", team.name, day, 2)])
    refused = _import(dbsession, app, over, 420, dry_run=True)
    assert [e.row for e in refused.errors] == [5]
    assert "超过每日上限" in refused.errors[0].message
