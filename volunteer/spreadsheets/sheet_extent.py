"""Refuses a worksheet whose cells would make python-calamine allocate too much.

Calamine allocates the whole rectangle spanned by the cells holding a value and aborts the
process when that fails: one cell at XFD1048576 asks for 512 GiB. `check_extent` bounds the
rectangle from the sheet XML before calamine sees it, cheapest way first:

- screen: every `<c` tag starts `<c r="A123456"` (one letter, at most six digits), every
  `<row` tag `<row r="`, no other attribute is named r (calamine takes a tag's last `r`) and
  no tag has a namespace prefix: then no cell lies past Z999999;
- by reference: every cell tag, prefixed or not, starts with a plain reference and has no
  second `r`, so calamine places each cell there: the largest letters and digits are the
  extent;
- by parsing: anything else (cells without a reference, other quoting or attribute order,
  a second `r`, comments hiding tags) is parsed with expat, replaying calamine's cell reader
  and erring high.

The first two are byte patterns over the whole text, sound because they judge every `<c`,
`:c`, `<row` and attribute-like `r=` wherever it stands, even in text or comments; what they
cannot vouch for goes one way further down.
"""

from __future__ import annotations

import re
import zipfile
from operator import itemgetter
from xml.parsers import expat

from volunteer.spreadsheets.errors import FileRefused

_MB = 1024 * 1024
_READ = _MB  # decompressed bytes per read: the screen's passes over it stay in cache
_MAX_RUN = 16 * _MB  # longest stretch without ">" the byte patterns take in one piece
_SCREENED = 26 * 999_999  # most cells a sheet passing the screen can span
_HUGE = 10**12  # stands for a row number too long to convert, far past any limit

_SCREEN = (
    re.compile(rb'<c(?! r="[A-Za-z]\d{1,6}")[\s>/]'),
    # Rows without a leading `r`, and any `r` attribute but a cell's or row's first (r after
    # a space or quote, then "="): one pass, as both hang on the letter r.
    re.compile(rb"""r(?:ow(?<=<row)(?! r=")[\s>/]|(?<=[\s"']r)(?<![<:]c r)(?<![<:]row r)\s*=)"""),
    re.compile(rb":(?:c|row)[\s>/]"),
)
_WIDE = rb'(?! r="[A-Za-z]+\d+")'
_NOT_BY_REF = (re.compile(rb"<c" + _WIDE + rb"[\s>/]"), _SCREEN[1])
# Calamine matches local names, so `<x:c` is a cell too. Anchored on "<" to tell it from an
# end tag (`</x:c>`): slower, so only run on pieces that have prefixed tags at all.
_PREFIXED = _SCREEN[2]
_NOT_BY_REF_PREFIXED = re.compile(rb"""<[^\s<>/="']*:(?:c""" + _WIDE + rb"""|row(?! r="))[\s>/]""")
_CELL_REFS = (re.compile(rb'<c r="([A-Za-z]+)(\d+)"'), re.compile(rb':c r="([A-Za-z]+)(\d+)"'))
_FIRST, _SECOND = itemgetter(0), itemgetter(1)
_REF_TEXT = re.compile(r"\s*([A-Za-z]*)(\d*)", re.ASCII)
_MESSAGE = (
    "表格范围过大（有内容的单元格分布到了很远的行或列），请删除多余的行列后另存为新文件再上传"
)


class _LongRun(Exception):
    """A stretch without ">" too long for one piece: only the parser can read it."""


def check_extent(archive: zipfile.ZipFile, member: zipfile.ZipInfo, max_cells: int) -> None:
    try:
        # The screen's bound only settles the question when it is within max_cells.
        if max_cells >= _SCREENED and not _matches(archive, member, _SCREEN):
            return
        extent = _extent_by_refs(archive, member)
    except _LongRun:
        extent = None
    rows, cols = extent or _extent_by_parsing(archive, member)
    if rows * cols > max_cells:
        raise FileRefused(_MESSAGE)


def _chunks(archive: zipfile.ZipFile, member: zipfile.ZipInfo):
    """The member's text in pieces that each end just after a ">".

    No pattern above reaches past a ">" but as its last character, nor looks back past one,
    so cutting there splits no match. Each read goes on as a small seam (what the previous
    read left after its last ">", up to this read's first) and a view of the rest: the bulk
    is never copied.
    """
    carry = b""
    with archive.open(member) as f:
        while piece := f.read(_READ):
            first = piece.find(b">")
            if first < 0:
                carry += piece
                if len(carry) > _MAX_RUN:
                    raise _LongRun
                continue
            last = piece.rfind(b">")
            yield carry + piece[: first + 1]
            if last > first:
                yield memoryview(piece)[first + 1 : last + 1]
            carry = piece[last + 1 :]
    if carry:
        yield carry


