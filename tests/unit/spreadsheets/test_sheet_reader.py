import datetime as dt
import re
import time
import zipfile
from pathlib import Path

import pytest
from openpyxl import Workbook
from openpyxl.utils.datetime import CALENDAR_MAC_1904
from sheet_samples import HEADER

from volunteer.spreadsheets.data_rows import EMPTY_RUN
from volunteer.spreadsheets.errors import FileRefused
from volunteer.spreadsheets.reader import open_sheet

FIXTURES = Path(__file__).parent / "fixtures"
ROW = ["张三", "420502199001011234", "13800138000", dt.date(2024, 4, 8), 2.5, "社区清洁", ""]


def _rows(path, spec, **kwargs):
    reader = open_sheet(path, spec, **kwargs)
    return reader, list(reader.rows())


def test_reads_typed_values_with_excel_row_numbers(make_xlsx, spec):
    path = make_xlsx(
        [HEADER, ROW, ["李四", "42050219900101567x", "", "2024/4/9", "1小时", "交通引导"]]
    )
    reader, rows = _rows(path, spec)
    assert reader.header_row == 1
    assert reader.headers == HEADER
    assert reader.mapping == {
        0: "name",
        1: "id_number",
        2: "phone",
        3: "date",
        4: "minutes",
        5: "activity",
        6: "note",
    }
    assert [r.row_number for r in rows] == [2, 3]
    assert rows[0].values == {
        "name": "张三",
        "id_number": "420502199001011234",
        "phone": "13800138000",
        "date": dt.date(2024, 4, 8),
        "minutes": 150,
        "activity": "社区清洁",
        "note": None,
    }
    assert rows[0].raw["minutes"] == 2.5
    assert rows[1].values["id_number"] == "42050219900101567X"
    assert rows[1].values["minutes"] == 60
    assert all(not r.errors for r in rows)


def test_header_found_below_title_and_notes_rows(make_xlsx, spec):
    path = make_xlsx(
        [
            ["2024年西陵区志愿服务时长登记表"],
            ["填报单位：学院街道"],
            [],
            ["序号", *HEADER],
            [1, *ROW],
        ],
        merge="A1:H1",
    )
    reader, rows = _rows(path, spec)
    assert reader.header_row == 4
    assert reader.unknown_columns == ["序号"]
    assert reader.mapping[1] == "name"
    assert [r.row_number for r in rows] == [5]
    assert rows[0].values["name"] == "张三"


def test_messy_headers_are_normalised(make_xlsx, spec):
    header = [
        "*姓 名",
        "身份证号码",
        "手机号码",
        "服务日期：",
        "服务时长 (小时)",
        "项目名称",
        "备注",
    ]
    reader, rows = _rows(make_xlsx([header, ROW]), spec)
    assert set(reader.mapping.values()) == {c.key for c in spec.columns}
    assert rows[0].values["minutes"] == 150


def test_multiline_header(make_xlsx, spec):
    header = ["志愿者\n姓名", *HEADER[1:]]
    reader, _ = _rows(make_xlsx([header, ROW]), spec)
    assert reader.mapping[0] == "name"


def test_missing_required_column_is_refused(make_xlsx, spec):
    path = make_xlsx([["姓名", "手机号", "服务日期", "服务时长", "活动名称"], ["张三"]])
    with pytest.raises(FileRefused, match="缺少必填列：证件号码"):
        open_sheet(path, spec)


def test_no_header_at_all_is_refused(make_xlsx, spec):
    with pytest.raises(FileRefused, match="没有找到表头行"):
        open_sheet(make_xlsx([["甲", "乙"], [1, 2]]), spec)


def test_unit_mismatch_is_not_taken_for_hours(make_xlsx, spec):
    header = [*HEADER[:4], "服务时长（分钟）", *HEADER[5:]]
    with pytest.raises(FileRefused, match="缺少必填列：服务时长"):
        open_sheet(make_xlsx([header, ROW]), spec)


def test_duplicate_header_is_refused(make_xlsx, spec):
    header = [*HEADER, "身份证号"]
    with pytest.raises(FileRefused, match="表头“证件号码”出现了两次（第 B 列和第 H 列）"):
        open_sheet(make_xlsx([header, ROW]), spec)


