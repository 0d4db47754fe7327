"""Checks an uploaded file passes before any spreadsheet parser sees it.

Owns `check_upload`: size cap; format by magic bytes (not by the name: a PDF, CSV or web
page renamed `.xlsx` is named for what it is); for zip containers the central directory only
(member count, total uncompressed size, compression ratio, unsafe paths, encryption);
macro-bearing content; and, for xlsx, the rectangle of cells python-calamine would allocate
(`sheet_extent`).
"""

from __future__ import annotations

import os
import posixpath
import re
import zipfile
from pathlib import Path

from defusedxml import ElementTree

from volunteer.spreadsheets.errors import FileRefused
from volunteer.spreadsheets.sheet_extent import check_extent

ZIP_MAGIC = b"PK\x03\x04"
OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ODS_MIMETYPE = b"application/vnd.oasis.opendocument.spreadsheet"
_MB = 1024 * 1024
MAX_CELLS = 30_000_000  # the rectangle of cells a sheet may span
_CHUNK = 4 * _MB
_SAVE_AS = "请用 Excel 或 WPS 打开后“另存为” .xlsx 格式再上传"

_MEDIA = (".png", ".jpg", ".jpeg", ".gif", ".bmp", ".emf", ".wmf", ".tif", ".tiff")

_OLE_MACROS = ("_VBA_PROJECT".encode("utf-16-le"), "Macros\0".encode("utf-16-le"))
_OLE_ENCRYPTED = "EncryptedPackage".encode("utf-16-le")
_OLE_WORD = "WordDocument".encode("utf-16-le")
_OLE_WORKBOOK = ("Workbook".encode("utf-16-le"), "Book\0".encode("utf-16-le"))


def check_upload(
    path: str | os.PathLike[str],
    *,
    max_bytes: int,
    allowed: tuple[str, ...] = ("xlsx", "xls", "ods"),
    max_members: int = 10_000,
    max_uncompressed: int = 200 * _MB,
    max_ratio: int = 200,
    max_cells: int = MAX_CELLS,
    sheet_extent: bool = True,
) -> str:
    """Return the detected format ("xlsx", "xls" or "ods") or raise `FileRefused`.

    `sheet_extent=False` leaves out the sheets' extent, for a caller that screens it with
    `screen_sheets` while the sheet is parsed in a child process (`open_sheet`)."""
    path = Path(path)
    size = path.stat().st_size
    if size == 0:
        raise FileRefused("文件是空的，请重新选择文件")
    if size > max_bytes:
        raise FileRefused(f"文件过大（{size / _MB:.1f} MB），上限为 {max_bytes / _MB:.0f} MB")
    with path.open("rb") as f:
        head = f.read(2048)
    if head.startswith(ZIP_MAGIC):
        limits = (max_members, max_uncompressed, max_ratio)
        kind = _check_zip(path, *limits, max_cells if sheet_extent else None)
    elif head.startswith(OLE2_MAGIC):
        kind = _check_ole2(path)
    else:
        raise FileRefused(_describe_other(head))
    if kind not in allowed:
        wanted = "、".join(f".{a}" for a in allowed)
        raise FileRefused(f"不支持 .{kind} 文件，请上传 {wanted} 格式")
    return kind


def _describe_other(head: bytes) -> str:
    text = head.lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if head.startswith(b"%PDF"):
        what = "这是 PDF 文件"
    elif text.startswith((b"<!doctype html", b"<html", b"<table", b"<meta")):
        what = "这是网页（HTML）文件（很多系统导出的“Excel”其实是网页）"
    elif text.startswith(b"<?xml"):
        what = "这是 XML 文件（可能是 Excel 2003 XML 表格）"
    elif head.startswith((b"Rar!", b"7z\xbc\xaf", b"\x1f\x8b")):
        what = "这是压缩包"
    elif head.startswith((b"\x89PNG", b"\xff\xd8\xff", b"GIF8")):
        what = "这是图片"
    elif _looks_like_text(head):
        what = "这是 CSV 或文本文件"
    else:
        what = "无法识别的文件格式"
    return f"{what}，不是 Excel 表格：{_SAVE_AS}"


def _looks_like_text(head: bytes) -> bool:
    for encoding in ("utf-8", "gb18030", "utf-16"):
        try:
            text = head.decode(encoding)
        except UnicodeDecodeError:
            continue
        return "\0" not in text
    return False


def screen_sheets(path: str | os.PathLike[str], max_cells: int = MAX_CELLS) -> None:
    """Refuse an xlsx whose sheets span more than `max_cells` cells; other files pass."""
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError, ValueError):
        return  # not a zip: an xls, which check_upload has judged
    with archive:
        members = archive.infolist()
        if _identify_zip(archive, {m.filename for m in members}) == "xlsx":
            _screen(archive, members, max_cells)


def _screen(archive: zipfile.ZipFile, members: list[zipfile.ZipInfo], max_cells: int) -> None:
    for member in _worksheets(archive, members):
        check_extent(archive, member, max_cells)


