"""Build the synthetic Xiling-district sample files in imports/samples/ (run once, commit the
output; tests read the committed files and never run this).

    .venv/bin/python -m tests.samples_build imports/samples [--convert]

Every file is byte-for-byte deterministic (fixed document times, fixed zip entry times), so a
rebuild that changes nothing shows no diff. `--convert` also writes the .xls (WPS) and .ods
copies of hours_messy with LibreOffice, which tests never need at run time.
"""

from __future__ import annotations

import datetime as dt
import io
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

from openpyxl import Workbook
from openpyxl.writer.excel import ExcelWriter

from volunteer.volunteers.idcard import check_digit

DISTRICT = "西陵区"
AREAS = {
    "西陵街道": ("胜利四路社区", "环城北路社区"),
    "学院街道": ("东山社区", "桃花岭社区"),
    "云集街道": ("滨江社区", "锦绣社区"),
}
ORGS = [
    ("西陵街道阳光志愿服务队", "志愿服务队", "西陵街道", "胜利四路社区", "张明", "13972000001"),
    ("西陵区爱心助老协会", "社会组织", "西陵街道", "环城北路社区", "李芳", "0717-6221234"),
    ("学院街道红马甲志愿服务队", "志愿服务队", "学院街道", "东山社区", "王强", "13972000003"),
    ("云集街道社工站", "社工站", "云集街道", "滨江社区", "赵敏", "13972000004"),
]
SUNSHINE, ELDERLY, RED_VEST, STATION = (o[0] for o in ORGS)
_FIXED = dt.datetime(2024, 5, 1)  # noqa: DTZ001 - document metadata, not an instant
SAMPLES = Path(__file__).resolve().parents[1] / "imports" / "samples"
SETUP = (("areas", "areas"), ("organisations", "organisations"), ("volunteers", "volunteers"))


def id_number(birth: str, seq: int) -> str:
    first17 = f"420502{birth}{seq:03d}"
    return first17 + check_digit(first17)


def _sex(number: str) -> str:
    return "男" if int(number[16]) % 2 else "女"


def _birth(number: str) -> dt.date:
    return dt.date(int(number[6:10]), int(number[10:12]), int(number[12:14]))


# (name, birth yyyymmdd, seq, phone, street, community, organisation, skills)
PEOPLE = [
    ("李娜", "19850612", 122, "13972010001", "西陵街道", "胜利四路社区", SUNSHINE, "助老、陪诊"),
    ("王建国", "19620308", 111, "13972010002", "西陵街道", "胜利四路社区", SUNSHINE, "理发"),
    ("张秀英", "19580921", 124, "13972010003", "西陵街道", "环城北路社区", ELDERLY, "心理疏导"),
    ("刘伟", "19900115", 133, "13972010004", "西陵街道", "环城北路社区", ELDERLY, ""),
    ("陈静", "19931102", 146, "13972010005", "西陵街道", "胜利四路社区", SUNSHINE, "文艺演出"),
    ("杨帆", "20010405", 157, "13972010006", "西陵街道", "环城北路社区", SUNSHINE, "摄影"),
    ("黄丽", "19790730", 168, "13972010007", "学院街道", "东山社区", RED_VEST, "垃圾分类宣传"),
    ("赵磊", "19870219", 171, "13972010008", "学院街道", "桃花岭社区", RED_VEST, "交通劝导"),
    ("周敏", "19951224", 182, "13972010009", "学院街道", "东山社区", RED_VEST, ""),
    ("吴强", "19700506", 191, "13972010010", "云集街道", "滨江社区", STATION, "法律咨询"),
]
ROSTER_HEADER = [
    "姓名",
    "证件类型",
    "证件号码",
    "性别",
    "出生日期",
    "手机号",
    "街道",
    "社区",
    "所属组织",
    "服务技能",
    "备注",
]
HOURS_HEADER = [
    "姓名",
    "证件号码",
    "活动名称",
    "所属组织",
    "服务日期",
    "开始时间",
    "结束时间",
    "服务时长(小时)",
    "服务内容",
    "备注",
]


def person(index: int) -> tuple[str, str]:
    name, birth, seq, *_ = PEOPLE[index]
    return name, id_number(birth, seq)


