"""Sample spec and rows shared by the spreadsheet engine tests (a unique module name, so
it cannot clash with another folder's helpers)."""

import datetime as dt
import zipfile
from pathlib import Path

from volunteer.spreadsheets.columns import Column, ColumnType, SheetSpec

HOURS_SPEC = SheetSpec(
    kind="service_hours",
    title="服务时长",
    columns=(
        Column("name", "姓名", required=True, example="王小明"),
        Column(
            "id_number",
            "证件号码",
            ColumnType.ID_NUMBER,
            required=True,
            example="110105194912310025",
        ),
        Column("phone", "手机号", ColumnType.PHONE),
        Column("date", "服务日期", ColumnType.DATE, required=True, example="2024-01-01"),
        Column("minutes", "服务时长", ColumnType.HOURS, required=True, example="2.5"),
        Column("activity", "活动名称", required=True, example="示范活动"),
        Column("note", "备注", max_length=20),
    ),
    key=("id_number", "date", "activity"),
    instructions=("每人每次服务填一行。",),
)

HEADER = ["姓名", "证件号码", "手机号", "服务日期", "服务时长（小时）", "活动名称", "备注"]


def local(*parts: int) -> dt.datetime:
    """A naive Asia/Shanghai wall-clock time, which is what spreadsheet cells hold."""
    return dt.datetime.combine(dt.date(*parts[:3]), dt.time(*parts[3:]))


def with_sheet_data(source: Path, target: Path, cells: bytes) -> Path:
    """A copy of the one-sheet workbook `source` whose sheetData holds `cells`, raw XML."""
    with zipfile.ZipFile(source) as archive:
        members = {name: archive.read(name) for name in archive.namelist()}
    sheet = members["xl/worksheets/sheet1.xml"]
    start, end = sheet.index(b"<sheetData>") + len(b"<sheetData>"), sheet.index(b"</sheetData>")
    members["xl/worksheets/sheet1.xml"] = sheet[:start] + cells + sheet[end:]
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return target
