"""The console contracts: `volunteer-report … matching|fund-statement` JSON shapes and xlsx
files, and `volunteer-import … --kind donations --json`, against a committed database."""

import datetime as dt
import gc
import hashlib
import json

import pytest
from sqlalchemy.orm import Session

from tests.fund_fixtures import DONATION_HEADER, cli_database, stacked_scenario, write_xlsx
from volunteer.db import today_local
from volunteer.scripts import import_cmd, report_cmd

# Each console run bootstraps an app whose engine is never disposed (harmless in a process
# that exits); on PostgreSQL its pooled connections are then closed by the garbage collector.
pytestmark = pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")


@pytest.fixture(autouse=True)
def _collect_leaked_connections():
    """Collect them here, inside this module's tests, not in whichever test runs next."""
    yield
    gc.collect()


@pytest.fixture(scope="module")
def cli(tmp_path_factory):
    tmp_path = tmp_path_factory.mktemp("cli")
    with cli_database(tmp_path) as (ini, engine):
        with Session(engine) as session:
            stacked_scenario(session)
            session.commit()
        yield ini, tmp_path


def _json(capsys, argv):
    code = report_cmd.main(argv)
    out = capsys.readouterr().out
    assert code == 0, out
    return json.loads(out)


def test_matching_json_contract(cli, capsys):
    ini, _ = cli
    data = _json(capsys, [ini, "matching", "--programme", "M-C"])
    assert list(data) == [
        "programme",
        "total_matched_fen",
        "pool_remaining_fen",
        "projects",
        "matches",
    ]
    assert data["programme"] == "M-C"
    assert data["total_matched_fen"] == 5_200
    assert data["projects"][0] == {"project": "P-1", "donations_fen": 65_000, "matched_fen": 5_000}
    assert data["matches"][1] == {
        "receipt_no": "D2",
        "matched_fen": 1_000,
        "limit": "donor_cap",
        "status": "provisional",
    }


def test_fund_statement_json(cli, capsys):
    ini, _ = cli
    data = _json(
        capsys,
        [
            ini,
            "fund-statement",
            "--fund",
            "F-11",
            "--from",
            "2024-01-01",
            "--to",
            str(today_local()),
        ],
    )
    assert (data["opening_fen"], data["receipts_fen"], data["disbursements_fen"]) == (
        0,
        68_000,
        30_000,
    )
    assert data["closing_fen"] == 38_000
    assert data["check"]["ok"]
    assert {s["sponsor"]: s["matched_fen"] for s in data["matches_by_sponsor"]} == {
        "湖北省慈善总会": 2_000,
        "宜昌市慈善会": 5_200,
    }


def test_fund_statement_xlsx_repeatable(cli, capsys):
    ini, tmp_path = cli
    digests = []
    for name in ("a.xlsx", "b.xlsx"):
        target = tmp_path / name
        argv = [
            ini,
            "fund-statement",
            "--fund",
            "F-11",
            "--from",
            "2024-04-08",
            "--to",
            "2024-04-08",
        ]
        assert report_cmd.main([*argv, "--format", "xlsx", "-o", str(target)]) == 0
        digests.append(hashlib.sha256(target.read_bytes()).hexdigest())
    assert digests[0] == digests[1]
    target = tmp_path / "m.xlsx"
    assert (
        report_cmd.main(
            [ini, "matching", "--programme", "M-P", "--format", "xlsx", "-o", str(target)]
        )
        == 0
    )
    capsys.readouterr()


def test_report_refusals(cli, capsys):
    ini, _ = cli
    assert report_cmd.main([ini, "fund-statement", "--fund", "NOPE"]) == 2
    assert report_cmd.main([ini, "matching"]) == 2
    assert "--programme" in capsys.readouterr().err


def test_import_cmd_donations_json(cli, capsys):
    ini, tmp_path = cli
    when = dt.datetime(2024, 4, 9, 9, 0)  # noqa: DTZ001 - a cell holds wall-clock time
    rows = [
        ["CLI-1", "张三", "u-9", "否", "1,000.00", when, "P-1", "微信", ""],
        ["CLI-2", "李四", "", "", "¥50", when, "P-2", "", ""],
    ]
    path = write_xlsx(tmp_path / "d.xlsx", DONATION_HEADER, rows)
    assert import_cmd.main([ini, path, "--kind", "donations", "--json"]) == 0
    first = json.loads(capsys.readouterr().out)
    assert (first["created"], first["committed"], first["errors"]) == (2, True, [])
    assert import_cmd.main([ini, path, "--kind", "donations", "--json"]) == 0
    again = json.loads(capsys.readouterr().out)
    assert (again["created"], again["unchanged"], again["batch_id"]) == (0, 2, None)
    rows[0][4] = "1.005"
    bad = write_xlsx(tmp_path / "bad.xlsx", DONATION_HEADER, rows)
    assert import_cmd.main([ini, bad, "--kind", "donations", "--json"]) == 1
    errors = json.loads(capsys.readouterr().out)["errors"]
    assert errors == [
        {
            "row": 2,
            "column": "金额(元)",
            "value": "1.005",
            "message": "金额最多两位小数（精确到分）",
        }
    ]
