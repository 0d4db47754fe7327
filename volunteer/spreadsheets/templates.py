"""Import templates generated from a `SheetSpec`, and their comparable signature.

Owns `build_template` — a data sheet (Chinese headers, `*` on required ones, ID and phone
columns pre-formatted as text, dropdowns for choice and yes/no columns), a 填写说明 sheet
(the spec's instructions, each column's format, help and example) and a 字典 sheet holding
the dropdown values — and `template_signature`, what a drift test compares. Examples live
only in 填写说明, so no example row can ever be imported by mistake. Output is byte-for-byte
deterministic: fixed document timestamps and fixed zip entry times.
"""

from __future__ import annotations

import datetime as dt
import io
import os
import zipfile

from openpyxl import Workbook, load_workbook
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter, quote_sheetname
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.writer.excel import ExcelWriter

from volunteer.spreadsheets.columns import Column, ColumnType, SheetSpec
from volunteer.spreadsheets.sheet import (
    DATE_FORMAT,
    DATETIME_FORMAT,
    MONEY_FORMAT,
    TEXT_FORMAT,
    TIME_FORMAT,
    sheet_title,
)

TEMPLATE_ROWS = 1000
INSTRUCTIONS_SHEET = "填写说明"
DICTIONARY_SHEET = "字典"
_FIXED_TIME = dt.datetime(2024, 1, 1)  # noqa: DTZ001 - document metadata, not an instant
_ZIP_TIME = (1980, 1, 1, 0, 0, 0)
_BOOL_CHOICES = ("是", "否")

_FORMATS = {
    ColumnType.ID_NUMBER: TEXT_FORMAT,
    ColumnType.PHONE: TEXT_FORMAT,
    ColumnType.DATE: DATE_FORMAT,
    ColumnType.DATETIME: DATETIME_FORMAT,
    ColumnType.TIME: TIME_FORMAT,
    ColumnType.YUAN: MONEY_FORMAT,
}
COLUMN_DESCRIPTIONS = {
    ColumnType.TEXT: "文本",
    ColumnType.ID_NUMBER: "文本格式，按证件原样填写（身份证末位 X 大写）",
    ColumnType.PHONE: "11 位手机号，或带区号的固定电话（如 0717-1234567）",
    ColumnType.DATE: "日期，如 2024-04-08",
    ColumnType.DATETIME: "日期时间，如 2024-04-08 09:30",
    ColumnType.TIME: "时间，如 09:30",
    ColumnType.HOURS: "小时数，如 2.5（最多两位小数），也可写“2小时30分”",
    ColumnType.YUAN: "金额（元），最多两位小数，如 1000.00",
    ColumnType.INTEGER: "整数",
    ColumnType.DECIMAL: "数字",
    ColumnType.BOOL: "从下拉列表选择：是 / 否",
    ColumnType.CHOICE: "从下拉列表选择",
}
GENERAL_INSTRUCTIONS = (
    "第一行是表头，请勿修改、删除或调换表头；从第二行开始每行填写一条记录。",
    "表头带 * 的列为必填。",
    "证件号码、手机号等列已设为文本格式，请勿改为数值，否则号码末几位会丢失。",
    "下拉列表中的选项见“字典”表；请勿在表中留空行、合并单元格或添加合计行。",
)


def column_choices(column: Column) -> tuple[str, ...]:
    if column.type is ColumnType.BOOL:
        return _BOOL_CHOICES
    return column.choices if column.type is ColumnType.CHOICE else ()


def _header(column: Column) -> str:
    return f"*{column.header}" if column.required else column.header