def test_cell_errors_name_header_value_and_reason(make_xlsx, spec):
    bad = ["张三", 4.20502199001011e17, "12345", "04/08/2024", "0", "社区清洁", "很长" * 11]
    _, rows = _rows(make_xlsx([["服务记录"], ["姓名", "身份证号", *HEADER[2:]], bad]), spec)
    errors = {e.column: e for e in rows[0].errors}
    assert set(errors) == {"身份证号", "手机号", "服务日期", "服务时长（小时）", "备注"}
    assert errors["身份证号"].row == 3
    assert "Excel 当成了数字" in errors["身份证号"].message
    assert errors["服务日期"].value == "04/08/2024"
    assert "2024-04-08" in errors["服务日期"].message
    assert errors["服务时长（小时）"].message == "服务时长必须大于 0"
    assert rows[0].values["date"] is None


def test_required_cell_empty(make_xlsx, spec):
    _, rows = _rows(make_xlsx([HEADER, ["张三", " ", "", dt.date(2024, 4, 8), 2, "清洁"]]), spec)
    assert [(e.column, e.message) for e in rows[0].errors] == [("证件号码", "必填")]


def test_blank_and_space_only_rows_are_skipped(make_xlsx, spec):
    path = make_xlsx(
        [HEADER, ROW, [], ["  ", "\u3000"], [None, None, None], [*ROW[:5], "另一活动"]]
    )
    _, rows = _rows(path, spec)
    assert [r.row_number for r in rows] == [2, 6]


def test_rows_with_only_unknown_columns_count_as_blank(make_xlsx, spec):
    _, rows = _rows(make_xlsx([["序号", *HEADER], [1, *ROW], [2], [3]]), spec)
    assert [r.row_number for r in rows] == [2]


def test_totals_and_example_rows_are_skipped(make_xlsx, spec):
    path = make_xlsx(
        [
            HEADER,
            ["示例：张三", "420502199001011234", "", "2024-04-08", 2.5, "社区清洁"],
            ["王小明", "110105194912310025", "", "2024-01-01", "2.5", "示范活动"],  # spec examples
            ROW,
            ["合计", None, None, None, 2.5],
            ["总计：", None, None, None, 2.5],
            [None, "本页合计（小时）", None, None, 2.5],
        ]
    )
    reader, rows = _rows(path, spec)
    assert [r.row_number for r in rows] == [4]
    assert [(s.row, s.reason) for s in reader.skipped] == [
        (2, "示例行"),
        (3, "示例行"),
        (5, "合计行"),
        (6, "合计行"),
        (7, "合计行"),
    ]


def test_a_note_mentioning_totals_is_data(make_xlsx, spec):
    row = ["合计划参加的张三", *ROW[1:]]
    _, rows = _rows(make_xlsx([HEADER, row]), spec)
    assert rows[0].values["name"] == "合计划参加的张三"


def test_duplicate_rows_name_the_first_occurrence(make_xlsx, spec):
    other = ["李四", "420502199001015678", "", dt.date(2024, 4, 8), 1, "社区清洁"]
    _, rows = _rows(make_xlsx([HEADER, ROW, other, ROW]), spec)
    assert rows[2].errors[0].message == "与第 2 行重复"
    assert rows[2].errors[0].column == "证件号码"
    assert rows[2].errors[0].value == "420502199001011234，2024-04-08，社区清洁"
    assert not rows[1].errors


def test_duplicates_compare_partly_filled_keys_but_not_unreadable_ones(make_xlsx, spec):
    other_date = [*ROW[:3], "04/08/2024", *ROW[4:]]
    _, rows = _rows(make_xlsx([HEADER, other_date, other_date, ROW, [ROW[0], " ", *ROW[2:]]]), spec)
    assert [[e.message for e in r.errors] for r in rows][:3] == [
        ["日期无法识别：无法确定年、月、日的顺序，请使用 2024-04-08 格式"]
    ] * 2 + [[]]
    assert [e.message for e in rows[3].errors] == ["必填"]


def test_row_cap(make_xlsx, spec):
    path = make_xlsx([HEADER, *([*ROW[:5], f"活动{i}"] for i in range(4))])
    assert len(_rows(path, spec, max_rows=4)[1]) == 4
    with pytest.raises(FileRefused, match="数据超过 3 行，请拆分成多个文件上传，或使用命令行导入"):
        _rows(path, spec, max_rows=3)


def test_reading_stops_after_a_run_of_empty_rows(tmp_path, spec):
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(HEADER)
    sheet.append(ROW)
    for row in range(3, 3 + EMPTY_RUN + 10):
        sheet.cell(row, 2).number_format = "@"  # formatted but empty
    workbook.save(tmp_path / "a.xlsx")
    _, rows = _rows(tmp_path / "a.xlsx", spec)
    assert len(rows) == 1


