import zipfile
from pathlib import Path

import pytest
from sheet_samples import HEADER

from volunteer.spreadsheets.errors import FileRefused
from volunteer.spreadsheets.safety import OLE2_MAGIC, check_upload

FIXTURES = Path(__file__).parent / "fixtures"
MB = 1024 * 1024


def _check(path, **kwargs):
    return check_upload(path, max_bytes=kwargs.pop("max_bytes", 50 * MB), **kwargs)


def _write(tmp_path, name, data: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


def _zip(tmp_path, name, members, compression=zipfile.ZIP_DEFLATED) -> Path:
    path = tmp_path / name
    with zipfile.ZipFile(path, "w", compression) as archive:
        for member, data in members.items():
            archive.writestr(member, data)
    return path


def _xlsx_members(make_xlsx) -> dict[str, bytes]:
    with zipfile.ZipFile(make_xlsx([HEADER, ["张三"]])) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def test_real_files_pass(make_xlsx):
    assert _check(make_xlsx([HEADER])) == "xlsx"
    assert _check(FIXTURES / "hours_wps.xls") == "xls"
    assert _check(FIXTURES / "hours.ods") == "ods"


def test_allowed_formats(make_xlsx):
    with pytest.raises(FileRefused, match=r"不支持 \.xls 文件，请上传 \.xlsx 格式"):
        _check(FIXTURES / "hours_wps.xls", allowed=("xlsx",))


def test_size_cap_and_empty_file(tmp_path, make_xlsx):
    with pytest.raises(FileRefused, match="文件过大"):
        _check(make_xlsx([HEADER]), max_bytes=100)
    with pytest.raises(FileRefused, match="文件是空的"):
        _check(_write(tmp_path, "empty.xlsx", b""))


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"%PDF-1.7\n%\xe2\xe3", "这是 PDF 文件，不是 Excel 表格"),
        ("姓名,证件号码\n张三,420502199001011234\n".encode(), "这是 CSV 或文本文件"),
        ("姓名,证件号码\n张三,1\n".encode("gbk"), "这是 CSV 或文本文件"),
        (b"\xef\xbb\xbf<!DOCTYPE html><html><table>", "这是网页（HTML）文件"),
        (b"<table><tr><td>1</td></tr></table>", "这是网页（HTML）文件"),
        (b'<?xml version="1.0"?><Workbook>', "这是 XML 文件"),
        (b"\x89PNG\r\n\x1a\n", "这是图片"),
        (b"Rar!\x1a\x07\x00", "这是压缩包"),
        (bytes(range(256)) * 4, "无法识别的文件格式"),
    ],
)
def test_renamed_files_are_named_for_what_they_are(tmp_path, data, message):
    with pytest.raises(FileRefused, match=message) as caught:
        _check(_write(tmp_path, "renamed.xlsx", data))
    assert "另存为" in caught.value.message


def test_zip_bomb_by_ratio(tmp_path):
    path = _zip(
        tmp_path,
        "bomb.xlsx",
        {"xl/workbook.xml": b"", "xl/worksheets/sheet1.xml": b"\0" * (20 * MB)},
    )
    with zipfile.ZipFile(path) as archive:
        info = archive.getinfo("xl/worksheets/sheet1.xml")
        assert info.file_size / info.compress_size > 1000
    with pytest.raises(FileRefused, match="压缩比异常"):
        _check(path)


def test_total_uncompressed_cap(tmp_path, make_xlsx):
    members = _xlsx_members(make_xlsx)
    members["xl/media/big.bin"] = b"x" * (3 * MB)
    path = _zip(tmp_path, "big.xlsx", members, zipfile.ZIP_STORED)
    assert _check(path) == "xlsx"
    with pytest.raises(FileRefused, match="文件解压后过大"):
        _check(path, max_uncompressed=2 * MB)


def test_too_many_members(tmp_path, make_xlsx):
    members = _xlsx_members(make_xlsx)
    members.update({f"xl/junk/{i}.xml": b"" for i in range(50)})
    with pytest.raises(FileRefused, match=r"包含 \d+ 个部件"):
        _check(_zip(tmp_path, "many.xlsx", members), max_members=40)


@pytest.mark.parametrize(
    "name", ["../evil.xml", "/etc/passwd", "xl/../../evil", "C:/evil.xml", "..\\evil"]
)
def test_unsafe_member_paths(tmp_path, make_xlsx, name):
    members = _xlsx_members(make_xlsx)
    members[name] = b"x"
    with pytest.raises(FileRefused, match="非法路径"):
        _check(_zip(tmp_path, "path.xlsx", members))


def test_encrypted_member(tmp_path, make_xlsx):
    path = _zip(tmp_path, "enc.xlsx", _xlsx_members(make_xlsx))
    data = bytearray(path.read_bytes())
    # Set the "encrypted" flag bit in the central directory entries.
    position = data.find(b"PK\x01\x02")
    while position != -1:
        data[position + 8] |= 0x1
        position = data.find(b"PK\x01\x02", position + 4)
    path.write_bytes(bytes(data))
    with pytest.raises(FileRefused, match="文件已加密"):
        _check(path)


def test_macros_are_refused(tmp_path, make_xlsx):
    members = _xlsx_members(make_xlsx)
    with_vba = {**members, "xl/vbaProject.bin": b"\0" * 10}
    with pytest.raises(FileRefused, match="文件包含宏"):
        _check(_zip(tmp_path, "vba.xlsx", with_vba))
    types = members["[Content_Types].xml"].replace(
        b"spreadsheetml.sheet.main+xml", b"sheet.macroEnabled.main+xml"
    )
    with pytest.raises(FileRefused, match="文件包含宏"):
        _check(_zip(tmp_path, "xlsm.xlsx", {**members, "[Content_Types].xml": types}))


