"""volunteer-import through its `main()` on a real database of its own (a migrated SQLite file
seeded with the Xiling samples, copied fresh for every test): the JSON contract of DESIGN §8,
exit codes 0/1/2, dry runs, idempotence, blank cells never overwriting, every messy sample's
expected per-row messages, and street staff importing another street's rows."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from types import SimpleNamespace

import alembic.command
import alembic.config
import pytest
import sqlalchemy as sa
from openpyxl import Workbook
from sqlalchemy.orm import Session

from tests.conftest import INI
from tests.factories import make_user
from tests.samples_build import SETUP, id_number, person, sample
from volunteer.areas.models import Area
from volunteer.authz import Role
from volunteer.scripts import import_cmd
from volunteer.spreadsheets.coerce import EXCEL_NUMBER_MSG
from volunteer.volunteers.models import ServiceRecord, Volunteer

CONTRACT_KEYS = ["kind", "rows", "created", "updated", "unchanged", "errors", "committed"]
CONTRACT_KEYS += ["batch_id"]


def write_ini(folder: Path, db_path: Path) -> str:
    text = Path(INI).read_text("utf-8")
    lines = [
        f"sqlalchemy.url = sqlite:///{db_path}" if line.startswith("sqlalchemy.url") else line
        for line in text.splitlines()
    ]
    ini = folder / "cli.ini"
    ini.write_text("\n".join(lines) + "\n", "utf-8")
    return str(ini)


@pytest.fixture(scope="session", name="seeded_db")
def seeded_db_fixture(tmp_path_factory):
    """A migrated database holding the Xiling areas, organisations, roster and two officers."""
    folder = tmp_path_factory.mktemp("cli-seed")
    db_path = folder / "seed.sqlite"
    engine = sa.create_engine(f"sqlite:///{db_path}")
    config = alembic.config.Config(INI)
    config.set_main_option("skip_logging_setup", "true")
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        alembic.command.upgrade(config, "heads")
    engine.dispose()
    ini = write_ini(folder, db_path)
    for name, kind in SETUP:
        assert import_cmd.main([ini, str(sample(name)), "--kind", kind, "--json"]) == 0
    with Session(engine) as session:
        areas = {a.name: a.id for a in session.scalars(sa.select(Area))}
        make_user(session, "xiling", Role.STREET_STAFF, area_id=areas["西陵街道"])
        make_user(session, "district", Role.DISTRICT_STAFF)
        session.commit()
        # Tests copy the main file only: fold the write-ahead log into it first.
        session.execute(sa.text("PRAGMA wal_checkpoint(TRUNCATE)"))
    engine.dispose()
    return db_path


@pytest.fixture(name="cli")
def cli_fixture(seeded_db, tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("VOLUNTEER_QUIET_LOGS", "1")
    db_path = tmp_path / "cli.sqlite"
    shutil.copy(seeded_db, db_path)
    ini = write_ini(tmp_path, db_path)
    engine = sa.create_engine(f"sqlite:///{db_path}")
    capsys.readouterr()

    def run(path, kind: str, *options: str) -> tuple[int, dict]:
        code = import_cmd.main([ini, str(path), "--kind", kind, "--json", *options])
        return code, json.loads(capsys.readouterr().out.strip().splitlines()[-1])

    def count(model, *where) -> int:
        with engine.connect() as conn:
            return conn.scalar(sa.select(sa.func.count()).select_from(model).where(*where))

    yield SimpleNamespace(ini=ini, run=run, count=count, engine=engine, tmp=tmp_path)
    engine.dispose()


def test_json_contract_commit_and_idempotent_reimport(cli):
    code, out = cli.run(sample("hours"), "hours")
    assert code == 0
    assert list(out) == CONTRACT_KEYS
    assert out["rows"] == out["created"] == 22
    assert out["committed"] is True
    assert isinstance(out["batch_id"], int)
    assert cli.count(ServiceRecord) == 22
    code, again = cli.run(sample("hours"), "hours")
    assert code == 0
    assert (again["created"], again["updated"], again["unchanged"]) == (0, 0, 22)
    assert again["batch_id"] is None  # nothing to write, so no batch either
    assert cli.count(ServiceRecord) == 22


def test_dry_run_writes_nothing(cli):
    code, out = cli.run(sample("hours_messy"), "hours", "--dry-run")
    assert code == 0
    assert (out["created"], out["committed"], out["batch_id"]) == (7, False, None)
    assert cli.count(ServiceRecord) == 0


def test_row_errors_exit_1_and_write_nothing(cli):
    code, out = cli.run(sample("hours_errors"), "hours")
    assert code == 1
    assert out["committed"] is False
    assert out["created"] == 1
    assert cli.count(ServiceRecord) == 0


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("hours_missing_column", "缺少必填列：服务日期"),
        ("not_a_spreadsheet", "这是 PDF 文件，不是 Excel 表格"),
        ("zip_bomb", "文件压缩比异常（疑似“压缩炸弹”），已拒绝"),
    ],
)
def test_refused_files_exit_2_with_the_reason(cli, name, message):
    code, out = cli.run(sample(name), "hours")
    assert code == 2
    assert list(out) == CONTRACT_KEYS
    assert out["errors"][0]["message"].startswith(message)
    assert out["committed"] is False


HOURS_ERRORS = [
    (2, "证件号码", EXCEL_NUMBER_MSG),
    (4, "证件号码", "与第 3 行重复"),
    (
        5,
        "证件号码",
        "该证件号码未在志愿者名册中登记（可先导入名册，或在本行填写街道、社区以同时登记）",
    ),
    (6, "姓名", "姓名与名册不一致（名册中为「张秀英」）"),
    (7, "服务日期", "日期无法识别：无法确定年、月、日的顺序，请使用 2024-04-08 格式"),
    (8, "服务日期", "日期不存在（2024 年 2 月没有 30 日），请检查"),
    (9, "服务时长(小时)", "服务时长无法识别，请填写小时数（如 2.5）或“2小时30分”"),
    (10, "服务日期", "服务日期 2099-01-01 晚于今天，不能登记未来的服务"),
]
VOLUNTEERS_ERRORS = [
    (2, "证件号码", EXCEL_NUMBER_MSG),
    (3, "证件号码", "身份证号码校验位不正确，请核对号码"),
    (5, "证件号码", "与第 4 行重复"),
    (6, "证件号码", "未满 14 周岁，不能注册为志愿者"),
    (7, "社区", None),  # the lookup's wording; asserted below to name the community
    (8, "姓名", "必填"),
]


@pytest.mark.parametrize(
    ("name", "kind", "expected"),
    [
        ("hours_errors", "hours", HOURS_ERRORS),
        ("volunteers_errors", "volunteers", VOLUNTEERS_ERRORS),
    ],
)
def test_each_bad_row_has_its_message(cli, name, kind, expected):
    code, out = cli.run(sample(name), kind)
    assert code == 1
    got = [(e["row"], e["column"], e["message"]) for e in out["errors"]]
    assert [g[:2] for g in got] == [e[:2] for e in expected]
    for (_, _, message), (_, _, wanted) in zip(got, expected, strict=True):
        assert message == wanted or (wanted is None and "不存在社区" in message)


@pytest.mark.parametrize(
    ("name", "kind", "created"),
    [
        ("volunteers_messy", "volunteers", 5),
        ("hours_messy", "hours", 7),
        ("hours_messy.xls", "hours", 7),
        ("hours_messy.ods", "hours", 7),
    ],
)
def test_messy_samples_import_cleanly(cli, name, kind, created):
    code, out = cli.run(sample(name), kind)
    assert (code, out["errors"], out["created"]) == (0, [], created)


def test_messy_values_are_stored_normalised(cli):
    cli.run(sample("volunteers_messy"), "volunteers")
    with cli.engine.connect() as conn:
        rows = dict(conn.execute(sa.select(Volunteer.name, Volunteer.id_masked)).all())
        remark = conn.scalar(sa.select(Volunteer.remark).where(Volunteer.name == "孙丽"))
    assert rows["刘洋"].endswith("118X")  # lower-case x, trailing space in the name
    assert "陈静" in rows
    assert "周杰" in rows
    assert rows["吴刚"] == "4205**********0115"  # 15 digits upgraded to 18
    assert remark == "=1+2 不是公式"
    # The 15-digit number matches the volunteer in a later hours file, in either form.
    path = cli.tmp / "legacy.xlsx"
    workbook = Workbook()
    workbook.active.append(["姓名", "证件号码", "活动名称", "所属组织", "服务日期", "服务时长"])
    workbook.active.append(
        ["吴刚", "420502650101011", "补录", "学院街道红马甲志愿服务队", "2024-04-01", 2]
    )
    workbook.active.append(["吴刚", id_number("19650101", 11), "补录", "学院街道红马甲志愿服务队"])
    workbook.active["E3"], workbook.active["F3"] = "2024-04-02", 2
    workbook.save(path)
    code, out = cli.run(path, "hours")
    assert (code, out["created"]) == (0, 2)


def test_updates_never_overwrite_with_blanks(cli):
    path = cli.tmp / "phones.xlsx"
    name, number = person(0)

    def roster(phone, skills):
        workbook = Workbook()
        workbook.active.append(["姓名", "证件号码", "手机号", "服务技能"])
        workbook.active.append([name, number, phone, skills])
        workbook.save(path)
        return cli.run(path, "volunteers")

    assert roster(None, None)[1]["unchanged"] == 1
    assert roster("13900000000", None)[1]["updated"] == 1
    assert roster(None, None)[1]["unchanged"] == 1
    with cli.engine.connect() as conn:
        phone, skills = conn.execute(
            sa.select(Volunteer.phone, Volunteer.skills).where(Volunteer.name == name)
        ).one()
    assert (phone, skills) == ("13900000000", "助老、陪诊")


def test_street_staff_rows_for_another_street_are_row_errors(cli):
    code, out = cli.run(sample("hours_streets"), "hours", "--user", "xiling")
    assert code == 1
    assert [(e["row"], e["column"]) for e in out["errors"]] == [(4, "所属组织"), (5, "所属组织")]
    assert all("不在您的管辖范围内" in e["message"] for e in out["errors"])
    assert cli.count(ServiceRecord) == 0
    code, out = cli.run(sample("hours_streets"), "hours", "--user", "district")
    assert (code, out["created"]) == (0, 4)


def test_unknown_user_is_refused_with_exit_2(cli):
    code, out = cli.run(sample("hours"), "hours", "--user", "nobody")
    assert code == 2
    assert "用户不存在" in out["errors"][0]["message"]
