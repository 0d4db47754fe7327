import hashlib

from openpyxl import load_workbook

from volunteer.spreadsheets.columns import Column, ColumnType, SheetSpec
from volunteer.spreadsheets.reader import open_sheet
from volunteer.spreadsheets.safety import check_upload
from volunteer.spreadsheets.templates import (
    DICTIONARY_SHEET,
    INSTRUCTIONS_SHEET,
    TEMPLATE_ROWS,
    build_template,
    template_signature,
)

SPEC = SheetSpec(
    kind="volunteers",
    title="志愿者名册",
    columns=(
        Column("name", "姓名", required=True, help="与证件一致", example="王小明"),
        Column("id_type", "证件类型", ColumnType.CHOICE, choices=("居民身份证", "护照")),
        Column("id_number", "证件号码", ColumnType.ID_NUMBER, required=True),
        Column("phone", "手机号", ColumnType.PHONE),
        Column("joined", "注册日期", ColumnType.DATE),
        Column("member", "是否党员", ColumnType.BOOL),
    ),
    key=("id_number",),
    instructions=("每位志愿者填一行。",),
)


def _sha(path):
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_template_is_byte_for_byte_deterministic(tmp_path):
    build_template(SPEC, tmp_path / "a.xlsx")
    build_template(SPEC, tmp_path / "b.xlsx")
    assert _sha(tmp_path / "a.xlsx") == _sha(tmp_path / "b.xlsx")


def test_template_content(tmp_path):
    path = tmp_path / "t.xlsx"
    build_template(SPEC, path)
    signature = template_signature(path)
    assert signature["sheets"] == ["志愿者名册", INSTRUCTIONS_SHEET, DICTIONARY_SHEET]
    assert signature["headers"] == [
        "*姓名",
        "证件类型",
        "*证件号码",
        "手机号",
        "注册日期",
        "是否党员",
    ]
    assert signature["formats"]["*证件号码"] == "@"
    assert signature["formats"]["手机号"] == "@"
    assert signature["formats"]["注册日期"] == "yyyy-mm-dd"
    last = TEMPLATE_ROWS + 1
    assert signature["validations"] == [
        (f"B2:B{last}", "list", "'字典'!$A$2:$A$3"),
        (f"F2:F{last}", "list", "'字典'!$B$2:$B$3"),
    ]
    assert signature["dictionary"] == [
        ["证件类型", "是否党员"],
        ["居民身份证", "是"],
        ["护照", "否"],
    ]
    text = "\n".join(str(c) for row in signature["instructions"] for c in row if c)
    assert "1. 每位志愿者填一行。" in text
    assert "与证件一致" in text
    assert "王小明" in text
    sheet = load_workbook(path).worksheets[0]
    assert sheet.cell(TEMPLATE_ROWS + 1, 3).number_format == "@"
    assert sheet.freeze_panes == "A2"


def test_template_reads_back_as_an_empty_import(tmp_path):
    path = tmp_path / "t.xlsx"
    build_template(SPEC, path)
    assert check_upload(path, max_bytes=10_000_000) == "xlsx"
    reader = open_sheet(path, SPEC)
    assert reader.unknown_columns == []
    assert set(reader.mapping.values()) == {c.key for c in SPEC.columns}
    assert list(reader.rows()) == []


def test_signature_detects_drift(tmp_path):
    build_template(SPEC, tmp_path / "a.xlsx")
    changed = SheetSpec(SPEC.kind, SPEC.title, SPEC.columns[:-1], SPEC.key, SPEC.instructions)
    build_template(changed, tmp_path / "b.xlsx")
    assert template_signature(tmp_path / "a.xlsx") != template_signature(tmp_path / "b.xlsx")