def _ole2(*names: str) -> bytes:
    body = b"".join(name.encode("utf-16-le") + b"\0\0" for name in names)
    return OLE2_MAGIC + b"\0" * 504 + body + b"\0" * 512


def test_ole2_variants(tmp_path):
    assert _check(_write(tmp_path, "a.xls", _ole2("Root Entry", "Workbook"))) == "xls"
    assert _check(_write(tmp_path, "b.xls", _ole2("Root Entry", "Book"))) == "xls"
    for names, message in [
        (("Workbook", "_VBA_PROJECT_CUR", "VBA"), "文件包含宏"),
        (("Workbook", "Macros"), "文件包含宏"),
        (("EncryptedInfo", "EncryptedPackage"), "文件已加密"),
        (("WordDocument", "1Table"), "这是 Word 文档"),
        (("PowerPoint Document",), "无法识别的 Office 文件"),
    ]:
        with pytest.raises(FileRefused, match=message):
            _check(_write(tmp_path, "c.xls", _ole2(*names)))


@pytest.mark.parametrize(
    ("members", "message"),
    [
        ({"word/document.xml": b""}, "这是 Word 文档"),
        ({"xl/workbook.bin": b""}, r"\.xlsb"),
        ({"readme.txt": b"hi"}, "这是 ZIP 压缩包"),
        ({"mimetype": b"application/vnd.oasis.opendocument.text"}, "OpenDocument 文本"),
    ],
)
def test_other_zip_containers(tmp_path, members, message):
    with pytest.raises(FileRefused, match=message):
        _check(_zip(tmp_path, "other.xlsx", members))


def test_corrupt_zip(tmp_path):
    with pytest.raises(FileRefused, match="文件已损坏"):
        _check(_write(tmp_path, "bad.xlsx", b"PK\x03\x04" + b"\0" * 100))


def _with_sheet_xml(tmp_path, make_xlsx, cells: bytes) -> Path:
    members = _xlsx_members(make_xlsx)
    sheet = members["xl/worksheets/sheet1.xml"]
    start, end = sheet.index(b"<sheetData>") + len(b"<sheetData>"), sheet.index(b"</sheetData>")
    members["xl/worksheets/sheet1.xml"] = sheet[:start] + cells + sheet[end:]
    return _zip(tmp_path, "extent.xlsx", members)


@pytest.mark.parametrize(
    "cells",
    [
        # One cell at the far corner would make calamine allocate 17 billion cells.
        b'<row r="1"><c r="A1" t="inlineStr"><is><t>x</t></is></c></row>'
        b'<row r="1048576"><c r="XFD1048576"><v>1</v></c></row>',
        # The same, hidden behind a row element that lies about its number.
        b'<row r="1"><c r="A1"><v>1</v><c r="XFD1048576"><v>1</v></c></c></row>',
        # References without the usual attribute order or quotes.
        b"<row r='1'><c s='0' r='XFD1'><v>1</v></c></row><row r='1048576'><c r='A1048576'>"
        b"<v>1</v></c></row>",
        # No references at all: positions count on from the previous cell and row.
        b'<row r="1000000">' + b"<c><v>1</v></c>" * 300 + b"</row>",
        # A namespace prefix on the elements.
        b'<x:row r="1"><x:c r="ZZ1"><x:v>1</x:v></x:c></x:row>'
        b'<x:row r="999999"><x:c r="A999999"><x:v>1</x:v></x:c></x:row>',
    ],
)
def test_cell_range_too_large_for_calamine(tmp_path, make_xlsx, cells):
    with pytest.raises(FileRefused, match="表格范围过大"):
        _check(_with_sheet_xml(tmp_path, make_xlsx, cells))


def test_wide_but_reasonable_sheet_passes(tmp_path, make_xlsx):
    cells = b'<row r="1"><c r="AB1"><v>1</v></c></row><row r="5000"><c r="A5000"><v>1</v></c></row>'
    assert _check(_with_sheet_xml(tmp_path, make_xlsx, cells)) == "xlsx"
    # Styled but empty cells far away are not part of calamine's range.
    cells = (
        b'<row r="1"><c r="A1"><v>1</v></c><c r="XFD1" s="1"/></row><row r="1048576">'
        b'<c r="A1048576" s="1"/></row><row>'
    )
    assert _check(_with_sheet_xml(tmp_path, make_xlsx, cells + b"</row>")) == "xlsx"


def test_sheet_at_an_unusual_path_is_still_measured(tmp_path, make_xlsx):
    path = _with_sheet_xml(
        tmp_path,
        make_xlsx,
        b'<row r="1"><c r="A1"><v>1</v></c><c r="XFD1048576"><v>1</v></c></row>',
    )
    with zipfile.ZipFile(path) as archive:
        members = {name: archive.read(name) for name in archive.namelist()}
    members["xl/other/data.xml"] = members.pop("xl/worksheets/sheet1.xml")
    for name in ("xl/_rels/workbook.xml.rels", "[Content_Types].xml"):
        members[name] = members[name].replace(b"worksheets/sheet1.xml", b"other/data.xml")
    moved = _zip(tmp_path, "moved.xlsx", members)
    with pytest.raises(FileRefused, match="表格范围过大"):
        _check(moved)
    members["xl/_rels/workbook.xml.rels"] = b"not xml"
    with pytest.raises(FileRefused, match="表格范围过大"):
        _check(_zip(tmp_path, "norels.xlsx", members))