def save(workbook: Workbook, path: Path) -> None:
    """Save with fixed timestamps so a rebuild is byte-for-byte identical."""
    workbook.properties.creator = "西陵区民政局"
    workbook.properties.created = workbook.properties.modified = _FIXED
    buffer = io.BytesIO()
    ExcelWriter(workbook, zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED)).save()
    with zipfile.ZipFile(buffer) as source, zipfile.ZipFile(path, "w") as target:
        for member in source.infolist():
            info = zipfile.ZipInfo(member.filename, date_time=(1980, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            target.writestr(info, source.read(member))


def sheet(path: Path, rows, *, title: str = "Sheet1", merge: str | None = None) -> None:
    workbook = Workbook()
    ws = workbook.active
    ws.title = title
    for row in rows:
        ws.append(list(row))
    for cells in ws.iter_rows():
        for cell in cells:
            if isinstance(cell.value, str) and cell.value.startswith("="):
                cell.data_type = "s"  # text typed by a user, not a formula
    if merge:
        ws.merge_cells(merge)
    save(workbook, path)


def build_areas(out: Path) -> None:
    rows = [["区", "街道", "社区"]]
    rows += [[DISTRICT, street, c] for street, cs in AREAS.items() for c in cs]
    sheet(out / "areas.xlsx", rows, title="区域")


def build_organisations(out: Path) -> None:
    rows = [["组织名称", "组织类型", "街道", "社区", "负责人", "联系电话"], *map(list, ORGS)]
    sheet(out / "organisations.xlsx", rows, title="组织")


def build_volunteers(out: Path) -> None:
    rows = [ROSTER_HEADER]
    for name, birth, seq, phone, street, community, org, skills in PEOPLE:
        number = id_number(birth, seq)
        rows.append(
            [
                name,
                "居民身份证",
                number,
                _sex(number),
                _birth(number),
                phone,
                street,
                community,
                org,
                skills or None,
                None,
            ]
        )
    sheet(out / "volunteers.xlsx", rows, title="志愿者名册")


def build_volunteers_messy(out: Path) -> None:
    """New volunteers, every row valid once normalised, in a file as staff really send it."""
    lower_x = id_number("19850612", 118)  # check digit X
    spaced, dashed = id_number("19900315", 222), id_number("19781120", 13)
    wide = id_number("19920305", 224)
    rows = [
        ["西陵区志愿者花名册（2024年）"],
        ["填表说明：身份证号码请填写18位；联系电话填写手机号。"],
        [
            "序号",
            "姓 名",
            "身份证号码 ",
            "性别",
            "出生日期",
            "联系电话",
            "街道",
            "社区",
            "所属组织",
            "服务技能",
            "备注",
        ],
        [
            1,
            "刘洋 ",
            lower_x.lower(),
            None,
            "1985/6/12",
            13972020001,
            "西陵街道",
            "胜利四路社区",
            SUNSHINE,
            "助老",
            None,
        ],
        [
            2,
            "陈 静",
            f"{spaced[:6]} {spaced[6:14]} {spaced[14:]}",
            "女",
            None,
            "139 7202 0002",
            "西陵街道",
            "环城北路",
            ELDERLY,
            None,
            None,
        ],
        [
            3,
            "周杰",
            f"{dashed[:6]}-{dashed[6:14]}-{dashed[14:]}",
            "男",
            "1978年11月20日",
            "13972020003",
            "西陵街道",
            "胜利四路社区",
            None,
            None,
            None,
        ],
        [
            4,
            "吴刚",
            "420502650101011",
            None,
            None,
            None,
            "学院街道",
            "东山社区",
            RED_VEST,
            None,
            "15位旧身份证",
        ],
        [None, None, None, None, None, None, None, None, None, None, None],
        [None, "   ", "  ", None, None, "  ", None, None, None, None, None],
        [
            5,
            "孙丽",
            wide.translate(str.maketrans("0123456789X", "０１２３４５６７８９Ｘ")),
            None,
            dt.date(1992, 3, 5),
            "13972020005",
            "云集街道",
            "滨江社区",
            STATION,
            None,
            "=1+2 不是公式",
        ],
        ["合计", "5人"],
    ]
    sheet(out / "volunteers_messy.xlsx", rows, title="花名册", merge="A1:K1")


def _wrong_check(number: str) -> str:
    digits = "0123456789X"
    return number[:17] + digits[(digits.index(number[17]) + 1) % len(digits)]


def build_volunteers_errors(out: Path) -> None:
    good = id_number("19880808", 331)
    child = id_number("20150601", 342)
    rows = [
        ROSTER_HEADER,
        [
            "钱多",
            None,
            float(id_number("19900101", 301)),
            None,
            None,
            None,
            "西陵街道",
            "胜利四路社区",
            None,
            None,
            None,
        ],
        [
            "冯小",
            None,
            _wrong_check(id_number("19900101", 311)),
            None,
            None,
            None,
            "西陵街道",
            "胜利四路社区",
            None,
            None,
            None,
        ],
        ["褚明", None, good, None, None, None, "西陵街道", "胜利四路社区", None, None, None],
        ["褚明", None, good, None, None, None, "西陵街道", "胜利四路社区", None, None, None],
        ["卫小宝", None, child, None, None, None, "西陵街道", "胜利四路社区", None, None, None],
        [
            "蒋华",
            None,
            id_number("19800101", 351),
            None,
            None,
            None,
            "西陵街道",
            "不存在社区",
            None,
            None,
            None,
        ],
        [
            None,
            None,
            id_number("19800101", 361),
            None,
            None,
            None,
            "西陵街道",
            "胜利四路社区",
            None,
            None,
            None,
        ],
    ]
    sheet(out / "volunteers_errors.xlsx", rows, title="志愿者名册")


def _hours_row(index, activity, org, day, hours, content="", start=None, end=None):
    name, number = person(index)
    return [name, number, activity, org, day, start, end, hours, content or None, None]


def build_hours(out: Path) -> None:
    rows = [HOURS_HEADER]
    day = dt.date(2024, 4, 1)
    for week in range(3):
        for index in range(6):
            on = day + dt.timedelta(days=7 * week + index % 3)
            rows.append(_hours_row(index, "社区助老服务", SUNSHINE, on, 2.5, "上门探访独居老人"))
    for index in (6, 7, 8):
        rows.append(_hours_row(index, "垃圾分类宣传", RED_VEST, dt.date(2024, 4, 20), 3))
    rows.append(_hours_row(9, "社区法律咨询", STATION, dt.date(2024, 4, 21), 1.5))
    sheet(out / "hours.xlsx", rows, title="服务时长")


def build_hours_messy(out: Path) -> Workbook:
    """Every row valid once normalised; the header sits under a merged title and a notes row."""
    first = person(0)[1]
    rows = [
        ["西陵区志愿服务时长登记表（2024年4月）"],
        ["填表单位：西陵街道阳光志愿服务队", None, None, None, "填表日期：2024年4月30日"],
        [
            "序号",
            "姓 名",
            "身份证号码",
            "活动名称",
            "所属组织",
            "服务日期",
            "开始时间",
            "结束时间",
            "服务时长（小时）",
            "服务内容 ",
            "备注",
        ],
        [1, "李娜 ", first.lower(), "重阳敬老活动", SUNSHINE, "2024/4/8", None, None, 2.5],
        [
            2,
            "王建国",
            person(1)[1],
            "重阳敬老活动",
            SUNSHINE,
            "2024年4月8日",
            None,
            None,
            "2小时30分",
            "理发",
        ],
        [3, "张秀英", person(2)[1], "重阳敬老活动", SUNSHINE, "20240408", None, None, "2:30"],
        [
            4,
            "刘伟",
            person(3)[1],
            "重阳敬老活动",
            SUNSHINE,
            dt.date(2024, 4, 9),
            None,
            None,
            "150分钟",
        ],
        [5, "陈静", person(4)[1], "重阳敬老活动", SUNSHINE, 45391, None, None, 2],
        [
            6,
            "杨帆",
            f"{person(5)[1][:6]} {person(5)[1][6:14]}-{person(5)[1][14:]}",
            "重阳敬老活动",
            SUNSHINE,
            dt.datetime(2024, 4, 10),  # noqa: DTZ001 - a spreadsheet cell has no zone
            dt.time(9, 0),
            dt.time(11, 30),
            None,
            "文艺演出",
        ],
        [None] * 11,
        [None, " ", "   ", None, None, None, None, None, " "],
        [
            7,
            "李娜",
            first,
            "重阳敬老活动",
            SUNSHINE,
            "2024-04-10",
            "14:00",
            "16:00",
            None,
            "陪同就医",
            "下午",
        ],
        ["合计", None, None, None, None, None, None, None, 14.5],
    ]
    workbook = Workbook()
    ws = workbook.active
    ws.title = "4月时长"
    for row in rows:
        ws.append(row)
    ws.merge_cells("A1:K1")
    save(workbook, out / "hours_messy.xlsx")
    return workbook


def build_hours_errors(out: Path) -> None:
    unknown = id_number("19911111", 401)
    rows = [
        HOURS_HEADER,
        [
            "李娜",
            float(person(0)[1][:17] + "0"),
            "社区助老服务",
            SUNSHINE,
            dt.date(2024, 4, 2),
            None,
            None,
            2,
            None,
            None,
        ],
        _hours_row(1, "社区助老服务", SUNSHINE, dt.date(2024, 4, 2), 2),
        _hours_row(1, "社区助老服务", SUNSHINE, dt.date(2024, 4, 2), 2),
        [
            "孔不明",
            unknown,
            "社区助老服务",
            SUNSHINE,
            dt.date(2024, 4, 2),
            None,
            None,
            2,
            None,
            None,
        ],
        [
            "张三",
            person(2)[1],
            "社区助老服务",
            SUNSHINE,
            dt.date(2024, 4, 2),
            None,
            None,
            2,
            None,
            None,
        ],
        _hours_row(3, "社区助老服务", SUNSHINE, "04/08/2024", 2),
        _hours_row(4, "社区助老服务", SUNSHINE, "2024-02-30", 2),
        _hours_row(5, "社区助老服务", SUNSHINE, dt.date(2024, 4, 3), "两个钟头"),
        _hours_row(5, "社区助老服务", SUNSHINE, dt.date(2099, 1, 1), 2),
    ]
    sheet(out / "hours_errors.xlsx", rows, title="服务时长")


def build_hours_streets(out: Path) -> None:
    """Rows for two streets: clean for district staff, half out of scope for 西陵街道 staff."""
    rows = [
        HOURS_HEADER,
        _hours_row(0, "清洁家园行动", SUNSHINE, dt.date(2024, 5, 6), 2),
        _hours_row(1, "清洁家园行动", SUNSHINE, dt.date(2024, 5, 6), 2),
        _hours_row(6, "文明交通劝导", RED_VEST, dt.date(2024, 5, 6), 2),
        _hours_row(7, "文明交通劝导", RED_VEST, dt.date(2024, 5, 6), 2),
    ]
    sheet(out / "hours_streets.xlsx", rows, title="服务时长")


def build_bad_files(out: Path) -> None:
    rows = [[h for h in HOURS_HEADER if h != "服务日期"], _hours_row(0, "x", SUNSHINE, None, 2)]
    rows[1].pop(4)
    sheet(out / "hours_missing_column.xlsx", rows, title="服务时长")
    pdf = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
    (out / "not_a_spreadsheet.xlsx").write_bytes(pdf)
    # A zip bomb dressed as a workbook: 64 MB of one byte behind a few kilobytes.
    with zipfile.ZipFile(out / "zip_bomb.xlsx", "w", zipfile.ZIP_DEFLATED) as bomb:
        for name, data in (
            ("[Content_Types].xml", b"<Types/>"),
            ("xl/workbook.xml", b"<workbook/>"),
            ("xl/worksheets/sheet1.xml", b"<" + b"a" * (64 * 1024 * 1024) + b"/>"),
        ):
            info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            bomb.writestr(info, data)


def convert(out: Path) -> None:
    """The WPS-style .xls and the .ods copies of hours_messy (needs LibreOffice)."""
    with tempfile.TemporaryDirectory() as tmp:
        for fmt in ("xls", "ods"):
            subprocess.run(  # noqa: S603 - fixed arguments, our own file
                [  # noqa: S607 - LibreOffice from PATH
                    "soffice",
                    "--headless",
                    "--convert-to",
                    fmt,
                    "--outdir",
                    tmp,
                    str(out / "hours_messy.xlsx"),
                ],
                check=True,
                capture_output=True,
            )
            (Path(tmp) / f"hours_messy.{fmt}").replace(out / f"hours_messy.{fmt}")


def sample(name: str) -> Path:
    """A committed sample: `sample("hours_messy")` or `sample("hours_messy.xls")`."""
    return SAMPLES / (name if "." in name else f"{name}.xlsx")


def seed_xiling(dbsession, vault, settings) -> None:
    """Load the clean area, organisation and roster samples as the system account."""
    from volunteer.audit import SYSTEM_ACTOR, AuditLog
    from volunteer.authz import SYSTEM_SCOPE
    from volunteer.db import today_local
    from volunteer.spreadsheets.import_run import run_import
    from volunteer.spreadsheets.importing import ImportContext

    audit = AuditLog(dbsession, None, SYSTEM_ACTOR)
    ctx = ImportContext(dbsession, SYSTEM_SCOPE, audit, vault, settings, today_local())
    for name, kind in SETUP:
        summary = run_import(ctx, sample(name), kind)
        assert summary.committed, summary.as_json()


def main(argv: list[str]) -> None:
    out = Path(argv[0] if argv else "imports/samples")
    out.mkdir(parents=True, exist_ok=True)
    build_areas(out)
    build_organisations(out)
    build_volunteers(out)
    build_volunteers_messy(out)
    build_volunteers_errors(out)
    build_hours(out)
    build_hours_messy(out)
    build_hours_errors(out)
    build_hours_streets(out)
    build_bad_files(out)
    if "--convert" in argv:
        convert(out)


if __name__ == "__main__":
    main(sys.argv[1:])