def _data_sheet(workbook: Workbook, spec: SheetSpec) -> None:
    sheet = workbook.active
    sheet.title = sheet_title(spec.title)
    bold = Font(bold=True)
    dictionary_column = 0
    for index, column in enumerate(spec.columns, start=1):
        letter = get_column_letter(index)
        cell = sheet.cell(1, index, _header(column))
        cell.font = Font(bold=True, color="C00000") if column.required else bold
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        sheet.column_dimensions[letter].width = max(12, min(40, 2 * len(column.header) + 6))
        if number_format := _FORMATS.get(column.type):
            # Formatted (empty) cells, so Excel and WPS keep what is typed as text/dates.
            sheet.column_dimensions[letter].number_format = number_format
            for row in range(2, TEMPLATE_ROWS + 2):
                sheet.cell(row, index).number_format = number_format
        if choices := column_choices(column):
            dictionary_column += 1
            source = get_column_letter(dictionary_column)
            formula = (
                f"{quote_sheetname(DICTIONARY_SHEET)}!${source}$2:${source}${len(choices) + 1}"
            )
            validation = DataValidation(
                type="list",
                formula1=formula,
                allow_blank=not column.required,
                showErrorMessage=True,
                errorTitle="输入有误",
                error=f"“{column.header}”请从下拉列表中选择",
            )
            validation.add(f"{letter}2:{letter}{TEMPLATE_ROWS + 1}")
            sheet.add_data_validation(validation)
    sheet.freeze_panes = "A2"


def _instructions_sheet(workbook: Workbook, spec: SheetSpec) -> None:
    sheet = workbook.create_sheet(INSTRUCTIONS_SHEET)
    sheet.append([f"{spec.title} 填写说明"])
    sheet["A1"].font = Font(bold=True, size=14)
    for number, line in enumerate((*spec.instructions, *GENERAL_INSTRUCTIONS), start=1):
        sheet.append([f"{number}. {line}"])
    sheet.append([])
    sheet.append(["列名", "是否必填", "格式", "说明", "示例"])
    for cell in sheet[sheet.max_row]:
        cell.font = Font(bold=True)
    for column in spec.columns:
        description = COLUMN_DESCRIPTIONS[column.type]
        if choices := column_choices(column):
            description = f"{description}：{'、'.join(choices)}"
        if column.max_length:
            description = f"{description}，最多 {column.max_length} 个字"
        required = "必填" if column.required else "选填"
        sheet.append([column.header, required, description, column.help, column.example])
    for letter, width in zip("ABCDE", (18, 10, 40, 50, 24), strict=True):
        sheet.column_dimensions[letter].width = width


def _dictionary_sheet(workbook: Workbook, spec: SheetSpec) -> None:
    sheet = workbook.create_sheet(DICTIONARY_SHEET)
    lists = [(c.header, column_choices(c)) for c in spec.columns if column_choices(c)]
    for index, (header, choices) in enumerate(lists, start=1):
        sheet.cell(1, index, header).font = Font(bold=True)
        for row, choice in enumerate(choices, start=2):
            sheet.cell(row, index, choice)
        sheet.column_dimensions[get_column_letter(index)].width = 16


def build_template(spec: SheetSpec, path: str | os.PathLike[str]) -> None:
    workbook = Workbook()
    _data_sheet(workbook, spec)
    _instructions_sheet(workbook, spec)
    _dictionary_sheet(workbook, spec)
    workbook.properties.creator = "volunteer"
    workbook.properties.title = spec.title
    workbook.properties.created = _FIXED_TIME
    workbook.properties.modified = _FIXED_TIME
    buffer = io.BytesIO()
    # ExcelWriter directly: openpyxl's save() would stamp the current time as "modified".
    ExcelWriter(workbook, zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED)).save()
    with zipfile.ZipFile(buffer) as source, zipfile.ZipFile(path, "w") as target:
        for member in source.infolist():
            info = zipfile.ZipInfo(member.filename, date_time=_ZIP_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o600 << 16
            target.writestr(info, source.read(member))


def template_signature(path: str | os.PathLike[str]) -> dict[str, object]:
    """What a template says, as plain data: sheets, headers, formats, dropdowns, texts."""
    workbook = load_workbook(path)
    data = workbook.worksheets[0]
    headers = [c.value for c in data[1]]
    formats = {str(h): data.cell(2, i).number_format for i, h in enumerate(headers, start=1)}
    validations = sorted(
        (str(v.sqref), v.type, v.formula1) for v in data.data_validations.dataValidation
    )

    def values(name: str) -> list[list[object]]:
        if name not in workbook.sheetnames:
            return []
        return [list(r) for r in workbook[name].iter_rows(values_only=True)]

    return {
        "sheets": workbook.sheetnames,
        "headers": headers,
        "formats": formats,
        "validations": validations,
        "instructions": values(INSTRUCTIONS_SHEET),
        "dictionary": values(DICTIONARY_SHEET),
    }
