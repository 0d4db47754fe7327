import zipfile
from pathlib import Path

import pytest
from sheet_samples import HEADER, with_sheet_data

from volunteer.spreadsheets import sheet_extent
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
    return with_sheet_data(make_xlsx([HEADER, ["张三"]]), tmp_path / "extent.xlsx", cells)


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


# Each of these made python-calamine 0.9.1 abort ("memory allocation of … bytes failed"), and
# all but the first passed the checks before the sheet_extent rewrite.
CALAMINE_ABORTS = [
    # Canonical tags, one letter, but a row number of eight digits.
    b'<row r="1"><c r="Z1"><v>1</v></c></row><row r="99999999"><c r="A99999999"><v>1</v></c></row>',
    # Calamine takes a tag's last `r`.
    b'<row r="1"><c r="A1"><v>1</v></c><c r="B1" r="XFD1048576"><v>1</v></c></row>',
    # A ">" inside an attribute value does not end the tag.
    b'<row r="1"><c r="A1"><v>1</v></c><c s="0" x=">" r="XFD1048576"><v>1</v></c></row>',
    # "r=" inside another attribute's value, or a prefixed r, is not the reference.
    b'<row r="1"><c r="A1"><v>1</v></c><c x="r=\'B1\'" r="XFD1048576"><v>1</v></c></row>',
    b'<row r="1"><c r="A1"><v>1</v></c><c x:r="B1" r="XFD1048576" xmlns:x="u"><v>1</v></c></row>',
    # Tags inside a comment or CDATA section are no tags: the row stays 1000000.
    b'<row r="1"><c r="A1"><v>1</v></c></row><row r="1000000"><!-- <row r="1"> -->'
    + b"<c><v>1</v></c>" * 300
    + b"</row>",
    b'<row r="1"><c r="A1"><v>1</v></c></row><row r="1000000"><![CDATA[<row r="1">]]>'
    + b"<c><v>1</v></c>" * 300
    + b"</row>",
    # Prefixed cells without a reference, among prefixed ones with.
    b'<x:row r="1"><x:c r="A1"><x:v>1</x:v></x:c></x:row><x:row r="1000000">'
    + b"<x:c><x:v>1</x:v></x:c>" * 300
    + b"</x:row>",
    # A cell's reference does not move the row of the cells without one that follow.
    b'<row r="1"><c r="A1"><v>1</v></c></row><row r="1000000"><c r="A1"><v>1</v></c>'
    + b"<c><v>1</v></c>" * 300
    + b"</row>",
]


@pytest.mark.parametrize("cells", CALAMINE_ABORTS)
def test_tags_calamine_reads_its_own_way_are_measured_its_way(tmp_path, make_xlsx, cells):
    # A second `r` is not even valid XML: refused as such rather than measured.
    with pytest.raises(FileRefused, match=r"表格范围过大|不是有效的 XML"):
        _check(_with_sheet_xml(tmp_path, make_xlsx, cells))


@pytest.mark.parametrize("read", [7, 61])
@pytest.mark.parametrize("cells", CALAMINE_ABORTS)
def test_small_reads_split_no_tag(tmp_path, make_xlsx, monkeypatch, cells, read):
    # Reads of a few bytes cut through every tag; the pieces handed on must not.
    monkeypatch.setattr(sheet_extent, "_READ", read)
    with pytest.raises(FileRefused, match=r"表格范围过大|不是有效的 XML"):
        _check(_with_sheet_xml(tmp_path, make_xlsx, cells))
    assert _check(make_xlsx([HEADER, ["张三", "420502199001011234"]])) == "xlsx"