def _matches(archive: zipfile.ZipFile, member: zipfile.ZipInfo, patterns) -> bool:
    # All patterns per piece, so the sheet is decompressed once.
    return any(p.search(chunk) for chunk in _chunks(archive, member) for p in patterns)


def _extent_by_refs(archive: zipfile.ZipFile, member: zipfile.ZipInfo) -> tuple[int, int] | None:
    """The extent when every cell tag has a plain reference; None as soon as one has not.

    Like calamine, cells count wherever they stand; unlike it, empty-element ones too.
    """
    letters: set[bytes] = set()
    rows = 0
    for chunk in _chunks(archive, member):
        if any(p.search(chunk) for p in _NOT_BY_REF) or (
            _PREFIXED.search(chunk) and _NOT_BY_REF_PREFIXED.search(chunk)
        ):
            return None
        for pattern in _CELL_REFS:
            if refs := pattern.findall(chunk):
                letters.update(map(_FIRST, refs))
                rows = max(rows, _largest(map(_SECOND, refs)))
    return rows, max((_column_number(c.decode()) for c in letters), default=0)


def _extent_by_parsing(archive: zipfile.ZipFile, member: zipfile.ZipInfo) -> tuple[int, int]:
    parser = expat.ParserCreate()
    parser.StartElementHandler, parser.EndElementHandler, extent = _calamine_walk()
    parser.StartDoctypeDeclHandler = _refuse_doctype  # no entity definitions, no expansion
    try:
        with archive.open(member) as f:
            while piece := f.read(_READ):
                parser.Parse(piece, False)
        parser.Parse(b"", True)
    except expat.ExpatError:
        # Calamine's parser is laxer than expat; what expat cannot read cannot be measured.
        raise FileRefused("文件内部结构异常（工作表不是有效的 XML），已拒绝") from None
    return extent()


def _refuse_doctype(*_args) -> None:
    raise FileRefused("文件内部结构异常（工作表含有文档类型定义），已拒绝")


def _calamine_walk():
    """Handlers replaying calamine's cell reader on expat's events, never counting lower.

    Calamine reads an empty-element tag as a start and an end, and matches local names. A
    `row` with `r` sets the row (here only upwards); its end moves to the next row and back
    to the first column (here only when the row held an element and no cell is open, where
    calamine surely does). A `c` with `r` sits there and sets the column (here only
    upwards), one without sits at the current row and column; its end moves one column on.
    A cell counts when it holds an element: calamine leaves cells without a value out.
    Closures rather than methods: these run for every element, millions per sheet.
    """
    rows = cols = row = col = cells = starts = 0
    open_tags: list[tuple[tuple[int, int] | None, int]] = []  # (cell position, starts then)
    reference = _REF_TEXT.match

    def start(name: str, attrs: dict[str, str]) -> None:
        nonlocal row, col, cells, starts
        starts += 1
        if name != "c" and name != "row":
            name = name.rpartition(":")[2]
            if name != "c" and name != "row":
                return
        letters, digits = reference(attrs.get("r", "")).groups()
        if name == "row":
            row = max(row, _row_number(digits) - 1) if digits else row
            open_tags.append((None, starts))
            return
        column = _column_number(letters) if letters else col + 1
        col = max(col, column - 1)
        cells += 1
        open_tags.append(((_row_number(digits) if digits else row + 1, column), starts))

    def end(name: str) -> None:
        nonlocal rows, cols, row, col, cells
        if name != "c" and name != "row":
            name = name.rpartition(":")[2]
            if name != "c" and name != "row":
                return
        position, opened = open_tags.pop()
        if position is None:
            row += 1
            if starts > opened and not cells:
                col = 0
            return
        cells -= 1
        col += 1
        if starts > opened:
            rows, cols = max(rows, position[0]), max(cols, position[1])

    return start, end, lambda: (rows, cols)


def _largest(numbers) -> int:
    """The largest of some digit strings (row numbers)."""
    try:
        return max(map(int, numbers))
    except ValueError:  # int() refuses thousands of digits
        return _HUGE


def _row_number(digits: str) -> int:
    return int(digits) if len(digits) < 13 else _HUGE


def _column_number(letters: str) -> int:
    number = 0
    for char in letters.upper()[:8]:  # eight letters are already past any limit
        number = number * 26 + ord(char) - 64
    return number
