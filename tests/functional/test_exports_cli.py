"""volunteer-export through its `main()`: masked by default, `--reveal` only for a permitted
user (audited; refused for street staff with exit 2), and export → volunteer-import of the
exported file changing nothing (roster and service records)."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from openpyxl import load_workbook

from tests.functional import test_imports_cli
from tests.samples_build import PEOPLE, person, sample
from volunteer.audit import AuditEntry
from volunteer.scripts import export_cmd

# The CLI database fixtures, shared by name.
cli_fixture = test_imports_cli.cli_fixture
seeded_db_fixture = test_imports_cli.seeded_db_fixture


def export(cli, kind: str, *options: str) -> tuple[int, list[dict]]:
    path = cli.tmp / f"{kind}.xlsx"
    code = export_cmd.main([cli.ini, "--kind", kind, "-o", str(path), *options])
    if code:
        return code, []
    values = list(load_workbook(path).active.iter_rows(values_only=True))
    return code, [dict(zip(values[0], row, strict=True)) for row in values[1:]]


def actions(cli) -> list[tuple[str, str]]:
    with cli.engine.connect() as conn:
        query = sa.select(AuditEntry.action, AuditEntry.actor_name).where(
            AuditEntry.action.like("export%")
        )
        return [tuple(row) for row in conn.execute(query)]


def test_masked_by_default_and_revealed_only_on_request(cli):
    code, rows = export(cli, "volunteers")
    assert code == 0
    assert len(rows) == len(PEOPLE)
    assert all("*" in r["证件号码"] and "*" in r["手机号"] for r in rows)
    code, rows = export(cli, "volunteers", "--reveal")
    assert code == 0
    assert {r["证件号码"] for r in rows} == {person(i)[1] for i in range(len(PEOPLE))}
    assert actions(cli) == [("export", "system"), ("export.reveal", "system")]


def test_reveal_is_refused_for_street_staff(cli, capsys):
    code, _ = export(cli, "volunteers", "--reveal", "--user", "xiling")
    assert code == 2
    assert "没有导出完整证件号码和手机号的权限" in capsys.readouterr().err
    assert actions(cli) == []
    code, rows = export(cli, "volunteers", "--user", "xiling")
    assert code == 0
    assert {r["街道"] for r in rows} == {"西陵街道"}


def test_records_filtered_by_street_and_period(cli):
    cli.run(sample("hours"), "hours")
    code, rows = export(cli, "hours", "--area", "学院街道", "--from", "2024-04-01")
    assert code == 0
    assert [r["活动名称"] for r in rows] == ["垃圾分类宣传"] * 3


@pytest.mark.parametrize(("kind", "rows"), [("volunteers", len(PEOPLE)), ("hours", 22)])
def test_export_then_import_changes_nothing(cli, kind, rows):
    cli.run(sample("hours"), "hours")
    code, _ = export(cli, kind)
    assert code == 0
    code, out = cli.run(cli.tmp / f"{kind}.xlsx", kind)
    assert code == 0
    assert (out["rows"], out["created"], out["updated"], out["unchanged"]) == (rows, 0, 0, rows)
    assert out["batch_id"] is None