def test_content_after_the_empty_run_is_refused_not_dropped(tmp_path, spec):
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(HEADER)
    sheet.append(ROW)
    sheet.cell(200, 1, "王五")
    workbook.save(tmp_path / "a.xlsx")
    with pytest.raises(FileRefused, match="但第 200 行还有内容"):
        _rows(tmp_path / "a.xlsx", spec)


def test_stray_cell_in_an_unmapped_column_far_below_is_ignored(tmp_path, spec):
    workbook = Workbook()
    sheet = workbook.active
    sheet.append([*HEADER, "序号"])
    sheet.append(ROW)
    sheet.cell(1_048_576, 8, " ")
    workbook.save(tmp_path / "a.xlsx")
    started = time.perf_counter()
    _, rows = _rows(tmp_path / "a.xlsx", spec)
    assert len(rows) == 1
    assert time.perf_counter() - started < 10


def test_forged_dimension_is_not_walked(tmp_path, make_xlsx, spec):
    source = make_xlsx([HEADER, ROW])
    forged = tmp_path / "forged.xlsx"
    with zipfile.ZipFile(source) as zin, zipfile.ZipFile(forged, "w") as zout:
        for item in zin.infolist():
            data = zin.read(item)
            if item.filename.startswith("xl/worksheets/"):
                data = re.sub(
                    rb'<dimension ref="[^"]*"\s*/>', b'<dimension ref="A1:XFD1048576"/>', data
                )
                assert b"XFD1048576" in data
            zout.writestr(item, data)
    started = time.perf_counter()
    _, rows = _rows(forged, spec)
    assert len(rows) == 1
    assert time.perf_counter() - started < 2


def test_epoch_1904_serials(tmp_path, spec):
    workbook = Workbook()
    workbook.epoch = CALENDAR_MAC_1904
    sheet = workbook.active
    sheet.append(HEADER)
    sheet.append([*ROW[:3], dt.date(2024, 4, 8), *ROW[4:]])
    sheet.append([*ROW[:3], 43928, ROW[4], "另一活动"])  # a bare serial in a General cell
    workbook.save(tmp_path / "mac.xlsx")
    reader, rows = _rows(tmp_path / "mac.xlsx", spec)
    assert reader.epoch1904
    assert [r.values["date"] for r in rows] == [dt.date(2024, 4, 8)] * 2


def test_sheet_choice(tmp_path, spec):
    workbook = Workbook()
    workbook.active.append(["说明"])
    workbook.active.sheet_state = "hidden"
    data = workbook.create_sheet("数据")
    data.append(HEADER)
    data.append(ROW)
    workbook.create_sheet("其他")
    workbook.save(tmp_path / "s.xlsx")
    assert len(_rows(tmp_path / "s.xlsx", spec)[1]) == 1  # first visible sheet
    with pytest.raises(FileRefused, match="没有名为“不存在”的工作表"):
        open_sheet(tmp_path / "s.xlsx", spec, sheet="不存在")


def test_unreadable_file_is_refused(tmp_path, spec):
    path = tmp_path / "broken.xlsx"
    path.write_bytes(b"PK\x03\x04 not really a zip")
    with pytest.raises(FileRefused, match="无法读取"):
        open_sheet(path, spec)


@pytest.mark.parametrize("name", ["hours_wps.xls", "hours.ods"])
def test_xls_and_ods_fixtures(name, spec):
    reader, rows = _rows(FIXTURES / name, spec)
    assert reader.header_row == 3
    assert reader.unknown_columns == ["序号"]
    assert [(r.row_number, r.values["name"], r.values["minutes"]) for r in rows] == [
        (4, "张三", 150),
        (5, "阿依古丽·买买提", 120),
        (6, "李四", 90),
    ]
    assert rows[1].values["id_number"] == "42050219900101123X"
    assert rows[2].values["date"] == dt.date(2024, 4, 10)
    assert [s.reason for s in reader.skipped] == ["合计行"]


def test_leading_empty_rows_and_columns_keep_excel_numbering(tmp_path, spec):
    workbook = Workbook()
    sheet = workbook.active
    for column, header in enumerate([*HEADER, "证件号码"], start=3):
        sheet.cell(3, column, header)
    workbook.save(tmp_path / "offset.xlsx")
    with pytest.raises(FileRefused, match="（第 D 列和第 J 列）"):
        open_sheet(tmp_path / "offset.xlsx", spec)
    sheet.delete_cols(10)
    for column, value in enumerate(ROW, start=3):
        sheet.cell(4, column, value)
    workbook.save(tmp_path / "offset.xlsx")
    reader, rows = _rows(tmp_path / "offset.xlsx", spec)
    assert reader.header_row == 3
    assert [r.row_number for r in rows] == [4]
    assert rows[0].values["name"] == "张三"
