import datetime as dt
import io
from decimal import Decimal

import pytest
from openpyxl import load_workbook
from sheet_samples import HEADER, local

from volunteer.spreadsheets.reader import RowError, open_sheet
from volunteer.spreadsheets.writer import (
    ERROR_HEADER,
    Sheet,
    error_reason,
    error_report,
    safe_text,
    sheet_title,
    write_workbook,
)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("=1+2", "'=1+2"),
        ("+86 138", "'+86 138"),
        ("-50", "'-50"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\t=cmd", "'\t=cmd"),
        ("\r=cmd", "'\r=cmd"),
        ("\n=cmd", "'\n=cmd"),
        ('=HYPERLINK("http://x","点我")', '\'=HYPERLINK("http://x","点我")'),
        ("张三", "张三"),
        ("a=b", "a=b"),
        ("", ""),
        ("bell\x07", "bell"),
    ],
)
def test_safe_text(value, expected):
    assert safe_text(value) == expected


def test_sheet_title():
    assert sheet_title("志愿者/名册[2024]") == "志愿者_名册_2024_"
    assert len(sheet_title("长" * 40)) == 31


def test_write_workbook_types_and_formats(tmp_path):
    rows = [
        [
            "=cmd|' /C calc'!A0",
            "420502199001011234",
            "13800138000",
            Decimal("1234.50"),
            3,
            dt.date(2024, 4, 8),
            local(2024, 4, 8, 9, 30),
            True,
            None,
        ],
        ["张三", 420502199001011000, 13800138000.0, Decimal("0.10"), 2.5, None, None, False, "x"],
    ]
    headers = ["姓名", "证件号码", "手机号", "金额", "数量", "日期", "时间", "是否", "备注"]
    path = tmp_path / "out.xlsx"
    write_workbook(path, [Sheet("导出", headers, iter(rows), text_columns=("证件号码", 2))])
    sheet = load_workbook(path)["导出"]
    assert sheet.freeze_panes == "A2"
    assert sheet["A1"].font.bold
    assert [c.value for c in sheet[1]] == headers
    name, idn, phone, money, count, day, when, flag, _ = sheet[2]
    assert name.value == "'=cmd|' /C calc'!A0"
    assert name.data_type == "s"
    assert (idn.value, idn.number_format, idn.data_type) == ("420502199001011234", "@", "s")
    assert (phone.value, phone.number_format) == ("13800138000", "@")
    assert (money.value, money.number_format) == (1234.5, "#,##0.00")
    assert count.value == 3
    assert (day.value.date(), day.number_format) == (dt.date(2024, 4, 8), "yyyy-mm-dd")
    assert when.value == local(2024, 4, 8, 9, 30)
    assert flag.value == "是"
    second = [c.value for c in sheet[3]]
    assert second[1:3] == ["420502199001011000", "13800138000"]  # numbers written as text


def test_write_to_stream_and_several_sheets():
    buffer = io.BytesIO()
    write_workbook(buffer, [Sheet("甲", ["a"], [[1]]), Sheet("乙", ["b"], [[2]])])
    assert load_workbook(io.BytesIO(buffer.getvalue())).sheetnames == ["甲", "乙"]


def test_error_reason_text():
    errors = [RowError(3, "证件号码", "", "必填"), RowError(3, "", "", "与第 2 行重复")]
    assert error_reason(errors) == "证件号码：必填；与第 2 行重复"


def test_error_report_round_trip(tmp_path, make_xlsx, spec):
    source = make_xlsx(
        [
            ["2024年服务时长"],
            ["序号", *HEADER],
            [1, "张三", "420502199001011234", "", dt.date(2024, 4, 8), 2.5, "社区清洁", "=1+1"],
            [2, "李四", "4205021990", "", "04/08/2024", 0, "交通引导", ""],
            [3, "王五", "", "", dt.date(2024, 4, 9), "2小时", "敬老", "第一行\n第二行"],
        ]
    )
    reader = open_sheet(source, spec)
    rows = [r for r in reader.rows() if r.errors]
    assert [r.row_number for r in rows] == [4, 5]
    report = tmp_path / "errors.xlsx"
    error_report(
        report, reader.headers, [(r.cells, r.errors) for r in rows], text_columns=("证件号码",)
    )

    sheet = load_workbook(report).active
    assert [c.value for c in sheet[1]] == ["序号", *HEADER, ERROR_HEADER]
    assert "服务日期：日期无法识别" in sheet.cell(2, 9).value
    assert "服务时长（小时）：服务时长必须大于 0" in sheet.cell(2, 9).value
    assert sheet.cell(3, 9).value == "证件号码：必填"

    again = open_sheet(report, spec)
    assert again.unknown_columns == ["序号", ERROR_HEADER]
    reread = list(again.rows())
    assert [r.values for r in reread] == [r.values for r in rows]
    assert [[(e.column, e.message) for e in r.errors] for r in reread] == [
        [(e.column, e.message) for e in r.errors] for r in rows
    ]


def test_aware_datetimes_are_written_in_shanghai_time(tmp_path):
    instant = dt.datetime(2024, 4, 8, 1, 30, tzinfo=dt.UTC)
    write_workbook(tmp_path / "t.xlsx", [Sheet("时间", ["时间"], [[instant]])])
    assert load_workbook(tmp_path / "t.xlsx").active["A2"].value == local(2024, 4, 8, 9, 30)