def _check_zip(
    path: Path, max_members: int, max_total: int, max_ratio: int, max_cells: int | None
) -> str:
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError, ValueError):
        raise FileRefused(f"文件已损坏或不完整，无法打开：{_SAVE_AS}") from None
    with archive:
        members = archive.infolist()
        if len(members) > max_members:
            raise FileRefused(f"文件内部结构异常（包含 {len(members)} 个部件），已拒绝")
        total = 0
        for member in members:
            _check_member(member, max_ratio)
            total += member.file_size
        if total > max_total:
            raise FileRefused(
                f"文件解压后过大（{total / _MB:.0f} MB，上限 {max_total / _MB:.0f} MB），"
                "请拆分后上传"
            )
        names = {m.filename for m in members}
        kind = _identify_zip(archive, names)
        _refuse_macros(archive, names)
        if kind == "xlsx" and max_cells is not None:
            _screen(archive, members, max_cells)
        return kind


def _worksheets(archive: zipfile.ZipFile, members: list[zipfile.ZipInfo]) -> list[zipfile.ZipInfo]:
    """The parts calamine reads as sheets, as the workbook's relationships name them.

    Without readable relationships every part but media is screened, which is slower but
    just as safe.
    """
    by_name = {m.filename: m for m in members}
    try:
        with archive.open("xl/_rels/workbook.xml.rels") as f:
            root = ElementTree.fromstring(f.read(_MB))
        targets = [
            r.get("Target", "")
            for r in root
            if r.get("Type", "").endswith(("/worksheet", "/chartsheet", "/dialogsheet"))
        ]
    except (KeyError, ElementTree.ParseError, zipfile.BadZipFile, OSError):
        targets = None
    if targets is not None:
        names = [t[1:] if t.startswith("/") else posixpath.normpath("xl/" + t) for t in targets]
        if all(n in by_name for n in names):
            return [by_name[n] for n in names]
    return [m for m in members if not m.is_dir() and not m.filename.lower().endswith(_MEDIA)]


def _check_member(member: zipfile.ZipInfo, max_ratio: int) -> None:
    name = member.filename.replace("\\", "/")
    if name.startswith("/") or re.match(r"[A-Za-z]:", name) or ".." in name.split("/"):
        raise FileRefused("文件内部结构异常（含有非法路径），已拒绝")
    if member.flag_bits & 0x1:
        raise FileRefused("文件已加密（设置了密码），请取消密码后重新上传")
    # Tiny parts (styles, empty sheets) compress far beyond any sane ratio; only size matters.
    if member.file_size > _MB and member.file_size > max_ratio * max(member.compress_size, 1):
        raise FileRefused("文件压缩比异常（疑似“压缩炸弹”），已拒绝")


def _identify_zip(archive: zipfile.ZipFile, names: set[str]) -> str:
    if "mimetype" in names:
        with archive.open("mimetype") as f:
            mimetype = f.read(200).strip()
        if mimetype == ODS_MIMETYPE:
            return "ods"
        if mimetype.startswith(b"application/vnd.oasis.opendocument"):
            raise FileRefused(f"这是 OpenDocument 文本或演示文稿，不是表格：{_SAVE_AS}")
    if "xl/workbook.xml" in names:
        return "xlsx"
    if "xl/workbook.bin" in names:
        raise FileRefused(f"不支持 Excel 二进制工作簿（.xlsb）：{_SAVE_AS}")
    if "word/document.xml" in names:
        raise FileRefused(f"这是 Word 文档，不是 Excel 表格：{_SAVE_AS}")
    if "ppt/presentation.xml" in names:
        raise FileRefused(f"这是 PowerPoint 演示文稿，不是 Excel 表格：{_SAVE_AS}")
    raise FileRefused(f"这是 ZIP 压缩包，不是 Excel 表格：请解压后上传其中的表格，或{_SAVE_AS}")


def _refuse_macros(archive: zipfile.ZipFile, names: set[str]) -> None:
    message = "文件包含宏（VBA），为安全起见不予接受：请“另存为”不含宏的 .xlsx 格式后上传"
    lowered = {n.lower() for n in names}
    if any(n.endswith("vbaproject.bin") or n.startswith("xl/macrosheets/") for n in lowered):
        raise FileRefused(message)
    if any(n.startswith("basic/") for n in lowered):  # ODF keeps Basic macros there
        raise FileRefused(message)
    if "[Content_Types].xml" in names:
        with archive.open("[Content_Types].xml") as f:
            content_types = f.read(_MB)
        if b"macroenabled" in content_types.lower():
            raise FileRefused(message)


def _check_ole2(path: Path) -> str:
    """Old binary formats: a byte search of the file stands in for reading the directory."""
    found: set[bytes] = set()
    wanted = (*_OLE_MACROS, _OLE_ENCRYPTED, _OLE_WORD, *_OLE_WORKBOOK)
    overlap = max(len(w) for w in wanted)
    tail = b""
    with path.open("rb") as f:
        while chunk := f.read(_CHUNK):
            data = tail + chunk
            found.update(w for w in wanted if w in data)
            tail = data[-overlap:]
    if found & set(_OLE_MACROS):
        raise FileRefused(
            "文件包含宏（VBA），为安全起见不予接受：请“另存为”不含宏的 .xlsx 格式后上传"
        )
    if _OLE_ENCRYPTED in found:
        raise FileRefused("文件已加密（设置了打开密码），请取消密码后重新上传")
    if _OLE_WORD in found:
        raise FileRefused(f"这是 Word 文档，不是 Excel 表格：{_SAVE_AS}")
    if not found & set(_OLE_WORKBOOK):
        raise FileRefused(f"无法识别的 Office 文件，不是 Excel 表格：{_SAVE_AS}")
    return "xls"