def _cell_at_a_reads_end(tmp_path, make_xlsx, cell: bytes, read: int, run: int) -> Path:
    """A sheet whose `cell` in row 1000000 follows text without ">" so that its "<c" ends a
    read: the first read in which that text is longer than `run`."""
    members = _xlsx_members(make_xlsx)
    sheet = members["xl/worksheets/sheet1.xml"]
    start, end = sheet.index(b"<sheetData>") + len(b"<sheetData>"), sheet.index(b"</sheetData>")
    head = sheet[:start] + b'<row r="1"><c r="A1"><v>1</v></c></row><row r="1000000">'
    cut = ((len(head) + max(run, 2)) // read + 1) * read
    text = b"a" * (cut - 2 - len(head))
    members["xl/worksheets/sheet1.xml"] = head + text + cell + b"<v>1</v></c></row>" + sheet[end:]
    return _zip(tmp_path, "cut.xlsx", members)


@pytest.mark.parametrize("run", [0, 256])
@pytest.mark.parametrize(
    ("cell", "max_cells"), [(b'<c r="XFD1048576">', 30_000_000), (b"<c>", 999_999)]
)
def test_a_cell_cut_at_a_reads_end_is_seen(tmp_path, make_xlsx, monkeypatch, run, cell, max_cells):
    # After a short text the read's tail joins the next read's head; after one longer than
    # _MAX_RUN there is no ">" to cut at, and the parser reads the sheet instead.
    monkeypatch.setattr(sheet_extent, "_READ", 64)
    monkeypatch.setattr(sheet_extent, "_MAX_RUN", 256)
    path = _cell_at_a_reads_end(tmp_path, make_xlsx, cell, 64, run)
    with pytest.raises(FileRefused, match="表格范围过大"):
        _check(path, max_cells=max_cells)
    path = _cell_at_a_reads_end(tmp_path, make_xlsx, b'<c r="B1000000">', 64, run)
    assert _check(path) == "xlsx"


def test_ordinary_sheets_pass_the_screen_without_measuring(tmp_path, make_xlsx, monkeypatch):
    def fail(*_args):
        raise AssertionError("measured")

    monkeypatch.setattr(sheet_extent, "_extent_by_refs", fail)
    monkeypatch.setattr(sheet_extent, "_extent_by_parsing", fail)
    rows = [HEADER, *[["张三", "420502199001011234", 2.5]] * 200]
    assert _check(make_xlsx(rows)) == "xlsx"


def test_wide_and_prefixed_sheets_are_measured_by_reference(tmp_path, make_xlsx, monkeypatch):
    monkeypatch.setattr(sheet_extent, "_extent_by_parsing", lambda *_args: (10**9, 10**9))
    assert _check(make_xlsx([[f"列{i}" for i in range(40)]] * 50)) == "xlsx"
    prefixed = (
        b'<x:row r="1"><x:c r="A1"><x:v>1</x:v></x:c><x:c r="AB1"><x:v>1</x:v></x:c></x:row>'
        b'<x:row r="999999"><x:c r="A999999"><x:v>1</x:v></x:c></x:row>'
    )
    assert _check(_with_sheet_xml(tmp_path, make_xlsx, prefixed)) == "xlsx"
    far = prefixed.replace(b'r="AB1"', b'r="XFD1"')
    with pytest.raises(FileRefused, match="表格范围过大"):
        _check(_with_sheet_xml(tmp_path, make_xlsx, far))


def test_sheets_without_references_are_parsed(tmp_path, make_xlsx):
    cells = b"".join(b"<row>" + b"<c><v>1</v></c>" * 5 + b"</row>" for _ in range(100))
    assert _check(_with_sheet_xml(tmp_path, make_xlsx, cells)) == "xlsx"
    with pytest.raises(FileRefused, match="不是有效的 XML"):
        _check(_with_sheet_xml(tmp_path, make_xlsx, b"<row><c><v>1</v></row>"))


def test_document_type_definitions_are_refused(tmp_path, make_xlsx):
    path = _with_sheet_xml(tmp_path, make_xlsx, b"<row><c><v>&e;</v></c></row>")
    with zipfile.ZipFile(path) as archive:
        members = {name: archive.read(name) for name in archive.namelist()}
    sheet = members["xl/worksheets/sheet1.xml"]
    members["xl/worksheets/sheet1.xml"] = b'<!DOCTYPE worksheet [<!ENTITY e "1">]>' + sheet
    with pytest.raises(FileRefused, match="文档类型定义"):
        _check(_zip(tmp_path, "dtd.xlsx", members))


@pytest.mark.parametrize(
    "cells",
    [
        b'<row r="1"><c r="Z1"><v>1</v></c><c r="A' + b"9" * 5000 + b'"><v>1</v></c></row>',
        b'<row r="1"><c><v>1</v></c><c r="A' + b"9" * 5000 + b'"><v>1</v></c></row>',
    ],
)
def test_row_numbers_too_long_to_convert_are_refused(tmp_path, make_xlsx, cells):
    with pytest.raises(FileRefused, match="表格范围过大"):
        _check(_with_sheet_xml(tmp_path, make_xlsx, cells))


def test_cell_limit_below_the_screens_bound_is_measured(make_xlsx):
    path = make_xlsx([HEADER, ["张三", "420502199001011234"]])
    assert _check(path) == "xlsx"
    with pytest.raises(FileRefused, match="表格范围过大"):
        _check(path, max_cells=3)
